// forwardAuth: asks an authentication server about each request (Authelia,
// Authentik, oauth2-proxy...). A 2xx answer lets the request through with
// the headers the server named copied onto it; any other answer goes back to
// the client as the server gave it. The call goes over pier's own keep-alive
// client, one pool per middleware, kept across table swaps.
//
// The auth server hears about the request in X-Forwarded-Method, -Proto,
// -Host, -Port, -Uri and -For, always as pier saw it: pier has no list of
// trusted forwarders, so, as Traefik does for an untrusted client, the
// X-Forwarded-* headers a client sends never reach the auth server, and
// trustForwardHeader changes nothing. An auth server cannot be fooled by a
// client claiming another path or host.
import { kind, MiddlewareError, PHASE_REQUEST, PHASE_RESPONSE, WAIT, type Middleware, type Step, type WorkerEnv } from './kind.js'
import { forwardAuthSchema } from './schemas.js'
import type { BodyWaiter, Flow } from './flow.js'
import { ResponseFilter } from './filter.js'
import { goRegExp } from '../rules/goregex.js'
import type { UpstreamPool, RequestController, ResponseHandler } from '../upstream/pool.js'
import * as H from './headers-list.js'
import { clientTls, clientTlsOptions, type ClientTls } from './client-tls.js'

interface Compiled {
  address: string
  trustForwardHeader: boolean
  authResponseHeaders: string[]
  authResponseHeadersRegex: string
  authRequestHeaders: string[]
  addAuthCookiesToResponse: string[]
  forwardBody: boolean
  maxBodySize: number
  maxResponseBodySize: number
  preserveLocationHeader: boolean
  preserveRequestMethod: boolean
  authSigninURL: string
  tls: ClientTls | null
}

