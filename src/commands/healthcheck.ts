// `pier healthcheck`, as `traefik healthcheck`: reads the static configuration
// from the same flags, TRAEFIK_* environment and file as pier itself, asks the
// running instance for /ping on ping's entrypoint (traefik by default) (a HEAD request, 5 s at
// most) and tells whether it answered 200. The images' HEALTHCHECK runs it.
import { request } from 'node:http'
import type { StaticConfig } from '../config/static.js'

export interface HealthResult {
  ok: boolean
  /** One line, in Traefik's words: `OK: <url>`, `Bad healthcheck status: ...`, `Error calling healthcheck: ...`. */
  message: string
}

const TIMEOUT_MS = 5000

/** The /ping URL the configuration serves, or why there is none. */
export function pingUrl(c: StaticConfig): { url: string } | { error: string } {
  if (!c.ping) return { error: 'please enable `ping` to use health check' }
  const ep = c.entryPoints[c.ping.entryPoint]
  if (ep === undefined) return { error: `ping: missing ${c.ping.entryPoint} entry point` }
  // An entrypoint on every address (":8080", 0.0.0.0, ::) is reached on loopback.
  const host = ep.host === '' || ep.host === '0.0.0.0' ? '127.0.0.1' : ep.host === '::' ? '::1' : ep.host
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${ep.port}/ping` }
}

export function healthcheck(c: StaticConfig, timeoutMs = TIMEOUT_MS): Promise<HealthResult> {
  const target = pingUrl(c)
  if ('error' in target) return Promise.resolve({ ok: false, message: `Error calling healthcheck: ${target.error}` })
  const { url } = target
  return new Promise((resolve) => {
    const req = request(url, { method: 'HEAD', timeout: timeoutMs, agent: false }, (res) => {
      res.resume()
      const status = `${res.statusCode} ${res.statusMessage ?? ''}`.trim()
      resolve(res.statusCode === 200 ? { ok: true, message: `OK: ${url}` } : { ok: false, message: `Bad healthcheck status: ${status}` })
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, message: `Error calling healthcheck: HEAD ${url}: ${err.code ?? err.message}` }))
    req.end()
  })
}
