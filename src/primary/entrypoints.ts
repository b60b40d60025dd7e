// The proxied entrypoints as the worker threads get them: address, client
// limits, TLS, the redirection resolved to a scheme and port, and whether
// ACME http-01 challenges are answered there.
import type { EntryPoint, StaticConfig } from '../config/static.js'
import type { WorkerEntryPoint } from '../worker/messages.js'

export function workerEntryPoints(config: StaticConfig, proxied: Array<[string, EntryPoint]>): WorkerEntryPoint[] {
  const challenge = new Set(Object.values(config.certificatesResolvers).flatMap((r) => (r.httpChallenge && !r.refused ? [r.httpChallenge.entryPoint] : [])))
  return proxied.map(([name, ep]) => {
    const out: WorkerEntryPoint = { name, host: ep.host, port: ep.port, limits: config.clientLimits[name]!, trust: config.clientTrust[name]! }
    if (ep.secure) out.secure = true
    if (challenge.has(name)) out.acmeChallenge = true
    const r = ep.redirect
    if (r) {
      const port = r.to.startsWith(':') ? Number(r.to.slice(1)) : config.entryPoints[r.to]!.port
      out.redirect = { scheme: r.scheme, port, permanent: r.permanent, priority: r.priority }
    }
    return out
  })
}
