// Turns the merged dynamic configuration into an immutable RouteTable in a
// SharedArrayBuffer, and reports which routers and services could not be
// used and why (the API shows those errors). Runs on the primary only.
import { readFileSync } from 'node:fs'
import type { DynamicConfig, RouterTLS } from '../config/dynamic.js'
import { parseRule, indexHosts, hostOnly, rulePriority, type RuleNode } from '../rules/index.js'
import * as L from './layout.js'
import { choosePositions, hashHost, WHOLE_KEY } from './hash.js'
import { MiddlewarePlanner } from './middlewares.js'
import { healthKey } from '../balancer/health-board.js'
import { DEFAULT_FAILURE_WINDOW_MS } from '../config/health-check.js'
import { place, type EntryPointKind } from './placement.js'
import { DEFAULT_TRANSPORT, resolveTransport, type Transport, type TransportDefaults } from './transports.js'
import { INTERNAL_PROVIDER, missingInternalService, socketOf } from '../config/internal-services.js'
import { cookieAttributes, cookieName, cookieValue } from '../balancer/sticky-cookie.js'

export interface CompileReport {
  /** Errors per qualified router name; a router with errors is not in the table. */
  routerErrors: Record<string, string[]>
  serviceErrors: Record<string, string[]>
  /** Why a middleware definition cannot be used, per qualified name. */
  middlewareErrors: Record<string, string[]>
  /** Problems of routers that are served all the same (an entrypoint they name but cannot use). */
  routerWarnings: Record<string, string[]>
  /** Effective priority per router in the table. */
  priorities: Record<string, number>
  /** Routers in the table that are served over TLS: their TLS settings and Host names (null: no Host in the rule). */
  tlsRouters: Record<string, { tls: RouterTLS; hosts: string[] | null }>
  /** Services in the table reached with a transport other than plain http on the static one (health checks use it). */
  transports: Record<string, Transport>
  routers: number
  services: number
  servers: number
  middlewares: number
}

export interface CompileOptions {
  /** Per entrypoint name: middlewares every router on it runs first (--entryPoints.<name>.http.middlewares). */
  entryPointMiddlewares?: Record<string, string[]>
  /** Reads files middleware options name (usersFile); default: the file system. */
  readFile?: (path: string) => string
  /** Per entrypoint: TLS or plain, and its http.tls defaults; absent entrypoints are plain */
  kinds?: ReadonlyMap<string, EntryPointKind>
  /** v1 defaultEntryPoints: where routers naming none are served (else every entrypoint) */
  defaultEntryPoints?: string[]
  /** Entrypoints the primary serves itself (api.insecure, ping, metrics): a router naming one is told so */
  ownEntryPoints?: ReadonlySet<string>
  /** Why a TLS router cannot be served with these settings (unknown options, a refused resolver...) */
  checkTls?(router: string, tls: RouterTLS): string[]
  /** The static serversTransport: services naming no serversTransport use it */
  transportDefaults?: TransportDefaults
}

const BUILTIN_TRANSPORT: TransportDefaults = { insecureSkipVerify: false, rootCAs: [], dialTimeoutMs: 30_000, responseHeaderTimeoutMs: 60_000, idleConnTimeoutMs: 90_000, maxIdleConnsPerHost: 64 }

export interface CompiledTable {
  buffer: SharedArrayBuffer
  report: CompileReport
}

interface ServerIn {
  weight: number
  host: string
  port: number
  url: string
  service: string
  /** The sticky cookie value naming it, when its service is sticky. */
  cookie?: string
  /** Transport JSON, '' for plain http on the static transport. */
  transport: string
}

interface ServiceIn {
  name: string
  first: number
  count: number
  flags: number
  failureWindow: number
  maxFailures: number
  /** Sticky: the cookie's name and Set-Cookie attributes ('' when not sticky). */
  cookieName: string
  cookieAttrs: string
}

/** Health board slots for servers keyed `service url`, in order (balancer/health-board.ts). */
export type HealthSlots = (keys: string[]) => Int32Array

