// Container descriptions -> one complete DynamicConfig, Traefik's way: labels
// define routers and services, missing pieces are auto-wired, containers of one
// compose service (or v1 backend) share one service, conflicting definitions
// are dropped. Pure: no I/O, no clock; problems come back as warnings to log,
// and as annotations on the routers and services they concern, for the API.
import type { DynamicConfig, HealthCheck, Middleware, PassiveHealthCheck, Router, Server, StreamSection, StreamService } from '../../config/dynamic.js'
import type { Annotation } from '../annotation.js'
import { boundAddress, containerIp } from './address.js'
import type { ContainerInfo } from './container.js'
import { normalize, type RuleTemplate } from './default-rule.js'
import { parseLabels, type ParsedLabels, type V2Router, type V2Service } from './labels.js'
import { v1Segment } from './v1-labels.js'
import { translateV1Rule, V1RuleError } from './v1-rule.js'
import type { BuildWarning, WarningCode } from './warning.js'
import { readDefinition } from '../../middlewares/definition.js'
import type { LabelTree } from '../../middlewares/schema.js'
import { finishV1Middlewares, inV1Order } from './v1-middlewares.js'
import type { StreamServiceLabels } from './stream-labels.js'

export interface BuildOptions {
  exposedByDefault: boolean
  network?: string
  defaultRule: RuleTemplate
  /** Compiled --providers.docker.constraints; absent means every container. */
  constraint?: (labels: Record<string, string>) => boolean
  /** Lower-cased keys the constraints read (traefik.constraint-label...): there for the constraint, so not warned about. */
  constraintLabels?: ReadonlySet<string>
  allowEmptyServices: boolean
  useBindPortIP: boolean
  /** v1 --docker.domain, for v1 default rules. */
  domain?: string
  /** v1 [healthcheck] interval in ms: for v1 health checks whose labels name none */
  v1HealthIntervalMs?: number
  /** v1 flags were used: label-less containers get v1 default rules. */
  v1: boolean
  /** The engine runs on this host, so 0.0.0.0 bindings are reachable on 127.0.0.1. */
  localEngine: boolean
  /** Validates a rule; returns a message when it does not parse. */
  checkRule: (rule: string) => string | undefined
  /** The provider's name, for `service@<name>` references to its own services; default docker. */
  provider?: string
}

export interface BuildResult {
  config: DynamicConfig
  warnings: BuildWarning[]
  /**
   * The warnings again, on what they concern: a router or service left out
   * by a problem of its own (bad rule or label, conflict) is `drop`; one kept
   * despite a problem (a server skipped, a label ignored) is not. One left
   * out for having no server at all is not annotated, as Traefik shows none.
   */
  annotations: Annotation[]
}

/** A router or service a warning is about. */
interface Part {
  kind: Annotation['kind']
  name: string
}

interface Concern extends Part {
  messages: string[]
  /** One of its problems can be why it is missing; an ignored label never is. */
  cause: boolean
}

interface ServiceDef {
  passHostHeader?: boolean
  healthCheck?: HealthCheck
  passiveHealthCheck?: PassiveHealthCheck
  responseForwarding?: { flushInterval: string }
  servers: Server[]
  unsupported?: string[]
}

interface Fragment {
  routers: Map<string, Router>
  services: Map<string, ServiceDef>
  /** v1 frontend options, as middlewares */
  middlewares?: Map<string, Middleware>
}

type StreamKind = 'tcp' | 'udp'

interface Merged<T> {
  value: T
  key: string
  origins: string[]
  conflict: boolean
}

