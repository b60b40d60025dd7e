// Merges the newest configuration of every provider into one, with router
// and service names qualified as name@provider (Traefik's rule). A router's
// service without `@` lives in the router's provider; with `@` it is a
// cross-provider reference and is kept as written. Annotations are
// qualified the same way.
import type { DynamicConfig, Router, Service, TlsConfig } from '../config/dynamic.js'
import type { Annotation } from '../providers/annotation.js'

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
  let servers = 0
  for (const [provider, cfg] of byProvider) {
    for (const [name, r] of Object.entries(cfg.http.routers)) {
      routers[qualify(name, provider)] = { ...r, service: r.service.includes('@') ? r.service : qualify(r.service, provider) }
    }
    for (const [name, s] of Object.entries(cfg.http.services)) {
      services[qualify(name, provider)] = s
      servers += s.loadBalancer.servers.length
    }
  }
  const config: DynamicConfig = { http: { routers, services } }
  const tls = mergeTls(byProvider)
  if (tls) config.tls = tls
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
