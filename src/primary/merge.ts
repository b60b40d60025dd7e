// Merges the newest configuration of every provider into one, with router
// and service names qualified as name@provider (Traefik's rule). A router's
// service without `@` lives in the router's provider; with `@` it is a
// cross-provider reference and is kept as written. Middleware names (a
// router's list, a chain's members) and the names a middleware refers to
// resolve the same way. Annotations are qualified the same way.
import type { DynamicConfig, Middleware, Router, Service, StreamSection, TlsConfig } from '../config/dynamic.js'
import type { Annotation } from '../providers/annotation.js'
import { qualifyDefinition } from '../middlewares/definition.js'

export interface MergeCounts {
  routers: number
  services: number
  servers: number
}

export function qualify(name: string, provider: string): string {
  return `${name}@${provider}`
}

export function mergeConfigs(byProvider: ReadonlyMap<string, DynamicConfig>): { config: DynamicConfig; counts: MergeCounts } {
  const routers: Record<string, Router> = {}
  const services: Record<string, Service> = {}
  const middlewares: Record<string, Middleware> = {}
  const stream: Record<'tcp' | 'udp', Required<StreamSection>> = { tcp: { routers: {}, services: {} }, udp: { routers: {}, services: {} } }
  let servers = 0
  for (const [provider, cfg] of byProvider) {
    const ref = (name: string): string => (name.includes('@') ? name : qualify(name, provider))
    for (const [name, r] of Object.entries(cfg.http.routers)) {
      const q: Router = { ...r, service: ref(r.service) }
      if (r.middlewares) q.middlewares = r.middlewares.map(ref)
      routers[qualify(name, provider)] = q
    }
    for (const [name, s] of Object.entries(cfg.http.services)) {
      services[qualify(name, provider)] = s
      servers += s.loadBalancer.servers.length
    }
    for (const [name, m] of Object.entries(cfg.http.middlewares ?? {})) middlewares[qualify(name, provider)] = qualifyDefinition(m, ref)
    for (const kind of ['tcp', 'udp'] as const) {
      for (const [name, r] of Object.entries(cfg[kind]?.routers ?? {})) stream[kind].routers[qualify(name, provider)] = r.service ? { ...r, service: ref(r.service) } : r
      for (const [name, sv] of Object.entries(cfg[kind]?.services ?? {})) stream[kind].services[qualify(name, provider)] = sv
    }
  }
  const config: DynamicConfig = { http: { routers, services } }
  if (Object.keys(middlewares).length > 0) config.http.middlewares = middlewares
  const tls = mergeTls(byProvider)
  if (tls) config.tls = tls
  for (const kind of ['tcp', 'udp'] as const) {
    const { routers: r, services: sv } = stream[kind]
    if (Object.keys(r).length > 0 || Object.keys(sv).length > 0) config[kind] = Object.keys(sv).length > 0 ? { routers: r, services: sv } : { routers: r }
  }
  return { config, counts: { routers: Object.keys(routers).length, services: Object.keys(services).length, servers } }
}

/** TLS sections: certificates side by side, options qualified as name@provider, the default store's certificate from any. */
function mergeTls(byProvider: ReadonlyMap<string, DynamicConfig>): TlsConfig | undefined {
  let out: TlsConfig | undefined
  for (const [provider, cfg] of byProvider) {
    if (!cfg.tls) continue
    out ??= {}
    if (cfg.tls.certificates) (out.certificates ??= []).push(...cfg.tls.certificates)
    if (cfg.tls.stores) out.stores = { ...out.stores, ...cfg.tls.stores }
    for (const [name, o] of Object.entries(cfg.tls.options ?? {})) (out.options ??= {})[qualify(name, provider)] = o
  }
  return out
}

export function qualifyAnnotations(byProvider: ReadonlyMap<string, readonly Annotation[]>): Annotation[] {
  const out: Annotation[] = []
  for (const [provider, list] of byProvider) for (const a of list) out.push({ ...a, name: qualify(a.name, provider) })
  return out
}