export function buildConfig(containers: readonly ContainerInfo[], opts: BuildOptions): BuildResult {
  const warnings: BuildWarning[] = []
  const concerns = new Map<string, Concern>()
  const note = (p: Part, code: WarningCode, message: string): void => {
    const key = `${p.kind}:${p.name}`
    let c = concerns.get(key)
    if (!c) concerns.set(key, (c = { kind: p.kind, name: p.name, messages: [], cause: false }))
    if (!c.messages.includes(message)) c.messages.push(message)
    if (code !== 'DOCKER_UNSUPPORTED_LABEL') c.cause = true
  }
  const byRef = new Map<string, ContainerInfo>()
  for (const c of containers) {
    byRef.set(c.id, c)
    byRef.set(c.name, c)
  }
  const lookup = (ref: string): ContainerInfo | undefined => byRef.get(ref) ?? containers.find((c) => c.id.startsWith(ref))
  const ruleChecks = new Map<string, string | undefined>()
  const checkRule = (rule: string): string | undefined => {
    if (!ruleChecks.has(rule)) ruleChecks.set(rule, opts.checkRule(rule))
    return ruleChecks.get(rule)
  }

  const routers = new Map<string, Merged<Router>>()
  const services = new Map<string, Merged<ServiceDef>>()
  const middlewares = new Map<string, Merged<Middleware>>()
  const stream: Record<StreamKind, Required<StreamSection>> = { tcp: { routers: {}, services: {} }, udp: { routers: {}, services: {} } }
  const sorted = [...containers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const c of sorted) {
    const warn = (code: WarningCode, message: string, label?: string, ...about: Part[]): void => {
      const w: BuildWarning = { code, container: origin(c), label, message: `${c.swarmService !== undefined ? 'service' : 'container'} ${origin(c)}: ${label ? `label ${label}: ` : ''}${message}` }
      warnings.push(w)
      for (const p of about) note(p, code, w.message)
    }
    const labelWarnings: [label: string, code: WarningCode, message: string][] = []
    const labels = parseLabels(c.labels, (label, code, message) => labelWarnings.push([label, code, message]))
    const v2 = labels.isV2 || (!labels.isV1 && !opts.v1)
    const enabled = labels.enable === undefined ? opts.exposedByDefault : labels.enable === true
    const serving = c.state === 'running' && c.health !== 'starting' && c.health !== 'unhealthy'
    const used = enabled && (!opts.constraint || opts.constraint(c.labels)) && (serving || opts.allowEmptyServices)
    // Bad labels of a container that is not used are logged, but concern no router or service.
    for (const [label, code, message] of labelWarnings) if (!(code === 'DOCKER_UNSUPPORTED_LABEL' && opts.constraintLabels?.has(label.toLowerCase()))) warn(code, message, label, ...(used ? labelParts(label, v2, v1Name(c, labels)) : []))
    if (!used) continue
    const ctx: Ctx = { c, labels, opts, serving, warn, checkRule, lookup }
    for (const kind of ['tcp', 'udp'] as const) streamFragment(ctx, kind, stream[kind])
    // Traefik: a container with TCP or UDP labels and no HTTP ones gets no HTTP router or service.
    const streamOnly = [labels.tcp, labels.udp].some((l) => l.routers.size + l.services.size > 0) && labels.routers.size + labels.services.size + labels.middlewares.size === 0
    if (streamOnly) continue
    const frag = v2 ? v2Fragment(ctx) : v1Fragment(ctx)
    for (const [name, r] of frag.routers) mergeInto(routers, name, r, JSON.stringify(r), origin(c))
    for (const [name, tree] of labels.middlewares) {
      const m = middlewareFromLabels(`traefik.http.middlewares.${name}`, tree, (label, message) => warn('DOCKER_UNSUPPORTED_LABEL', message, label))
      mergeInto(middlewares, name, m, JSON.stringify(m), origin(c))
    }
    for (const [name, m] of frag.middlewares ?? []) mergeInto(middlewares, name, m, JSON.stringify(m), origin(c))
    for (const [name, s] of frag.services) {
      const { servers: _, ...definition } = s
      const key = JSON.stringify(definition)
      const prev = services.get(name)
      if (prev && prev.key === key && !prev.conflict) {
        prev.origins.push(origin(c))
        for (const srv of s.servers) if (!prev.value.servers.some((p) => p.url === srv.url)) prev.value.servers.push(srv)
      } else mergeInto(services, name, s, key, origin(c))
    }
  }

  const config: DynamicConfig = { http: { routers: {}, services: {} } }
  const noun = containers.some((c) => c.swarmService !== undefined) ? 'services' : 'containers'
  /** Conflicting services: the conflict message, also given to the routers that use them. */
  const conflicts = new Map<string, string>()
  /** Left out for want of a server, with the routers that use them: not annotated. */
  const serverless = new Set<string>()
  for (const name of [...services.keys()].sort()) {
    const s = services.get(name)!
    if (s.conflict) {
      const w = conflictWarning('service', name, s.origins, noun)
      warnings.push(w)
      note({ kind: 'service', name }, w.code, w.message)
      conflicts.set(name, w.message)
      continue
    }
    if (s.value.servers.length === 0 && !opts.allowEmptyServices) {
      serverless.add(`service:${name}`)
      continue
    }
    const { servers, unsupported, ...options } = s.value
    const loadBalancer = { servers, ...options }
    config.http.services[name] = unsupported ? { loadBalancer, unsupported } : { loadBalancer }
  }
  for (const name of [...routers.keys()].sort()) {
    const r = routers.get(name)!
    if (r.conflict) {
      const w = conflictWarning('router', name, r.origins, noun)
      warnings.push(w)
      note({ kind: 'router', name }, w.code, w.message)
      continue
    }
    const own = `@${opts.provider ?? 'docker'}`
    const svc = r.value.service.endsWith(own) ? r.value.service.slice(0, -own.length) : r.value.service
    const conflict = conflicts.get(svc)
    if (conflict !== undefined) {
      note({ kind: 'router', name }, 'DOCKER_CONFLICT', conflict)
      continue
    }
    if (serverless.has(`service:${svc}`)) {
      serverless.add(`router:${name}`)
      continue
    }
    config.http.routers[name] = r.value
  }
  for (const name of [...middlewares.keys()].sort()) {
    const m = middlewares.get(name)!
    if (m.conflict) {
      // Routers that use it then find it missing and are disabled, naming it.
      warnings.push({ code: 'DOCKER_CONFLICT', container: m.origins.join(', '), message: `middleware "${name}" is defined differently by containers ${m.origins.join(', ')}; it is dropped` })
      continue
    }
    ;(config.http.middlewares ??= {})[name] = m.value
  }
  for (const kind of ['tcp', 'udp'] as const) {
    const { routers: r, services: sv } = stream[kind]
    if (Object.keys(r).length > 0 || Object.keys(sv).length > 0) config[kind] = { routers: r, services: sv }
  }

  const annotations: Annotation[] = []
  for (const [key, c] of concerns) {
    const kept = Object.hasOwn(c.kind === 'router' ? config.http.routers : config.http.services, c.name)
    if (!kept && (!c.cause || serverless.has(key))) continue
    for (const message of c.messages) annotations.push({ kind: c.kind, name: c.name, drop: !kept, message })
  }
  return { config, warnings, annotations }
}

