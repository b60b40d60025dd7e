// One active health check request, as Traefik sends it: method and path from
// the options, the Host header from `hostname` (else the server's address),
// extra headers, a deadline for the whole exchange, redirects followed (up
// to 10, as Go's client does) unless followRedirects is false. Healthy: the
// configured status, else any status from 200 to 399.
import { nodeHttp, nodeHttps } from '../lazy-modules.js'
import type { ConnectionOptions } from 'node:tls'
import type { HealthCheck } from '../config/dynamic.js'

const MAX_REDIRECTS = 10

export interface ProbeTarget {
  host: string
  port: number
  /** An https server: the service's transport (verification, SNI, client certificate), as live traffic uses it. */
  tls?: ConnectionOptions
}

/** Resolves with undefined when healthy, else with why not. */
export function probe(target: ProbeTarget, hc: HealthCheck): Promise<string | undefined> {
  const deadline = Date.now() + hc.timeout
  const url = new URL(`${target.tls ? 'https' : 'http'}://${target.host.includes(':') ? `[${target.host}]` : target.host}:${hc.port || target.port}${hc.path}`)
  const host = hc.hostname || url.host
  return attempt(url, host, hc, deadline, 0, target.tls)
}

function attempt(url: URL, host: string, hc: HealthCheck, deadline: number, redirects: number, tls: ConnectionOptions | undefined): Promise<string | undefined> {
  return new Promise((resolve) => {
    const left = deadline - Date.now()
    if (left <= 0) return resolve(`no answer within ${hc.timeout} ms`)
    const request = tls ? nodeHttps().request : nodeHttp().request
    const req = request(
      { ...tls, host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || (tls ? 443 : 80), path: `${url.pathname}${url.search}`, method: hc.method, headers: { ...hc.headers, host, 'user-agent': 'pier health check' }, agent: false, setHost: false },
      (res) => {
        res.resume()
        clearTimeout(timer)
        const status = res.statusCode ?? 0
        const location = res.headers.location
        if (hc.followRedirects && status >= 300 && status < 400 && location !== undefined) {
          if (redirects >= MAX_REDIRECTS) return resolve(`stopped after ${MAX_REDIRECTS} redirects`)
          let next: URL
          try {
            next = new URL(location, url)
          } catch {
            return resolve(`bad redirect Location ${JSON.stringify(location)}`)
          }
          if (next.protocol !== url.protocol) return resolve(`redirected to ${next.protocol} from ${url.protocol} (the transport is kept: same scheme only)`)
          return resolve(attempt(next, next.host === url.host ? host : next.host, hc, deadline, redirects + 1, tls))
        }
        if (hc.status !== 0 ? status === hc.status : status >= 200 && status < 400) return resolve(undefined)
        resolve(hc.status !== 0 ? `status ${status}, expected ${hc.status}` : `status ${status}`)
      },
    )
    const timer = setTimeout(() => {
      req.destroy()
      resolve(`no answer within ${hc.timeout} ms`)
    }, left)
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      resolve(err.code ?? err.message)
    })
    req.end()
  })
}