const sequentialSlots: HealthSlots = (keys) => Int32Array.from(keys, (_, i) => i)

interface RouterIn {
  name: string
  priority: number
  service: number
  mask: number
  rule: string
  hosts: string[] | null
  hostOnly: boolean
  /** Per entrypoint index: the flattened chain (middleware indices); empty when none. */
  chains: number[][]
}

/** Parses a server URL into host and port; throws a message on anything but http(s)://host[:port][/]. */
export function parseServerUrl(url: string): { host: string; port: number; tls: boolean } {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new Error(`invalid server url ${JSON.stringify(url)}`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`server url ${JSON.stringify(url)}: scheme ${u.protocol.slice(0, -1)} is not supported (http and https only)`)
  if (u.pathname !== '/' && u.pathname !== '') throw new Error(`server url ${JSON.stringify(url)}: a path is not supported`)
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname
  const tls = u.protocol === 'https:'
  return { host, port: u.port ? Number(u.port) : tls ? 443 : 80, tls }
}

/** An internal service's socket (port 0: see upstream/address.ts); any other server's host and port. */
function serverAddress(service: string, url: string): { host: string; port: number; tls: boolean } {
  const socket = service.endsWith(`@${INTERNAL_PROVIDER}`) ? socketOf(url) : undefined
  return socket !== undefined ? { host: socket, port: 0, tls: false } : parseServerUrl(url)
}

/** Why pier cannot serve a router as asked (fail closed), or nothing. */
function unhonoured(r: DynamicConfig['http']['routers'][string]): string[] {
  const out = [...(r.unsupported ?? [])]
  return out
}

function pushErr(map: Record<string, string[]>, name: string, msg: string): void {
  ;(map[name] ??= []).push(msg)
}

/** name@provider for a name without a provider, in the router's provider. */
const inProvider = (name: string, router: string): string => (name.includes('@') ? name : `${name}${router.slice(router.lastIndexOf('@'))}`)