interface Ctx {
  c: ContainerInfo
  labels: ParsedLabels
  opts: BuildOptions
  serving: boolean
  warn: (code: WarningCode, message: string, label?: string, ...about: Part[]) => void
  checkRule: (rule: string) => string | undefined
  lookup: (ref: string) => ContainerInfo | undefined
}

/** What warnings and conflicts name: the container, or the Swarm service a task belongs to. */
function origin(c: ContainerInfo): string {
  return c.swarmService ?? c.name
}

/** Traefik's name for a container (a Swarm task: its service's name): "<service>_<project>" under compose, else its name. */
function baseName(c: ContainerInfo): string {
  if (c.swarmService !== undefined) return c.swarmService
  return c.composeProject !== undefined && c.composeService !== undefined ? `${c.composeService}_${c.composeProject}` : c.name
}

/** The name of a v1 container's router and service. */
function v1Name(c: ContainerInfo, labels: ParsedLabels): string {
  return normalize(labels.v1.backend ?? baseName(c))
}

/** The router or service a label belongs to (v2: named in the key; v1: the container's). */
function labelParts(key: string, v2: boolean, v1: string): Part[] {
  const lower = key.toLowerCase().split('.')
  if (v2) {
    if (lower[1] !== 'http' || lower.length < 5) return []
    const name = key.split('.')[3]!
    return lower[2] === 'routers' ? [{ kind: 'router', name }] : lower[2] === 'services' ? [{ kind: 'service', name }] : []
  }
  switch (lower.slice(1).join('.')) {
    case 'port':
    case 'weight':
      return [{ kind: 'service', name: v1 }]
    case 'frontend.priority':
    case 'frontend.passhostheader': // either leaves out the container's v1 router and service
      return [{ kind: 'router', name: v1 }, { kind: 'service', name: v1 }]
  }
  return []
}

