// redirectScheme: sends the client to the same URL on another scheme (and
// port); a request already there passes.
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, type Middleware, type Step } from './kind.js'
import { redirectSchemeSchema } from './schemas.js'
import type { Flow } from './flow.js'
import { redirect, schemeOf } from './redirect.js'

interface Compiled {
  scheme: string
  port: string
  permanent: boolean
}

/** Host and :port of a Host header (Go's net.SplitHostPort, the whole header as host when it has no port). */
function splitHostPort(h: string): [host: string, port: string] {
  if (h.startsWith('[')) {
    const close = h.indexOf(']')
    if (close > 0 && h[close + 1] === ':') return [h.slice(1, close), `:${h.slice(close + 2)}`]
    return [h, '']
  }
  const colon = h.lastIndexOf(':')
  if (colon < 0 || h.indexOf(':') !== colon) return [h, '']
  return [h.slice(0, colon), `:${h.slice(colon + 1)}`]
}

// Traefik's pattern over the client's URL: scheme, host, port, the rest.
const URI = /^(https?:\/\/)?(\[[\w:.]+\]|[\w._-]+)?(:\d+)?(.*)$/s

class RedirectScheme implements Middleware {
  private readonly port: string

  constructor(private readonly c: Compiled) {
    const p = c.port
    this.port = p !== '' && !((c.scheme === 'http' && p === '80') || (c.scheme === 'https' && p === '443')) ? `:${p}` : ''
  }

  request(flow: Flow): Step {
    const scheme = schemeOf(flow)
    let [host, port] = splitHostPort(flow.originalHost)
    // A v6 literal goes back in brackets.
    if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`
    if ((scheme === 'http' && port === ':80') || (scheme === 'https' && port === ':443')) port = ''
    const old = `${scheme}://${host}${port}${flow.target()}`
    const m = URI.exec(old)!
    const next = `${this.c.scheme}://${m[2] ?? ''}${this.port}${m[4]}`
    if (next === old) return NEXT
    return redirect(flow, next, this.c.permanent)
  }
}

export default kind<Compiled>({
  schema: redirectSchemeSchema,
  phases: () => PHASE_REQUEST,
  compile(o) {
    const scheme = (o.scheme as string | undefined) ?? ''
    if (scheme === '') throw new MiddlewareError('you must provide a target scheme')
    const port = String(o.port ?? '')
    if (port !== '' && !/^\d{1,5}$/.test(port)) throw new MiddlewareError(`port ${JSON.stringify(port)} is not a port number`)
    return { scheme, port, permanent: o.permanent === true }
  },
  create: (c) => new RedirectScheme(c),
})