/** Request headers never passed to the auth server: hop-by-hop, framing, and what pier sets itself. */
const NOT_PASSED = new Set(['connection', 'keep-alive', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'proxy-connection', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-server', 'x-forwarded-uri', 'x-forwarded-method', 'x-forwarded-prefix', 'x-real-ip', 'x-forwarded-tls-client-cert', 'x-forwarded-tls-client-cert-info'])
/** Auth response headers not copied onto an answer from it. */
const HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade', 'content-length'])

/** Go's canonical header key: X-Authentik-Username. */
function canonical(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase())
}

/** The name of a Set-Cookie value. */
const cookieName = (setCookie: string): string => setCookie.slice(0, Math.max(0, setCookie.indexOf('='))).trim()

let headerOut = ''
let headerAllowed: Set<string> | null = null
let headerListed: string[] | null = null
function passHeader(name: string, value: string): void {
  if (NOT_PASSED.has(name) || name.startsWith('proxy-')) return
  if (headerListed !== null && headerListed.includes(name)) return
  if (headerAllowed !== null && !headerAllowed.has(name)) return
  headerOut += `${name}: ${value}\r\n`
}

/** One call to the auth server for one request. */
class AuthCall implements ResponseHandler {
  status = 0
  headers: string[] = []
  private chunks: Buffer[] = []
  private size = 0
  tooLarge = false
  ctl: RequestController | null = null

  constructor(
    private readonly mw: ForwardAuth,
    private readonly flow: Flow,
  ) {}

  onHeaders(status: number, _text: string, headers: string[]): void {
    this.status = status
    this.headers = headers
  }

  onData(chunk: Buffer): boolean {
    const max = this.mw.c.maxResponseBodySize
    this.size += chunk.length
    if (max >= 0 && this.size > max) this.tooLarge = true
    else this.chunks.push(Buffer.from(chunk))
    return true
  }

  onComplete(): void {
    this.flow.pending = null
    if (this.flow.aborted) return
    try {
      this.mw.decide(this.flow, this, Buffer.concat(this.chunks))
    } catch (err) {
      this.flow.fail(err)
    }
  }

  onError(): void {
    this.flow.pending = null
    if (!this.flow.aborted) this.flow.answer(500, [], '')
  }
}

/** Sets the auth server's cookies named in addAuthCookiesToResponse on the response, in place of the backend's. */
class AuthCookies extends ResponseFilter {
  constructor(
    private readonly names: readonly string[],
    private readonly cookies: string[],
  ) {
    super()
  }

  override onHeaders(status: number, statusText: string, headers: string[], contentLength: number, obsText: boolean): void {
    const kept = H.getAll(headers, 'set-cookie').filter((c) => !this.names.includes(cookieName(c)))
    H.removeHeader(headers, 'set-cookie')
    for (const c of [...kept, ...this.cookies]) headers.push('Set-Cookie', c)
    this.next.onHeaders(status, statusText, headers, contentLength, obsText)
  }
}

class ForwardAuth implements Middleware, BodyWaiter {
  private readonly url: URL
  private readonly target: string
  private readonly hostHeader: string
  private readonly regex: RegExp | null
  private readonly allowed: Set<string> | null
  private pool: UpstreamPool | null = null

  constructor(
    readonly c: Compiled,
    private readonly env: WorkerEnv,
  ) {
    this.url = new URL(c.address)
    this.target = `${this.url.pathname || '/'}${this.url.search}`
    this.hostHeader = this.url.host
    this.regex = c.authResponseHeadersRegex !== '' ? goRegExp(c.authResponseHeadersRegex) : null
    this.allowed = c.authRequestHeaders.length > 0 ? new Set(c.authRequestHeaders.map((h) => h.toLowerCase())) : null
  }

  private client(): UpstreamPool {
    const u = this.url
    const https = u.protocol === 'https:'
    this.pool ??= this.env.pool({
      host: u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname,
      port: u.port !== '' ? Number(u.port) : https ? 443 : 80,
      maxConnections: 64,
      dialTimeoutMs: this.env.dialTimeoutMs,
      ...(https ? { tls: clientTls(this.c.tls, u.hostname) } : {}),
    })
    return this.pool
  }

  request(flow: Flow): Step {
    if (this.c.forwardBody) flow.readBody(this.c.maxBodySize, this)
    else this.call(flow, null)
    return WAIT
  }

  onBody(flow: Flow, body: Buffer | null): void {
    if (body === null) flow.answer(401, [], '')
    else this.call(flow, body)
  }

  private call(flow: Flow, body: Buffer | null): void {
    headerOut = ''
    headerAllowed = this.allowed
    const connection = flow.getHeader('connection')
    headerListed = connection === '' ? null : connection.toLowerCase().split(',').map((s) => s.trim())
    flow.forEach(passHeader)
    headerAllowed = headerListed = null
    const hostPort = /:(\d+)$/.exec(flow.host)
    const proto = flow.https ? 'https' : 'http'
    let head =
      `${this.c.preserveRequestMethod ? flow.method : 'GET'} ${this.target} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n${headerOut}` +
      `x-forwarded-for: ${flow.clientIP}\r\nx-forwarded-method: ${flow.method}\r\nx-forwarded-proto: ${proto}\r\n` +
      `x-forwarded-port: ${hostPort ? hostPort[1] : flow.https ? '443' : '80'}\r\nx-forwarded-host: ${flow.host}\r\nx-forwarded-uri: ${flow.target()}\r\n`
    if (this.c.trustForwardHeader) head += `x-real-ip: ${flow.clientIP}\r\n`
    const withBody = body !== null && body.length > 0
    head += withBody ? `content-length: ${body.length}\r\n\r\n` : '\r\n'
    const call = new AuthCall(this, flow)
    const ctl = this.client().request(head, withBody ? 1 : 0, call, { headersTimeoutMs: 30_000, isHead: false, idempotent: !withBody })
    call.ctl = ctl
    flow.pending = ctl
    if (withBody) {
      ctl.write(body)
      ctl.end()
    }
  }

  /** What the auth server said: let the request go on, or answer as it did. */
  decide(flow: Flow, call: AuthCall, body: Buffer): void {
    const c = this.c
    if (call.tooLarge) return void flow.answer(401, [], '')
    if (c.authSigninURL !== '' && call.status === 401) {
      return void flow.answer(302, ['location', c.authSigninURL, 'content-type', 'text/html; charset=utf-8'], flow.method === 'GET' ? `<a href="${c.authSigninURL}">Found</a>.\n\n` : '')
    }
    if (call.status < 200 || call.status >= 300) {
      const out: string[] = []
      const h = call.headers
      for (let i = 0; i < h.length; i += 2) if (!HOP.has(h[i]!.toLowerCase())) out.push(h[i]!, h[i + 1]!)
      const location = H.getHeader(out, 'location')
      if (location !== '' && !c.preserveLocationHeader) {
        try {
          H.setHeader(out, 'Location', new URL(location, c.address).href)
        } catch {
          return void flow.answer(500, [], '')
        }
      }
      return void flow.answer(call.status, out, body.toString('latin1'))
    }
    const h = call.headers
    for (const name of c.authResponseHeaders) {
      flow.removeHeader(name)
      for (const v of H.getAll(h, name.toLowerCase())) flow.addHeader(name, v)
    }
    const re = this.regex
    if (re !== null) {
      const names = new Set<string>()
      flow.forEach((name) => {
        if (re.test(canonical(name))) names.add(name)
      })
      for (const n of names) flow.removeHeader(n)
      for (let i = 0; i < h.length; i += 2) if (re.test(canonical(h[i]!))) flow.addHeader(h[i]!, h[i + 1]!)
    }
    if (c.addAuthCookiesToResponse.length > 0) {
      const cookies = H.getAll(h, 'set-cookie').filter((v) => c.addAuthCookiesToResponse.includes(cookieName(v)))
      if (cookies.length > 0) flow.wrap(new AuthCookies(c.addAuthCookiesToResponse, cookies))
    }
    flow.next()
  }

  close(): void {
    this.pool?.destroy()
  }
}

export default kind<Compiled>({
  schema: forwardAuthSchema,
  phases: (c) => PHASE_REQUEST | (c.addAuthCookiesToResponse.length > 0 ? PHASE_RESPONSE : 0),
  compile(o, ctx) {
    const address = typeof o.address === 'string' ? o.address.trim() : ''
    let url: URL
    try {
      url = new URL(address)
    } catch {
      throw new MiddlewareError(`address ${JSON.stringify(address)} is not a URL (http://host:port/path)`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new MiddlewareError(`address ${JSON.stringify(address)}: the scheme must be http or https`)
    const regex = typeof o.authResponseHeadersRegex === 'string' ? o.authResponseHeadersRegex : ''
    if (regex !== '') {
      try {
        goRegExp(regex)
      } catch (err) {
        throw new MiddlewareError(`authResponseHeadersRegex ${JSON.stringify(regex)}: ${(err as Error).message}`)
      }
    }
    const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : [])
    return {
      address,
      trustForwardHeader: o.trustForwardHeader === true,
      authResponseHeaders: list(o.authResponseHeaders),
      authResponseHeadersRegex: regex,
      authRequestHeaders: list(o.authRequestHeaders),
      addAuthCookiesToResponse: list(o.addAuthCookiesToResponse),
      forwardBody: o.forwardBody === true,
      maxBodySize: typeof o.maxBodySize === 'number' ? o.maxBodySize : -1,
      maxResponseBodySize: typeof o.maxResponseBodySize === 'number' ? o.maxResponseBodySize : -1,
      preserveLocationHeader: o.preserveLocationHeader === true,
      preserveRequestMethod: o.preserveRequestMethod === true,
      authSigninURL: typeof o.authSigninURL === 'string' ? o.authSigninURL : '',
      tls: o.tls !== undefined ? clientTlsOptions(o.tls as Record<string, unknown>, ctx) : null,
    }
  },
  create: (c, env) => new ForwardAuth(c, env),
})