function v2Fragment(ctx: Ctx): Fragment {
  const { c, labels, opts, warn } = ctx
  const name = normalize(baseName(c))
  const frag: Fragment = { routers: new Map(), services: new Map() }
  const svcLabels = labels.services.size > 0 ? labels.services : new Map<string, V2Service>([[name, {}]])
  for (const [svc, s] of svcLabels) {
    const prefix = `traefik.http.services.${svc}.loadbalancer`
    const def: ServiceDef = { servers: [] }
    if (s.passHostHeader === null) continue
    if (s.passHostHeader !== undefined) def.passHostHeader = s.passHostHeader
    if (s.healthCheck) def.healthCheck = s.healthCheck
    if (s.passiveHealthCheck) def.passiveHealthCheck = s.passiveHealthCheck
    if (s.flushInterval !== undefined) def.responseForwarding = { flushInterval: s.flushInterval }
    if (s.unsupported) def.unsupported = s.unsupported
    frag.services.set(svc, def)
    if (!ctx.serving || s.port === null || s.weight === null) continue
    let url = s.url
    if (url === undefined) {
      const addr = serverAddress(ctx, s.port, `${prefix}.server.port`, { kind: 'service', name: svc })
      if (!addr) continue
      url = `${s.scheme ?? 'http'}://${addr}`
    }
    def.servers.push(s.weight === undefined ? { url } : { url, weight: s.weight })
  }
  const onlyService = frag.services.size === 1 ? [...frag.services.keys()][0] : undefined
  const routerLabels = labels.routers.size > 0 ? labels.routers : new Map<string, V2Router>([[name, {}]])
  if (labels.routers.size === 0 && svcLabels.size > 1) {
    warn('DOCKER_NO_ROUTER', `defines ${svcLabels.size} services and no router; add traefik.http.routers.<name>.service to route to them`)
    return frag
  }
  for (const [rname, r] of routerLabels) {
    const prefix = `traefik.http.routers.${rname}`
    if (r.priority === null) continue
    const service = r.service ?? onlyService
    if (service === undefined) {
      warn('DOCKER_ROUTER_NO_SERVICE', `router "${rname}" names no service and the container defines ${frag.services.size}; add ${prefix}.service`, undefined, { kind: 'router', name: rname })
      continue
    }
    const rule = r.rule ?? opts.defaultRule({ Name: baseName(c), Labels: c.labels })
    const bad = rule === '' ? 'the rule is empty' : ctx.checkRule(rule)
    if (bad !== undefined) {
      warn('DOCKER_BAD_RULE', `${bad} (rule ${JSON.stringify(rule)})`, r.rule !== undefined ? `${prefix}.rule` : undefined, { kind: 'router', name: rname })
      continue
    }
    frag.routers.set(rname, router(rule, service, r))
  }
  return frag
}

/**
 * A v1 container's router and service; with segments, one of each per
 * segment, named as Traefik 1.7 named them: service `<service>-<segment's
 * backend or name>`, router `<segment>-<that>`. A segment's labels fall back
 * to the container's unsegmented ones.
 */
function v1Fragment(ctx: Ctx): Fragment {
  const segments = ctx.labels.v1Segments
  if (segments.size === 0) return v1Unit(ctx, v1Name(ctx.c, ctx.labels), v1Name(ctx.c, ctx.labels))
  const defaults = Object.fromEntries(Object.entries(ctx.c.labels).filter(([k]) => v1Segment(k) === undefined))
  const frag: Fragment = { routers: new Map(), services: new Map(), middlewares: new Map() }
  for (const [segment, own] of [...segments].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    // The container's own labels were reported once already; only the segment's are reported here, by their real keys.
    const labels = parseLabels({ ...defaults, ...own }, (label, code, message) => {
      if (Object.hasOwn(own, label)) ctx.warn(code, message, `traefik.${segment}.${label.slice('traefik.'.length)}`)
    })
    const service = normalize(`${baseName(ctx.c)}-${labels.v1.backend ?? segment}`)
    const part = v1Unit({ ...ctx, labels }, normalize(`${segment}-${service}`), service)
    for (const [k, v] of part.routers) frag.routers.set(k, v)
    for (const [k, v] of part.services) frag.services.set(k, v)
    for (const [k, v] of part.middlewares ?? []) frag.middlewares!.set(k, v)
  }
  return frag
}

