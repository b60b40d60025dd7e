// Traefik v2/v3 API shapes for what pier runs, built from the primary's
// RuntimeState (and the static config for entrypoints and features).
import type { EntryPoint } from '../config/static.js'
import type { MiddlewareState, RouterState, RuntimeState, ServiceState, StreamRouterState, StreamServiceState } from '../primary/state.js'
import { PIER_VERSION } from '../version.js'

/**
 * A router as /api/rawdata shows it (Traefik's runtime.RouterInfo). Empty
 * fields are left out as Traefik does: a router its provider dropped shows
 * only its status and error.
 */
export function routerInfo(r: RouterState): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (r.entryPoints.length > 0) out.entryPoints = r.entryPoints
  if (r.middlewares) out.middlewares = r.middlewares.map((m) => localName(m, r.provider))
  if (r.service !== '') out.service = localName(r.service, r.provider)
  if (r.rule !== '') out.rule = r.rule
  if (r.tls) out.tls = r.tls
  if (r.priority !== 0) out.priority = r.priority
  if (r.errors.length > 0) out.error = r.errors
  out.status = r.status
  out.using = r.status === 'disabled' ? [] : r.entryPoints
  return out
}

/** A router as /api/http/routers shows it: the raw info plus name and provider. */
export function routerRepresentation(r: RouterState): Record<string, unknown> {
  return { ...routerInfo(r), name: r.name, provider: r.provider }
}

/** A TCP or UDP router as /api/tcp/routers and /api/udp/routers show it. */
export function streamRouterRepresentation(r: StreamRouterState): Record<string, unknown> {
  const out: Record<string, unknown> = { entryPoints: r.entryPoints }
  if (r.service !== '') out.service = localName(r.service, r.provider)
  if (r.rule !== '') out.rule = r.rule
  if (r.errors.length > 0) out.error = r.errors
  return { ...out, status: r.status, using: r.status === 'enabled' ? r.entryPoints : [], name: r.name, provider: r.provider }
}

/** A TCP or UDP service as /api/rawdata shows it (Traefik's TCPServiceInfo / UDPServiceInfo). */
export function streamServiceInfo(s: StreamServiceState): Record<string, unknown> {
  const lb: Record<string, unknown> = { servers: s.servers }
  if (s.proxyProtocol !== undefined) lb.proxyProtocol = { version: s.proxyProtocol }
  const out: Record<string, unknown> = { loadBalancer: lb }
  if (s.errors.length > 0) out.error = s.errors
  return { ...out, status: s.status, usedBy: s.usedBy }
}

/** A TCP or UDP service as /api/tcp/services and /api/udp/services show it. */
export function streamServiceRepresentation(s: StreamServiceState): Record<string, unknown> {
  return { ...streamServiceInfo(s), name: s.name, provider: s.provider, type: 'loadbalancer' }
}

/** A service as /api/rawdata shows it (runtime.ServiceInfo plus serverStatus). */
export function serviceInfo(s: ServiceState): Record<string, unknown> {
  const out: Record<string, unknown> = {
    loadBalancer: {
      servers: s.servers.map((srv) => ({ url: srv.url, weight: srv.weight })),
      passHostHeader: s.passHostHeader,
      ...(s.flushInterval !== undefined ? { responseForwarding: { flushInterval: s.flushInterval } } : {}),
      ...(s.sticky ? { sticky: s.sticky } : {}),
    },
  }
  if (s.errors.length > 0) out.error = s.errors
  out.status = s.status
  out.usedBy = s.usedBy
  out.serverStatus = Object.fromEntries(s.servers.map((srv) => [srv.url, srv.status]))
  return out
}

export function serviceRepresentation(s: ServiceState): Record<string, unknown> {
  return { ...serviceInfo(s), name: s.name, provider: s.provider, type: 'loadbalancer' }
}

/** A middleware as /api/rawdata shows it (runtime.MiddlewareInfo): its options under its type key. */
export function middlewareInfo(m: MiddlewareState): Record<string, unknown> {
  const out: Record<string, unknown> = { [m.type]: m.options }
  if (m.errors.length > 0) out.error = m.errors
  out.status = m.status
  out.usedBy = m.usedBy
  return out
}

