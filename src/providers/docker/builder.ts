// Container descriptions -> one complete DynamicConfig, Traefik's way: labels
// define routers and services, missing pieces are auto-wired, containers of one
// compose service (or v1 backend) share one service, conflicting definitions
// are dropped. Pure: no I/O, no clock; problems come back as warnings.
import type { DynamicConfig, Router, Server } from '../../config/dynamic.js'
import { boundAddress, containerIp } from './address.js'
import type { ContainerInfo } from './container.js'
import { normalize, type RuleTemplate } from './default-rule.js'
import { parseLabels, type ParsedLabels, type V2Router, type V2Service } from './labels.js'
import { translateV1Rule, V1RuleError } from './v1-rule.js'
import type { BuildWarning, WarningCode } from './warning.js'

export interface BuildOptions {
  exposedByDefault: boolean
  network?: string
  defaultRule: RuleTemplate
  /** Compiled --providers.docker.constraints; absent means every container. */
  constraint?: (labels: Record<string, string>) => boolean
  allowEmptyServices: boolean
  useBindPortIP: boolean
  /** v1 --docker.domain, for v1 default rules. */
  domain?: string
  /** v1 flags were used: label-less containers get v1 default rules. */
  v1: boolean
  /** The engine runs on this host, so 0.0.0.0 bindings are reachable on 127.0.0.1. */
  localEngine: boolean
  /** Validates a rule; returns a message when it does not parse. */
  checkRule: (rule: string) => string | undefined
}

export interface BuildResult {
  config: DynamicConfig
  warnings: BuildWarning[]
}

interface ServiceDef {
  passHostHeader?: boolean
  servers: Server[]
}

interface Fragment {
  routers: Map<string, Router>
  services: Map<string, ServiceDef>
}

interface Merged<T> {
  value: T
  key: string
  origins: string[]
  conflict: boolean
}

export function buildConfig(containers: readonly ContainerInfo[], opts: BuildOptions): BuildResult {
  const warnings: BuildWarning[] = []
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
  const sorted = [...containers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const c of sorted) {
    const warn = (code: WarningCode, message: string, label?: string): void => {
      warnings.push({ code, container: c.name, label, message: `container ${c.name}: ${label ? `label ${label}: ` : ''}${message}` })
    }
    const labels = parseLabels(c.labels, (label, code, message) => warn(code, message, label))
    const enabled = labels.enable === undefined ? opts.exposedByDefault : labels.enable === true
    if (!enabled) continue
    if (opts.constraint && !opts.constraint(c.labels)) continue
    const serving = c.state === 'running' && c.health !== 'starting' && c.health !== 'unhealthy'
    if (!serving && !opts.allowEmptyServices) continue
    const ctx: Ctx = { c, labels, opts, serving, warn, checkRule, lookup }
    const frag = labels.isV2 || (!labels.isV1 && !opts.v1) ? v2Fragment(ctx) : v1Fragment(ctx)
    for (const [name, r] of frag.routers) mergeInto(routers, name, r, JSON.stringify(r), c.name)
    for (const [name, s] of frag.services) {
      const key = JSON.stringify({ passHostHeader: s.passHostHeader })
      const prev = services.get(name)
      if (prev && prev.key === key && !prev.conflict) {
        prev.origins.push(c.name)
        for (const srv of s.servers) if (!prev.value.servers.some((p) => p.url === srv.url)) prev.value.servers.push(srv)
      } else mergeInto(services, name, s, key, c.name)
    }
  }

  const config: DynamicConfig = { http: { routers: {}, services: {} } }
  const dropped = new Set<string>()
  for (const name of [...services.keys()].sort()) {
    const s = services.get(name)!
    if (s.conflict) {
      dropped.add(name)
      warnings.push(conflictWarning('service', name, s.origins))
      continue
    }
    if (s.value.servers.length === 0 && !opts.allowEmptyServices) {
      dropped.add(name)
      continue
    }
    const lb: DynamicConfig['http']['services'][string]['loadBalancer'] = { servers: s.value.servers }
    if (s.value.passHostHeader !== undefined) lb.passHostHeader = s.value.passHostHeader
    config.http.services[name] = { loadBalancer: lb }
  }
  for (const name of [...routers.keys()].sort()) {
    const r = routers.get(name)!
    if (r.conflict) {
      warnings.push(conflictWarning('router', name, r.origins))
      continue
    }
    const svc = r.value.service.endsWith('@docker') ? r.value.service.slice(0, -'@docker'.length) : r.value.service
    if (dropped.has(svc)) continue
    config.http.routers[name] = r.value
  }
  return { config, warnings }
}

interface Ctx {
  c: ContainerInfo
  labels: ParsedLabels
  opts: BuildOptions
  serving: boolean
  warn: (code: WarningCode, message: string, label?: string) => void
  checkRule: (rule: string) => string | undefined
  lookup: (ref: string) => ContainerInfo | undefined
}