function v1Unit(ctx: Ctx, name: string, serviceName: string): Fragment {
  const { c, opts, warn } = ctx
  const v1 = ctx.labels.v1
  const frag: Fragment = { routers: new Map(), services: new Map() }
  if (v1.passHostHeader === null || v1.priority === null) return frag
  const parts = { router: { kind: 'router', name }, service: { kind: 'service', name: serviceName } } as const
  const def: ServiceDef = { servers: [] }
  if (v1.passHostHeader !== undefined) def.passHostHeader = v1.passHostHeader
  if (v1.healthCheck) {
    const ms = v1.healthInterval ? undefined : opts.v1HealthIntervalMs
    def.healthCheck = ms === undefined ? v1.healthCheck : { ...v1.healthCheck, interval: ms, unhealthyInterval: ms }
  }
  if (v1.unsupportedService) def.unsupported = v1.unsupportedService
  frag.services.set(serviceName, def)
  if (ctx.serving && v1.port !== null && v1.weight !== null) {
    const addr = serverAddress(ctx, v1.port, 'traefik.port', parts.service)
    if (addr) {
      const url = `${v1.protocol ?? 'http'}://${addr}`
      def.servers.push(v1.weight === undefined ? { url } : { url, weight: v1.weight })
    }
  }
  let rule: string
  const domain = v1.domain ?? opts.domain
  const unsupported = [...(v1.unsupportedRouter ?? [])]
  const middlewares = new Map<string, Middleware>()
  frag.middlewares = middlewares
  if (v1.rule !== undefined) {
    try {
      const t = translateV1Rule(v1.rule)
      rule = t.rule
      if (t.strip.length > 0) middlewares.set(`${name}-strip`, { type: 'stripPrefix', options: { prefixes: t.strip } })
      for (const [suffix, body] of t.modifiers ?? []) middlewares.set(`${name}-${suffix}`, middlewareFromLabels('traefik.frontend.rule', body as LabelTree, (label, message) => warn('DOCKER_UNSUPPORTED_LABEL', message, label)))
    } catch (err) {
      if (!(err instanceof V1RuleError)) throw err
      warn('DOCKER_BAD_RULE', `${err.message} (rule ${JSON.stringify(v1.rule)})`, 'traefik.frontend.rule', parts.router)
      return frag
    }
  } else if (domain) {
    const sub = c.composeProject !== undefined && c.composeService !== undefined ? `${c.composeService}.${c.composeProject}` : origin(c)
    rule = `Host(\`${sub.replace(/_/g, '-')}.${domain}\`)`
  } else {
    rule = opts.defaultRule({ Name: baseName(c), Labels: c.labels })
  }
  const bad = rule === '' ? 'the rule is empty' : ctx.checkRule(rule)
  if (bad !== undefined) {
    warn('DOCKER_BAD_RULE', `${bad} (rule ${JSON.stringify(rule)})`, v1.rule !== undefined ? 'traefik.frontend.rule' : undefined, parts.router)
    return frag
  }
  for (const [suffix, tree] of finishV1Middlewares(v1.middlewares ?? new Map())) {
    // A v1 error page backend is a v1 backend name: the service of that name here.
    const errors = tree.errors as LabelTree | undefined
    if (errors && typeof errors.service === 'string') errors.service = normalize(errors.service)
    middlewares.set(`${name}-${suffix}`, middlewareFromLabels('traefik.frontend', tree, (label, message) => warn('DOCKER_UNSUPPORTED_LABEL', message, label)))
  }
  frag.routers.set(name, router(rule, serviceName, { entryPoints: v1.entryPoints, priority: v1.priority, unsupported, middlewares: inV1Order([...middlewares.keys()], name) }))
  return frag
}

/**
 * A middleware from its labels. A problem with them (unknown type or option,
 * a bad value) is kept as the reason it cannot be used: the routers that use
 * it are then disabled, naming it.
 */
function middlewareFromLabels(prefix: string, tree: LabelTree, ignored: (label: string, message: string) => void): Middleware {
  const read = readDefinition(tree, 'labels')
  const type = Object.keys(tree)[0] ?? ''
  for (const key of read.ignored) ignored(`${prefix}.${type}.${key}`, 'middleware option not supported by pier; label ignored')
  if (read.errors.length === 0) return read.def!
  const unsupported = read.errors.map((e) => `label ${prefix}.${type}: ${e}`)
  return read.def ? { ...read.def, unsupported: [...(read.def.unsupported ?? []), ...unsupported] } : { type, options: {}, unsupported }
}