export function middlewareRepresentation(m: MiddlewareState): Record<string, unknown> {
  return { ...middlewareInfo(m), name: m.name, provider: m.provider, type: m.type.toLowerCase() }
}

export function entryPointRepresentation(name: string, ep: EntryPoint, graceTimeOutMs: number): Record<string, unknown> {
  return {
    address: entryPointAddress(ep),
    transport: { lifeCycle: { graceTimeOut: `${graceTimeOutMs / 1000}s` } },
    forwardedHeaders: {},
    http: entryPointHttp(ep),
    name,
  }
}

/** Traefik's `http` section of an entrypoint: its TLS defaults and redirection. */
function entryPointHttp(ep: EntryPoint): Record<string, unknown> {
  const http: Record<string, unknown> = {}
  if (ep.redirect) http.redirections = { entryPoint: { to: ep.redirect.to, scheme: ep.redirect.scheme, permanent: ep.redirect.permanent, priority: ep.redirect.priority } }
  if (ep.tls) http.tls = ep.tls
  else if (ep.secure) http.tls = {}
  return http
}

/** Traefik's address text: ":80" for every address, "127.0.0.1:8080", "[::1]:8080". */
export function entryPointAddress(ep: EntryPoint): string {
  return `${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${ep.port}`
}

export function version(state: RuntimeState): Record<string, unknown> {
  return { Version: PIER_VERSION, Codename: 'pier', startDate: new Date(state.startedAt).toISOString() }
}

export function overview(state: RuntimeState): Record<string, unknown> {
  const sc = state.staticConfig
  const providers: string[] = []
  if (sc.providers?.docker) providers.push('Docker')
  if (sc.providers?.swarm) providers.push(sc.providers.swarm.name === 'swarm' ? 'Swarm' : 'Docker')
  if (sc.providers?.file) providers.push('File')
  const empty = { total: 0, warnings: 0, errors: 0 }
  return {
    http: {
      routers: counts(Object.values(state.routers)),
      services: counts(Object.values(state.services)),
      middlewares: counts(Object.values(state.middlewares)),
    },
    tcp: { routers: counts(Object.values(state.tcpRouters)), services: counts(Object.values(state.tcpServices)), middlewares: empty },
    udp: { routers: counts(Object.values(state.udpRouters)), services: counts(Object.values(state.udpServices)) },
    features: { tracing: '', metrics: sc.metrics?.prometheus ? 'Prometheus' : '', accessLog: sc.accessLog !== undefined, hub: false },
    providers,
  }
}

export function rawData(state: RuntimeState): Record<string, unknown> {
  const out: Record<string, unknown> = {
    routers: Object.fromEntries(sortedValues(state.routers).map((r) => [r.name, routerInfo(r)])),
    services: Object.fromEntries(sortedValues(state.services).map((s) => [s.name, serviceInfo(s)])),
  }
  if (Object.keys(state.middlewares).length > 0) out.middlewares = Object.fromEntries(sortedValues(state.middlewares).map((m) => [m.name, middlewareInfo(m)]))
  const stream = (m: Record<string, StreamRouterState>) => Object.fromEntries(sortedValues(m).map((r) => [r.name, streamRouterRepresentation(r)]))
  if (Object.keys(state.tcpRouters).length > 0) out.tcpRouters = stream(state.tcpRouters)
  if (Object.keys(state.udpRouters).length > 0) out.udpRouters = stream(state.udpRouters)
  const services = (m: Record<string, StreamServiceState>) => Object.fromEntries(sortedValues(m).map((s) => [s.name, streamServiceInfo(s)]))
  if (Object.keys(state.tcpServices).length > 0) out.tcpServices = services(state.tcpServices)
  if (Object.keys(state.udpServices).length > 0) out.udpServices = services(state.udpServices)
  return out
}

export function sortedValues<T extends { name: string }>(m: Record<string, T>): T[] {
  return Object.values(m).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

function counts(items: { status: string }[]): { total: number; warnings: number; errors: number } {
  return {
    total: items.length,
    warnings: items.filter((i) => i.status === 'warning').length,
    errors: items.filter((i) => i.status === 'disabled').length,
  }
}

/** Traefik shows a service of the router's own provider by its bare name. */
function localName(service: string, provider: string): string {
  return service.endsWith(`@${provider}`) ? service.slice(0, -provider.length - 1) : service
}