/** Traefik's name for a container: "<service>_<project>" under compose, else its name. */
function baseName(c: ContainerInfo): string {
  return c.composeProject !== undefined && c.composeService !== undefined ? `${c.composeService}_${c.composeProject}` : c.name
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
    frag.services.set(svc, def)
    if (!ctx.serving || s.port === null || s.weight === null) continue
    let url = s.url
    if (url === undefined) {
      const addr = serverAddress(ctx, s.port, `${prefix}.server.port`)
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
      warn('DOCKER_ROUTER_NO_SERVICE', `router "${rname}" names no service and the container defines ${frag.services.size}; add ${prefix}.service`)
      continue
    }
    const rule = r.rule ?? opts.defaultRule({ Name: baseName(c), Labels: c.labels })
    const bad = rule === '' ? 'the rule is empty' : ctx.checkRule(rule)
    if (bad !== undefined) {
      warn('DOCKER_BAD_RULE', `${bad} (rule ${JSON.stringify(rule)})`, r.rule !== undefined ? `${prefix}.rule` : undefined)
      continue
    }
    frag.routers.set(rname, router(rule, service, r.entryPoints, r.priority))
  }
  return frag
}

function v1Fragment(ctx: Ctx): Fragment {
  const { c, opts, warn } = ctx
  const v1 = ctx.labels.v1
  const frag: Fragment = { routers: new Map(), services: new Map() }
  if (v1.passHostHeader === null || v1.priority === null) return frag
  const name = normalize(v1.backend ?? baseName(c))
  const def: ServiceDef = { servers: [] }
  if (v1.passHostHeader !== undefined) def.passHostHeader = v1.passHostHeader
  frag.services.set(name, def)
  if (ctx.serving && v1.port !== null && v1.weight !== null) {
    const addr = serverAddress(ctx, v1.port, 'traefik.port')
    if (addr) {
      const url = `${v1.protocol ?? 'http'}://${addr}`
      def.servers.push(v1.weight === undefined ? { url } : { url, weight: v1.weight })
    }
  }
  let rule: string
  const domain = v1.domain ?? opts.domain
  if (v1.rule !== undefined) {
    try {
      const t = translateV1Rule(v1.rule)
      rule = t.rule
      if (t.strip.length > 0) warn('DOCKER_UNSUPPORTED_LABEL', `pier routes ${t.strip.join(', ')} without stripping the prefix`, 'traefik.frontend.rule')
    } catch (err) {
      if (!(err instanceof V1RuleError)) throw err
      warn('DOCKER_BAD_RULE', `${err.message} (rule ${JSON.stringify(v1.rule)})`, 'traefik.frontend.rule')
      return frag
    }
  } else if (domain) {
    const sub = c.composeProject !== undefined && c.composeService !== undefined ? `${c.composeService}.${c.composeProject}` : c.name
    rule = `Host(\`${sub.replace(/_/g, '-')}.${domain}\`)`
  } else {
    rule = opts.defaultRule({ Name: baseName(c), Labels: c.labels })
  }
  const bad = rule === '' ? 'the rule is empty' : ctx.checkRule(rule)
  if (bad !== undefined) {
    warn('DOCKER_BAD_RULE', `${bad} (rule ${JSON.stringify(rule)})`, v1.rule !== undefined ? 'traefik.frontend.rule' : undefined)
    return frag
  }
  frag.routers.set(name, router(rule, name, v1.entryPoints, v1.priority))
  return frag
}

function router(rule: string, service: string, entryPoints: string[] | undefined, priority: number | undefined): Router {
  const r: Router = { rule, service }
  if (entryPoints && entryPoints.length > 0) r.entryPoints = entryPoints
  if (priority) r.priority = priority
  return r
}

/** "ip:port" for a server, or undefined after a warning saying what to fix. */
function serverAddress(ctx: Ctx, labelPort: number | undefined, portLabel: string): string | undefined {
  const { c, opts, warn } = ctx
  const port = labelPort ?? c.exposedPorts[0]
  if (port === undefined) {
    warn('DOCKER_NO_PORT', `exposes no port; add the label ${ctx.labels.isV2 || (!ctx.labels.isV1 && !opts.v1) ? portLabel : 'traefik.port'}=<port>`)
    return undefined
  }
  if (opts.useBindPortIP) {
    const bound = boundAddress(c, port, opts.localEngine)
    if (bound) return hostPort(bound.ip, bound.port)
  }
  const addr = containerIp(c, ctx.labels.network ?? opts.network, ctx.lookup)
  if ('error' in addr) {
    warn(addr.code, addr.error)
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

function conflictWarning(kind: 'router' | 'service', name: string, origins: string[]): BuildWarning {
  const list = origins.join(', ')
  return { code: 'DOCKER_CONFLICT', container: list, message: `${kind} "${name}" is defined differently by containers ${list}; it is dropped` }
}
