// Which TCP routers pier serves, on which entrypoints, and why the others are
// disabled. Pure: the primary runs it on every configuration; the relay
// thread (relay.ts) gets the listeners it returns.
//
// pier serves a TCP router only on an entrypoint that carries no HTTP router:
// uWS owns the sockets of an HTTP entrypoint, and uWS.js 20.30 cannot adopt
// a connection accepted elsewhere, so a ClientHello read by pier could reach
// uWS only through a loopback relay (measured: about 10 µs of CPU per
// request on top of uWS's 3-4, and one thread for the whole port, since
// Node 20's net.Server has no SO_REUSEPORT).
import type { DynamicConfig, StreamRouter, StreamSection, StreamService } from '../config/dynamic.js'
import type { EntryPoint } from '../config/static.js'
import type { StreamRouterState, StreamServiceState } from '../primary/state.js'
import { compileTcpRule } from './rule.js'

export interface TcpServerSpec {
  host: string
  port: number
  weight: number
}

export interface TcpRouteSpec {
  name: string
  rule: string
  /** Matches TLS connections only (tls.passthrough), on their ClientHello. */
  tls: boolean
  priority: number
  servers: TcpServerSpec[]
  /** PROXY protocol version written to the server first: 0 none, 1 or 2 */
  proxyProtocol: 0 | 1 | 2
}

export interface TcpListenerSpec {
  name: string
  host: string
  port: number
  /** Highest priority first */
  routes: TcpRouteSpec[]
}

/** Traefik's entryPoints.<name>.udp.timeout default. */
const UDP_TIMEOUT_MS = 3000

/** A UDP entrypoint and the one router it carries (datagrams have no name to route by). */
export interface UdpListenerSpec {
  name: string
  host: string
  port: number
  router: string
  servers: TcpServerSpec[]
  /** entryPoints.<name>.udp.timeout: a session idle this long is closed */
  idleMs: number
}

export interface StreamPlan {
  listeners: TcpListenerSpec[]
  udpListeners: UdpListenerSpec[]
  tcp: Record<string, StreamRouterState>
  udp: Record<string, StreamRouterState>
  tcpServices: Record<string, StreamServiceState>
  udpServices: Record<string, StreamServiceState>
}

function providerOf(name: string): string {
  const at = name.lastIndexOf('@')
  return at < 0 ? '' : name.slice(at + 1)
}

/** host:port or [v6]:port */
export function parseServerAddress(a: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/]+)):(\d{1,5})$/.exec(a.trim())
  if (!m) return null
  const port = Number(m[3])
  return port >= 1 && port <= 65535 ? { host: m[1] ?? m[2]!, port } : null
}

function serviceServers(s: StreamService): { servers: TcpServerSpec[]; proxyProtocol: 0 | 1 | 2 } | string {
  if (s.unsupported?.length) return s.unsupported.join('; ')
  if (!s.loadBalancer) return 'it has no loadBalancer'
  const version = s.loadBalancer.proxyProtocol?.version ?? 0
  if (s.loadBalancer.proxyProtocol && version !== 1 && version !== 2) return `proxyProtocol.version must be 1 or 2, not ${JSON.stringify(s.loadBalancer.proxyProtocol.version)}`
  const servers: TcpServerSpec[] = []
  for (const srv of s.loadBalancer.servers) {
    const a = parseServerAddress(srv.address)
    if (!a) return `server address ${JSON.stringify(srv.address)} is not host:port`
    const weight = srv.weight ?? 1
    if (!Number.isInteger(weight) || weight < 0) return `server ${srv.address}: weight must be a whole number of 0 or more`
    if (weight > 0) servers.push({ ...a, weight })
  }
  return { servers, proxyProtocol: version as 0 | 1 | 2 }
}

/**
 * entryPoints: the proxied ones (internal ones excluded). httpOnly: entrypoints
 * that serve HTTP whatever the routers (a redirection, ACME http-01).
 * refused: entrypoints whose settings the relay does not honour, with why.
 */
