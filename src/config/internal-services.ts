// Traefik's internal services (api@internal, dashboard@internal, ping@internal,
// prometheus@internal, noop@internal): which the static config turns on, and
// the dynamic configuration of the `internal` provider that offers them to
// ordinary routers. The primary serves each on a Unix socket of its own
// (api/internal-services.ts); a worker reaches it as it reaches any backend,
// after the router's middlewares and over the router's TLS, so a router's
// basicAuth guards api@internal exactly as it guards a container.
import type { DynamicConfig } from './dynamic.js'
import { API_ENTRYPOINT, type StaticConfig } from './static.js'

export const INTERNAL_PROVIDER = 'internal'
export const INTERNAL_SERVICES = ['api', 'dashboard', 'ping', 'prometheus', 'noop'] as const
export type InternalService = (typeof INTERNAL_SERVICES)[number]

/** Traefik's priority for its own ping and metrics routers (math.MaxInt, as far as an i32 goes). */
const INTERNAL_PRIORITY = 2147483647

/** The internal services the static config enables (noop always is). */
export function enabledInternalServices(sc: StaticConfig): InternalService[] {
  const on: InternalService[] = []
  if (sc.api) on.push('api')
  if (sc.api?.dashboard) on.push('dashboard')
  if (sc.ping !== false) on.push('ping')
  if (sc.metrics?.prometheus) on.push('prometheus')
  on.push('noop')
  return on
}

const OFF: Record<string, string> = {
  'api@internal': 'api is not enabled (--api)',
  'dashboard@internal': 'the dashboard is not enabled (--api, with api.dashboard not false)',
  'ping@internal': 'ping is not enabled (--ping)',
  'prometheus@internal': 'prometheus is not enabled (--metrics.prometheus)',
}

/** Why a router's `x@internal` service is not there (Traefik's reasons), or undefined for other names. */
export function missingInternalService(service: string): string | undefined {
  if (!service.endsWith(`@${INTERNAL_PROVIDER}`)) return undefined
  return OFF[service] ?? `unknown internal service ${service} (pier has ${INTERNAL_SERVICES.map((s) => `${s}@internal`).join(', ')})`
}

/** The server URL of an internal service listening on a Unix socket. */
export const socketUrl = (path: string): string => `unix:${path}`

/** The socket path of an internal service's server URL, or undefined when it is not one. */
export const socketOf = (url: string): string | undefined => (url.startsWith('unix:/') ? url.slice('unix:'.length) : undefined)

/**
 * The `internal` provider's configuration: one service per enabled internal
 * service, at its socket (or refused with failure when the sockets could not
 * be made); and, as Traefik's internal provider does, a ping router on
 * ping.entryPoint and a prometheus router on metrics.prometheus.entryPoint
 * when that is an ordinary (proxied) entrypoint and manualRouting is off. (On
 * the `traefik` entrypoint the primary answers /ping and /metrics itself.)
 */
export function internalConfig(sc: StaticConfig, sockets: ReadonlyMap<InternalService, string>, failure?: string): DynamicConfig {
  const config: DynamicConfig = { http: { routers: {}, services: {} } }
  for (const [name, path] of sockets) config.http.services[name] = { loadBalancer: { servers: [{ url: socketUrl(path) }] } }
  // enabled but not served: the routers naming them are disabled with the reason
  if (failure !== undefined) for (const name of enabledInternalServices(sc)) config.http.services[name] = { loadBalancer: { servers: [] }, unsupported: [failure] }
  if (sc.ping !== false && !sc.ping.manualRouting && sc.ping.entryPoint !== API_ENTRYPOINT) {
    config.http.routers.ping = { rule: 'PathPrefix(`/ping`)', service: 'ping', entryPoints: [sc.ping.entryPoint], priority: INTERNAL_PRIORITY }
  }
  const prometheus = sc.metrics?.prometheus
  if (prometheus && !prometheus.manualRouting && prometheus.entryPoint !== API_ENTRYPOINT) {
    config.http.routers.prometheus = { rule: 'PathPrefix(`/metrics`)', service: 'prometheus', entryPoints: [prometheus.entryPoint], priority: INTERNAL_PRIORITY }
  }
  return config
}