function router(rule: string, service: string, from: Omit<V2Router, 'rule' | 'service'>): Router {
  const r: Router = { rule, service }
  if (from.entryPoints && from.entryPoints.length > 0) r.entryPoints = from.entryPoints
  if (from.priority) r.priority = from.priority
  if (from.middlewares && from.middlewares.length > 0) r.middlewares = from.middlewares
  if (from.tls) r.tls = from.tls
  if (from.unsupported && from.unsupported.length > 0) r.unsupported = from.unsupported
  return r
}

/** "ip:port" for a server of `service`, or undefined after a warning saying what to fix. */
/** A container's TCP or UDP services (its name's when it labels none) and routers; a router naming no service takes the only one. */
function streamFragment(ctx: Ctx, kind: StreamKind, into: Required<StreamSection>): void {
  const sl = ctx.labels[kind]
  if (sl.routers.size === 0 && sl.services.size === 0) return
  const services = sl.services.size > 0 ? sl.services : new Map([[normalize(baseName(ctx.c)), {} as StreamServiceLabels]])
  for (const [name, s] of services) {
    const lb: NonNullable<StreamService['loadBalancer']> = { servers: [] }
    if (s.proxyProtocol !== undefined) lb.proxyProtocol = { version: s.proxyProtocol }
    if (ctx.serving && s.port !== null && s.weight !== null) {
      const address = serverAddress(ctx, s.port, `traefik.${kind}.services.${name}.loadbalancer.server.port`)
      if (address) lb.servers.push(s.weight === undefined ? { address } : { address, weight: s.weight })
    }
    const prev = into.services[name]
    if (prev?.loadBalancer) {
      for (const srv of lb.servers) if (!prev.loadBalancer.servers.some((p) => p.address === srv.address)) prev.loadBalancer.servers.push(srv)
      if (s.unsupported) prev.unsupported = [...(prev.unsupported ?? []), ...s.unsupported]
    } else into.services[name] = s.unsupported ? { loadBalancer: lb, unsupported: s.unsupported } : { loadBalancer: lb }
  }
  const only = services.size === 1 ? [...services.keys()][0]! : undefined
  for (const [name, r] of sl.routers) into.routers[name] ??= r.service === undefined && only !== undefined ? { ...r, service: only } : r
}

function serverAddress(ctx: Ctx, labelPort: number | undefined, portLabel: string, service?: Part): string | undefined {
  const { c, opts, warn } = ctx
  const port = labelPort ?? c.exposedPorts[0]
  if (port === undefined) {
    warn('DOCKER_NO_PORT', `${c.swarmService !== undefined ? 'a Swarm service has no port pier can see' : 'exposes no port'}; add the label ${ctx.labels.isV2 || (!ctx.labels.isV1 && !opts.v1) ? portLabel : 'traefik.port'}=<port>`, undefined, ...(service ? [service] : []))
    return undefined
  }
  if (opts.useBindPortIP) {
    const bound = boundAddress(c, port, opts.localEngine)
    if (bound) return hostPort(bound.ip, bound.port)
  }
  const addr = containerIp(c, ctx.labels.network ?? opts.network, ctx.lookup)
  if ('error' in addr) {
    warn(addr.code, addr.error, undefined, ...(service ? [service] : []))
    return undefined
  }
  return hostPort(addr.ip, port)
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}

function mergeInto<T>(map: Map<string, Merged<T>>, name: string, value: T, key: string, origin: string): void {
  const prev = map.get(name)
  if (!prev) map.set(name, { value, key, origins: [origin], conflict: false })
  else {
    prev.origins.push(origin)
    if (prev.key !== key) prev.conflict = true
  }
}

function conflictWarning(kind: 'router' | 'service', name: string, origins: string[], noun: string): BuildWarning {
  const list = [...new Set(origins)].join(', ')
  return { code: 'DOCKER_CONFLICT', container: list, message: `${kind} "${name}" is defined differently by ${noun} ${list}; it is dropped` }
}