export function planStream(config: DynamicConfig, entryPoints: ReadonlyArray<[string, EntryPoint]>, httpOnly: ReadonlySet<string> = new Set(), refused: ReadonlyMap<string, string> = new Map()): StreamPlan {
  const eps = new Map(entryPoints)
  const tcpNames = entryPoints.filter(([, ep]) => !ep.udp).map(([n]) => n)
  // HTTP routers that name an entrypoint claim it for uWS; one that names none is on every entrypoint uWS serves.
  const http = new Map<string, string[]>()
  for (const [name, r] of Object.entries(config.http.routers)) for (const ep of r.entryPoints ?? []) http.set(ep, [...(http.get(ep) ?? []), name])
  const byEp = new Map<string, TcpRouteSpec[]>()
  const tcp: Record<string, StreamRouterState> = {}
  for (const [name, r] of Object.entries(config.tcp?.routers ?? {})) {
    const onEps = r.entryPoints?.length ? r.entryPoints : tcpNames
    const state: StreamRouterState = { name, provider: providerOf(name), rule: r.rule ?? '', service: r.service ?? '', entryPoints: onEps, status: 'disabled', errors: [] }
    tcp[name] = state
    const route = tcpRoute(name, r, config, state.errors)
    for (const ep of onEps) {
      const e = eps.get(ep)
      if (!e) state.errors.push(`entrypoint "${ep}" does not exist`)
      else if (e.udp) state.errors.push(`entrypoint "${ep}" is a UDP entrypoint`)
      else if (refused.has(ep)) state.errors.push(`entrypoint "${ep}": ${refused.get(ep)}`)
      else if (http.has(ep) || httpOnly.has(ep)) {
        const who = http.has(ep) ? `HTTP routers (${http.get(ep)!.slice(0, 3).join(', ')}${http.get(ep)!.length > 3 ? ', ...' : ''})` : 'HTTP (a redirection or ACME challenge)'
        state.errors.push(`entrypoint "${ep}" also serves ${who}: pier serves TCP routers only on an entrypoint of their own (uWS owns the port of an HTTP entrypoint and cannot take over a connection whose ClientHello pier has read); give the TCP router its own entrypoint, e.g. --entryPoints.${ep}-tcp.address=:<port>`)
      }
    }
    if (state.errors.length > 0 || route === null) continue
    state.status = 'enabled'
    for (const ep of onEps) byEp.set(ep, [...(byEp.get(ep) ?? []), route])
  }
  const listeners: TcpListenerSpec[] = []
  for (const [name, routes] of byEp) {
    const ep = eps.get(name)!
    routes.sort((a, b) => b.priority - a.priority || (a.name < b.name ? -1 : 1))
    listeners.push({ name, host: ep.host, port: ep.port, routes })
  }
  const { udp, udpListeners } = planUdp(config, entryPoints)
  return { listeners, udpListeners, tcp, udp, tcpServices: serviceStates(config.tcp, tcp, false), udpServices: serviceStates(config.udp, udp, true) }
}

/** The services of a tcp or udp section as the API shows them, each with the routers that name it. */
function serviceStates(section: StreamSection | undefined, routers: Record<string, StreamRouterState>, udp: boolean): Record<string, StreamServiceState> {
  const out: Record<string, StreamServiceState> = {}
  for (const [name, s] of Object.entries(section?.services ?? {})) {
    const target = serviceServers(s)
    const errors = typeof target === 'string' ? [target] : udp && target.proxyProtocol !== 0 ? ['proxyProtocol is for TCP services'] : []
    out[name] = {
      name,
      provider: providerOf(name),
      servers: (s.loadBalancer?.servers ?? []).map((srv) => ({ address: srv.address, weight: srv.weight ?? 1 })),
      ...(s.loadBalancer?.proxyProtocol ? { proxyProtocol: s.loadBalancer.proxyProtocol.version } : {}),
      status: errors.length > 0 ? 'disabled' : 'enabled',
      errors,
      usedBy: Object.values(routers).filter((r) => r.service === name).map((r) => r.name).sort(),
    }
  }
  return out
}