export function compileTable(config: DynamicConfig, entryPoints: string[], version: number, healthSlots: HealthSlots = sequentialSlots, opts: CompileOptions = {}): CompiledTable {
  const report: CompileReport = { routerErrors: {}, routerWarnings: {}, serviceErrors: {}, middlewareErrors: {}, priorities: {}, tlsRouters: {}, transports: {}, routers: 0, services: 0, servers: 0, middlewares: 0 }
  const kinds = opts.kinds ?? new Map<string, EntryPointKind>()
  const readFile = opts.readFile ?? ((path: string) => readFileSync(path, 'utf8'))

  // Each transport resolved (its files read) once per table, and its JSON made once.
  const transports = new Map<string, Transport | string>()
  const transportJson = new Map<Transport, string>()
  const transportOf = (ref: string): Transport | string => {
    let t = transports.get(ref)
    if (t === undefined) {
      t = resolveTransport(ref, config.http.serversTransports ?? {}, opts.transportDefaults ?? BUILTIN_TRANSPORT, readFile)
      transports.set(ref, t)
      if (typeof t !== 'string') transportJson.set(t, JSON.stringify(t))
    }
    return t
  }

  // Services, sorted by name so equal configs give equal tables.
  const serviceNames = Object.keys(config.http.services).sort()
  const serviceIndex = new Map<string, number>()
  const services: ServiceIn[] = []
  const servers: ServerIn[] = []
  for (const name of serviceNames) {
    const svc = config.http.services[name]!
    const lb = svc.loadBalancer
    const mine: ServerIn[] = []
    let bad = false
    for (const why of svc.unsupported ?? []) {
      pushErr(report.serviceErrors, name, why)
      bad = true
    }
    // The transport: named, or the static one when TLS needs its settings (a server or the health check is https).
    const resolve = (): Transport | string => transportOf(lb?.serversTransport || DEFAULT_TRANSPORT)
    let transport = lb?.serversTransport || lb?.healthCheck?.scheme === 'https' ? resolve() : undefined
    /** Per server of mine: reached with the transport (https, or a named transport); else plain with the pool defaults. */
    const uses: boolean[] = []
    for (const s of lb?.servers ?? []) {
      try {
        const { host, port, tls } = serverAddress(name, s.url)
        const weight = s.weight ?? 1
        if (!Number.isInteger(weight) || weight < 0) throw new Error(`server ${s.url}: weight must be a non-negative integer, got ${weight}`)
        if (tls) transport ??= resolve()
        mine.push({ weight, host, port, url: s.url, service: name, transport: '' })
        uses.push(tls || Boolean(lb.serversTransport))
      } catch (err) {
        pushErr(report.serviceErrors, name, (err as Error).message)
        bad = true
      }
    }
    if (typeof transport === 'string') {
      pushErr(report.serviceErrors, name, transport)
      continue
    }
    if (bad) continue
    if (transport !== undefined) {
      report.transports[name] = transport
      const json = transportJson.get(transport)!
      mine.forEach((m, i) => uses[i] && (m.transport = json))
    }
    serviceIndex.set(name, services.length)
    const passive = lb?.passiveHealthCheck
    const cookie = lb?.sticky?.cookie
    if (cookie) for (const m of mine) m.cookie = cookieValue(m.url)
    const flags = (lb?.passHostHeader !== false ? L.SF_PASS_HOST : 0) | (lb?.healthCheck ? L.SF_ACTIVE_HEALTH : 0) | (passive ? L.SF_PASSIVE_HEALTH : 0) | (cookie ? L.SF_STICKY : 0)
    services.push({
      name,
      first: servers.length,
      count: mine.length,
      flags,
      failureWindow: passive?.failureWindow ?? DEFAULT_FAILURE_WINDOW_MS,
      maxFailures: passive?.maxFailedAttempts ?? 1,
      cookieName: cookie ? cookieName(cookie, name) : '',
      cookieAttrs: cookie ? cookieAttributes(cookie) : '',
    })
    servers.push(...mine)
  }

  // Routers.
  const planner = new MiddlewarePlanner(config.http.middlewares ?? {}, (name) => serviceIndex.has(name), opts.readFile)
  const epMiddlewares = entryPoints.map((ep) => opts.entryPointMiddlewares?.[ep] ?? [])
  const epIndex = new Map(entryPoints.map((n, i) => [n, i]))
  const routers: RouterIn[] = []
  for (const [name, r] of Object.entries(config.http.routers)) {
    const refused = unhonoured(r)
    if (refused.length > 0) {
      for (const why of refused) pushErr(report.routerErrors, name, why)
      continue
    }
    const svc = serviceIndex.get(r.service)
    if (svc === undefined) {
      const why = config.http.services[r.service]
        ? `service ${JSON.stringify(r.service)} is disabled: ${(report.serviceErrors[r.service] ?? []).join('; ')}`
        : (missingInternalService(r.service) ?? `the service ${JSON.stringify(r.service)} does not exist`)
      pushErr(report.routerErrors, name, why)
      continue
    }
    let node: RuleNode
    try {
      node = parseRule(r.rule)
    } catch (err) {
      pushErr(report.routerErrors, name, `invalid rule ${JSON.stringify(r.rule)}: ${(err as Error).message}`)
      continue
    }
    const placed = place(r, entryPoints, kinds, opts.defaultEntryPoints)
    const tlsProblems = placed.tls && opts.checkTls ? opts.checkTls(name, placed.tls) : []
    if (tlsProblems.length > 0) {
      for (const why of tlsProblems) pushErr(report.routerErrors, name, why)
      continue
    }
    let mask = 0
    let unknown = false
    for (const ep of placed.entryPoints) {
      const i = epIndex.get(ep)
      if (i === undefined) {
        unknown = true
        pushErr(report.routerErrors, name, opts.ownEntryPoints?.has(ep) ? `entryPoint ${JSON.stringify(ep)} is served by pier itself (api.insecure, ping or metrics there), not by routers` : `entryPoint ${JSON.stringify(ep)} doesn't exist`)
      } else mask |= 1 << i
    }
    if (mask === 0) {
      if (unknown) continue
      if (placed.skipped.length > 0) for (const why of placed.skipped) pushErr(report.routerErrors, name, why)
      else if (entryPoints.length > 0) pushErr(report.routerErrors, name, r.tls ? 'no entrypoint serves TLS (set http.tls on one, or use port 443), so the TLS router is not served' : 'every entrypoint it could use serves TLS, so the plain router is not served (add tls to it)')
      continue
    }
    for (const why of placed.skipped) pushErr(report.routerWarnings, name, why)
    // The chain on each entrypoint: the entrypoint's middlewares, then the router's. An
    // entrypoint where it cannot be built does not serve the router.
    const all = mask === 0 ? (1 << entryPoints.length) - 1 : mask
    const chains: number[][] = entryPoints.map(() => [])
    let served = 0
    for (let e = 0; e < entryPoints.length; e++) {
      if ((all & (1 << e)) === 0) continue
      const chain = planner.chain([...epMiddlewares[e]!.map((m) => inProvider(m, name)), ...(r.middlewares ?? [])])
      if (typeof chain === 'string') {
        const why = epMiddlewares[e]!.length > 0 ? `${chain} (entrypoint ${entryPoints[e]})` : chain
        if (!(report.routerErrors[name] ?? []).includes(why)) pushErr(report.routerErrors, name, why)
        continue
      }
      chains[e] = chain
      served |= 1 << e
    }
    if (served === 0 && entryPoints.length > 0) continue
    const priority = r.priority && r.priority > 0 ? r.priority : rulePriority(r.rule)
    const hosts = indexHosts(node)
    if (placed.tls) report.tlsRouters[name] = { tls: placed.tls, hosts }
    routers.push({ name, priority, service: svc, mask: served === all ? mask : served, rule: r.rule, hosts, hostOnly: hosts !== null && hostOnly(node), chains })
  }
  // Every definition is checked for the API, used or not.
  const audit = new MiddlewarePlanner(config.http.middlewares ?? {}, (name) => serviceIndex.has(name), opts.readFile)
  for (const name of Object.keys(config.http.middlewares ?? {})) audit.chain([name])
  Object.assign(report.middlewareErrors, audit.errors)
  const middlewares = planner.list
  // Chains, one copy of each distinct list.
  const chainEntries: number[] = []
  const chainAt = new Map<string, number>()
  const chainStart = (chain: number[]): number => {
    const key = chain.join(',')
    let at = chainAt.get(key)
    if (at === undefined) {
      at = chainEntries.length
      chainEntries.push(...chain)
      chainAt.set(key, at)
    }
    return at
  }
  routers.sort((a, b) => b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const r of routers) report.priorities[r.name] = r.priority

  // Host index: host -> router indices (ascending = best first).
  const byHost = new Map<string, number[]>()
  const generic: number[] = []
  routers.forEach((r, i) => {
    if (!r.hosts) return void generic.push(i)
    for (const h of new Set(r.hosts)) {
      const list = byHost.get(h)
      if (list) list.push(i)
      else byHost.set(h, [i])
    }
  })
  // Per router: the entrypoint bits some generic router before it serves (a mask of 0 is every entrypoint).
  let genericBits = 0
  const genericBefore = routers.map((r) => {
    const before = genericBits
    if (!r.hosts) genericBits |= r.mask || -1
    return before
  })
  let buckets = 8
  while (buckets < byHost.size * 2) buckets *= 2
  const hostRouteCount = [...byHost.values()].reduce((n, l) => n + l.length, 0)
  const positions = choosePositions([...byHost.keys()])
  const positionCount = positions ? positions.length : WHOLE_KEY

  // Strings.
  const pool: string[] = []
  let chars = 0
  let ints: Int32Array
  /** Appends s to the pool and stores its (offset, length) at slot and slot + 1. */
  const putStr = (slot: number, s: string): void => {
    ints[slot] = chars
    ints[slot + 1] = s.length
    pool.push(s)
    chars += s.length
  }

  const routersOff = L.HEADER_SLOTS
  const servicesOff = routersOff + routers.length * L.ROUTER_SLOTS
  const serversOff = servicesOff + services.length * L.SERVICE_SLOTS
  const bucketsOff = serversOff + servers.length * L.SERVER_SLOTS
  const hostsOff = bucketsOff + buckets * L.BUCKET_SLOTS
  const hostRoutesOff = hostsOff + byHost.size * L.HOST_SLOTS
  const genericOff = hostRoutesOff + hostRouteCount
  const positionsOff = genericOff + generic.length
  const epOff = positionsOff + (positions?.length ?? 0)
  const middlewaresOff = epOff + entryPoints.length * 2
  const chainEntriesOff = middlewaresOff + middlewares.length * L.MIDDLEWARE_SLOTS
  for (const r of routers) for (const c of r.chains) if (c.length > 0) chainStart(c)
  const chainsOff = chainEntriesOff + chainEntries.length
  const slots = chainsOff + routers.length * entryPoints.length * L.CHAIN_SLOTS

  ints = new Int32Array(slots)
  ints[L.H_MAGIC] = L.MAGIC
  ints[L.H_VERSION] = version
  ints[L.H_ROUTER_COUNT] = routers.length
  ints[L.H_SERVICE_COUNT] = services.length
  ints[L.H_SERVER_COUNT] = servers.length
  ints[L.H_BUCKET_COUNT] = buckets
  ints[L.H_HOST_COUNT] = byHost.size
  ints[L.H_GENERIC_COUNT] = generic.length
  ints[L.H_ROUTERS_OFF] = routersOff
  ints[L.H_SERVICES_OFF] = servicesOff
  ints[L.H_SERVERS_OFF] = serversOff
  ints[L.H_BUCKETS_OFF] = bucketsOff
  ints[L.H_HOSTS_OFF] = hostsOff
  ints[L.H_HOST_ROUTES_OFF] = hostRoutesOff
  ints[L.H_GENERIC_OFF] = genericOff
  ints[L.H_ENTRYPOINT_COUNT] = entryPoints.length
  ints[L.H_ENTRYPOINTS_OFF] = epOff
  ints[L.H_MIDDLEWARE_COUNT] = middlewares.length
  ints[L.H_MIDDLEWARES_OFF] = middlewaresOff
  ints[L.H_CHAIN_ENTRIES_OFF] = chainEntriesOff
  ints[L.H_CHAINS_OFF] = chainsOff
  ints[L.H_HASH_POSITIONS_OFF] = positionsOff
  ints[L.H_HASH_POSITION_COUNT] = positionCount
  positions?.forEach((p, i) => (ints[positionsOff + i] = p))

  routers.forEach((r, i) => {
    const o = routersOff + i * L.ROUTER_SLOTS
    ints[o + L.R_PRIORITY] = r.priority
    ints[o + L.R_SERVICE] = r.service
    ints[o + L.R_ENTRYPOINTS] = r.mask
    ints[o + L.R_FLAGS] = r.hostOnly ? L.RF_HOST_ONLY : 0
    putStr(o + L.R_RULE_CHAR, r.rule)
    putStr(o + L.R_NAME_CHAR, r.name)
    r.chains.forEach((chain, e) => {
      if (chain.length === 0) return
      const c = chainsOff + (i * entryPoints.length + e) * L.CHAIN_SLOTS
      ints[c + L.C_START] = chainStart(chain)
      ints[c + L.C_COUNT] = chain.length
      // A chain always takes part in the request phase: even one of
      // response-only middlewares has to wrap the response when the request comes.
      ints[c + L.C_PHASES] = chain.reduce((p, m) => p | middlewares[m]!.phases, 1)
    })
  })
  middlewares.forEach((m, i) => {
    const o = middlewaresOff + i * L.MIDDLEWARE_SLOTS
    putStr(o + L.M_TYPE_CHAR, m.type)
    putStr(o + L.M_NAME_CHAR, m.name)
    putStr(o + L.M_OPTIONS_CHAR, m.json)
    ints[o + L.M_HASH] = m.hash
    ints[o + L.M_PHASES] = m.phases
  })
  chainEntries.forEach((m, i) => (ints[chainEntriesOff + i] = m))
  services.forEach((s, i) => {
    const o = servicesOff + i * L.SERVICE_SLOTS
    ints[o + L.S_FIRST_SERVER] = s.first
    ints[o + L.S_SERVER_COUNT] = s.count
    ints[o + L.S_FLAGS] = s.flags
    ints[o + L.S_FAILURE_WINDOW] = s.failureWindow
    ints[o + L.S_MAX_FAILURES] = s.maxFailures
    putStr(o + L.S_NAME_CHAR, s.name)
    putStr(o + L.S_COOKIE_NAME_CHAR, s.cookieName)
    putStr(o + L.S_COOKIE_ATTRS_CHAR, s.cookieAttrs)
  })
  const boardSlots = healthSlots(servers.map((s) => healthKey(s.service, s.url)))
  servers.forEach((s, i) => {
    const o = serversOff + i * L.SERVER_SLOTS
    ints[o + L.V_HEALTH] = boardSlots[i]!
    ints[o + L.V_WEIGHT] = s.weight
    ints[o + L.V_PORT] = s.port
    putStr(o + L.V_HOST_CHAR, s.host)
    putStr(o + L.V_URL_CHAR, s.url)
    putStr(o + L.V_COOKIE_CHAR, s.cookie ?? '')
    putStr(o + L.V_TRANSPORT_CHAR, s.transport)
  })
  let h = 0
  let routeAt = 0
  for (const [host, list] of byHost) {
    const o = hostsOff + h * L.HOST_SLOTS
    const hash = hashHost(host, host.length, ints, positionsOff, positionCount)
    putStr(o + L.E_HOST_CHAR, host)
    ints[o + L.E_ROUTES_START] = routeAt
    ints[o + L.E_ROUTES_COUNT] = list.length
    for (const r of list) ints[hostRoutesOff + routeAt++] = r
    let b = hash & (buckets - 1)
    while (ints[bucketsOff + b * L.BUCKET_SLOTS + L.B_ENTRY] !== 0) b = (b + 1) & (buckets - 1)
    ints[bucketsOff + b * L.BUCKET_SLOTS + L.B_HASH] = hash
    ints[bucketsOff + b * L.BUCKET_SLOTS + L.B_ENTRY] = h + 1
    const first = list[0]!
    ints[bucketsOff + b * L.BUCKET_SLOTS + L.B_ROUTER] = first
    ints[bucketsOff + b * L.BUCKET_SLOTS + L.B_DIRECT] = routers[first]!.hostOnly ? (routers[first]!.mask || -1) & ~genericBefore[first]! : 0
    h++
  }
  generic.forEach((r, i) => (ints[genericOff + i] = r))
  entryPoints.forEach((n, i) => putStr(epOff + 2 * i, n))
  ints[L.H_STRINGS_CHARS] = chars

  const stringsByte = slots * 4
  const buffer = new SharedArrayBuffer(stringsByte + chars * 2)
  ints[L.H_STRINGS_BYTE_OFF] = stringsByte
  new Int32Array(buffer, 0, slots).set(ints)
  const u16 = new Uint16Array(buffer, stringsByte, chars)
  let at = 0
  for (const s of pool) for (let i = 0; i < s.length; i++) u16[at++] = s.charCodeAt(i)

  report.routers = routers.length
  report.services = services.length
  report.servers = servers.length
  report.middlewares = middlewares.length
  return { buffer, report }
}