/** UDP routers: one per UDP entrypoint (the first by name; the others are disabled, naming it). */
function planUdp(config: DynamicConfig, entryPoints: ReadonlyArray<[string, EntryPoint]>): { udp: Record<string, StreamRouterState>; udpListeners: UdpListenerSpec[] } {
  const eps = new Map(entryPoints)
  const udpNames = entryPoints.filter(([, ep]) => ep.udp).map(([n]) => n)
  const udp: Record<string, StreamRouterState> = {}
  const taken = new Map<string, UdpListenerSpec>()
  for (const name of Object.keys(config.udp?.routers ?? {}).sort()) {
    const r = config.udp!.routers[name]!
    const onEps = r.entryPoints?.length ? r.entryPoints : udpNames
    const state: StreamRouterState = { name, provider: providerOf(name), rule: '', service: r.service ?? '', entryPoints: onEps, status: 'disabled', errors: [...(r.unsupported ?? [])] }
    udp[name] = state
    let servers: TcpServerSpec[] = []
    if (!r.service) state.errors.push('the router names no service')
    else {
      const s = config.udp?.services?.[r.service]
      const target = s ? serviceServers(s) : `the service "${r.service}" does not exist`
      if (typeof target === 'string') state.errors.push(s ? `service "${r.service}": ${target}` : target)
      else if (target.proxyProtocol !== 0) state.errors.push(`service "${r.service}": proxyProtocol is for TCP services`)
      else servers = target.servers
    }
    for (const ep of onEps) {
      const e = eps.get(ep)
      if (!e) state.errors.push(`entrypoint "${ep}" does not exist`)
      else if (!e.udp) state.errors.push(`entrypoint "${ep}" is not a UDP entrypoint (give it an address such as :53/udp)`)
      else if (taken.has(ep)) state.errors.push(`entrypoint "${ep}" already carries UDP router ${taken.get(ep)!.router}: a UDP entrypoint carries one router (datagrams have no name to route by)`)
    }
    if (onEps.length === 0) state.errors.push('there is no UDP entrypoint (an address such as :53/udp)')
    if (state.errors.length > 0) continue
    state.status = 'enabled'
    for (const ep of onEps) {
      const e = eps.get(ep)!
      taken.set(ep, { name: ep, host: e.host, port: e.port, router: name, servers, idleMs: e.udpTimeoutMs ?? UDP_TIMEOUT_MS })
    }
  }
  return { udp, udpListeners: [...taken.values()] }
}

/** The route a router would serve, or null with its errors. */
function tcpRoute(name: string, r: StreamRouter, config: DynamicConfig, errors: string[]): TcpRouteSpec | null {
  errors.push(...(r.unsupported ?? []))
  if (!r.rule) errors.push('the router has no rule (TCP routers need one, e.g. HostSNI(`*`))')
  let needsSni = false
  if (r.rule) {
    try {
      needsSni = compileTcpRule(r.rule).needsSni
    } catch (e) {
      errors.push(`invalid rule ${JSON.stringify(r.rule)}: ${(e as Error).message}`)
    }
  }
  const tls = r.tls !== undefined
  if (tls && r.tls!.passthrough !== true) errors.push('TLS termination on TCP routers is not supported by pier: set tls.passthrough=true to hand the TLS connection to the server as it came')
  if (!tls && needsSni) errors.push('HostSNI with a server name reads the TLS ClientHello: the router needs tls.passthrough=true (a plain TCP router can only use HostSNI(`*`) and ClientIP)')
  let target: ReturnType<typeof serviceServers> | null = null
  if (!r.service) errors.push('the router names no service')
  else {
    const s = config.tcp?.services?.[r.service]
    if (!s) errors.push(`the service "${r.service}" does not exist`)
    else {
      target = serviceServers(s)
      if (typeof target === 'string') errors.push(`service "${r.service}": ${target}`)
    }
  }
  if (errors.length > 0 || target === null || typeof target === 'string') return null
  return { name, rule: r.rule!, tls, priority: r.priority ?? r.rule!.length, servers: target.servers, proxyProtocol: target.proxyProtocol }
}
