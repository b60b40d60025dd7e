// Compiles each merged configuration into a RouteTable, records what was
// enabled or refused in the RuntimeState, and hands the table on. A
// configuration that cannot be compiled at all leaves the last good table.
// Providers' annotations only reach the RuntimeState: what they dropped is
// shown disabled, problems with what they kept as warnings. A configuration
// naming a middleware kind not imported yet, or an internal server not
// listening yet (noop@internal), waits for it (a newer configuration
// replaces one still waiting), so tables go in force in order.
import type { DynamicConfig } from '../config/dynamic.js'
import type { EntryPoint } from '../config/static.js'
import { planStream, type StreamPlan } from '../tcp/plan.js'
import type { TableRef } from '../worker/messages.js'
import { HealthMonitor } from './health.js'
import type { Logger } from '../log.js'
import type { Annotation } from '../providers/annotation.js'
import { cookieName } from '../balancer/sticky-cookie.js'
import { compileTable, type CompileOptions, type CompileReport } from '../table/compile.js'
import { loadKinds, loadedKind } from '../middlewares/kind-modules.js'
import { schemaOf } from '../middlewares/schemas.js'
import type { RuntimeState, RouterState, ServiceState, StreamRouterState, MiddlewareState } from './state.js'

const providerOf = (name: string): string => name.slice(name.lastIndexOf('@') + 1)

/** The middleware kinds a configuration's definitions name (unknown and unsupported types are the compiler's to refuse). */
const kindsNamed = (config: DynamicConfig): string[] => Object.values(config.http.middlewares ?? {}).filter((d) => !d.unsupported?.length && schemaOf(d.type)).map((d) => d.type)

/** Where TCP routers may be served, and who is told of the plan (start.ts: the relay thread and the HTTP workers). */
export interface StreamHook {
  entryPoints: ReadonlyArray<[string, EntryPoint]>
  /** Entrypoints that serve HTTP whatever the routers (a redirection, ACME http-01) */
  httpOnly: ReadonlySet<string>
  /** Entrypoints with settings the TCP relay does not honour, with why */
  refused: ReadonlyMap<string, string>
  apply(plan: StreamPlan): void
}

export class Publisher {
  private version = 0
  readonly health: HealthMonitor
  /** The newest configuration waiting for what it names (a kind to import, an internal server to start). */
  private waiting: { config: DynamicConfig; annotations: readonly Annotation[] } | null = null
  private importing: Promise<void> = Promise.resolve()

  constructor(
    private readonly state: RuntimeState,
    private readonly entryPoints: string[],
    private readonly log: Logger,
    private readonly publish: (table: TableRef) => void,
    /** How routers are placed on TLS and plain entrypoints, and told of what was compiled (the certificate store listens). */
    private readonly tls: { options(config: DynamicConfig): CompileOptions; compiled(config: DynamicConfig, report: CompileReport): void } | null = null,
    private readonly options: CompileOptions = {},
    private readonly stream: StreamHook | null = null,
    /** Starts what a configuration needs running before it goes in force (the noop@internal server it names); undefined when nothing is to start. */
    private readonly prepare: (config: DynamicConfig) => Promise<void> | undefined = () => undefined,
  ) {
    this.health = new HealthMonitor(state, log)
  }

  /** The table for an empty configuration, before any provider spoke. */
  initial(): TableRef {
    return this.ref(compileTable({ http: { routers: {}, services: {} } }, this.entryPoints, 0).buffer)
  }

  private ref(buffer: SharedArrayBuffer): TableRef {
    const board = this.health.board.current
    return { buffer, health: board.buffer, epoch: board.epoch }
  }

  /** annotations: qualified names, as the aggregator hands them on. Compiled at once when what it names is there, else once it is. */
  apply(config: DynamicConfig, annotations: readonly Annotation[] = []): void {
    if (this.waiting === null && kindsNamed(config).every((t) => loadedKind(t)) && this.prepare(config) === undefined) return this.compile(config, annotations)
    const idle = this.waiting === null
    this.waiting = { config, annotations }
    if (idle) this.importing = this.importThenCompile()
  }

  /** Resolves when every configuration applied so far is compiled (or refused). */
  settled(): Promise<void> {
    return this.importing
  }

  private async importThenCompile(): Promise<void> {
    for (let w = this.waiting; w !== null; w = this.waiting) {
      try {
        await Promise.all([loadKinds(kindsNamed(w.config)), this.prepare(w.config)])
      } catch (err) {
        if (this.waiting !== w) continue
        this.waiting = null
        this.state.reloads.total++
        this.state.reloads.lastFailure = Math.floor(Date.now() / 1000)
        this.log.error('configuration could not be compiled; keeping the last good one', { error: (err as Error).message })
        return
      }
      // A newer configuration came meanwhile: its kinds are imported next, and it is compiled instead.
      if (this.waiting !== w) continue
      this.waiting = null
      this.compile(w.config, w.annotations)
    }
  }

  private compile(config: DynamicConfig, annotations: readonly Annotation[]): void {
    const t0 = performance.now()
    const now = Math.floor(Date.now() / 1000)
    this.state.reloads.total++
    let compiled
    try {
      compiled = compileTable(config, this.entryPoints, ++this.version, (keys) => this.health.board.assign(keys), { ...this.tls?.options(config), ...this.options })
    } catch (err) {
      this.state.reloads.lastFailure = now
      this.log.error('configuration could not be compiled; keeping the last good one', { error: (err as Error).message })
      return
    }
    const { buffer, report } = compiled
    this.record(config, report, annotations)
    this.state.reloads.lastSuccess = now
    this.state.tableVersion = this.version
    this.logChanges('router', report.routerErrors)
    this.logChanges('service', report.serviceErrors)
    this.logChanges('middleware', report.middlewareErrors)
    this.tls?.compiled(config, report)
    const plan = this.planStream(config)
    this.publish(this.ref(buffer))
    this.stream?.apply(plan)
    this.health.configure(config, report.transports)
    this.log.debug('route table published', {
      version: this.version,
      routers: report.routers,
      services: report.services,
      servers: report.servers,
      bytes: buffer.byteLength,
      ms: (performance.now() - t0).toFixed(2),
    })
    this.state.emit('change')
  }

  /** What was logged as disabled, so an unchanged reason is logged once, not on every table. */
  private said = { router: new Map<string, string>(), service: new Map<string, string>(), middleware: new Map<string, string>(), 'TCP router': new Map<string, string>(), 'UDP router': new Map<string, string>() }

  private logChanges(kind: keyof Publisher['said'], errors: Record<string, string[]>): void {
    const now = new Map(Object.entries(errors).map(([name, errs]) => [name, errs.join('; ')]))
    for (const [name, error] of now) {
      if (this.said[kind].get(name) !== error) this.log.error(`${kind} disabled`, { [kind.endsWith('router') ? 'routerName' : `${kind}Name`]: name, error })
    }
    this.said[kind] = now
  }

  private record(config: DynamicConfig, report: CompileReport, annotations: readonly Annotation[]): void {
    const said = { router: new Map<string, string[]>(), service: new Map<string, string[]>() }
    for (const a of annotations) {
      const messages = said[a.kind].get(a.name)
      if (messages) messages.push(a.message)
      else said[a.kind].set(a.name, [a.message])
    }
    // What a provider dropped has no definition left to show: only its name and why.
    const dropped = (kind: Annotation['kind']): Set<string> =>
      new Set(annotations.filter((a) => a.drop && a.kind === kind && !Object.hasOwn(config.http[`${kind}s`], a.name)).map((a) => a.name))
    const routers: Record<string, RouterState> = {}
    const services: Record<string, ServiceState> = {}
    for (const [name, s] of Object.entries(config.http.services)) {
      const refused = report.serviceErrors[name] ?? []
      const errors = [...refused, ...(said.service.get(name) ?? [])]
      services[name] = {
        name,
        provider: providerOf(name),
        passHostHeader: s.loadBalancer?.passHostHeader !== false,
        servers: (s.loadBalancer?.servers ?? []).map((v) => ({ url: v.url, weight: v.weight ?? 1, status: 'UP' })),
        status: refused.length ? 'disabled' : errors.length ? 'warning' : 'enabled',
        errors,
        usedBy: [],
      }
      const flush = s.loadBalancer?.responseForwarding?.flushInterval
      if (flush !== undefined) services[name]!.flushInterval = flush
      const sticky = s.loadBalancer?.sticky
      if (sticky) services[name]!.sticky = sticky.cookie ? { cookie: { ...sticky.cookie, name: cookieName(sticky.cookie, name) } } : {}
    }
    for (const name of dropped('service')) {
      services[name] = { name, provider: providerOf(name), passHostHeader: true, servers: [], status: 'disabled', errors: said.service.get(name)!, usedBy: [] }
    }
    for (const [name, r] of Object.entries(config.http.routers)) {
      const errors = [...(report.routerErrors[name] ?? []), ...(report.routerWarnings[name] ?? []), ...(said.router.get(name) ?? [])]
      const enabled = name in report.priorities
      routers[name] = {
        name,
        provider: providerOf(name),
        rule: r.rule,
        service: r.service,
        entryPoints: r.entryPoints?.length ? r.entryPoints : [...this.entryPoints],
        priority: report.priorities[name] ?? r.priority ?? r.rule.length,
        status: !enabled ? 'disabled' : errors.length ? 'warning' : 'enabled',
        errors,
      }
      if (r.middlewares) routers[name]!.middlewares = r.middlewares
      if (r.tls) routers[name]!.tls = r.tls
      services[r.service]?.usedBy.push(name)
    }
    for (const name of dropped('router')) {
      routers[name] = { name, provider: providerOf(name), rule: '', service: '', entryPoints: [], priority: 0, status: 'disabled', errors: said.router.get(name)! }
    }
    this.state.middlewares = this.middlewareStates(config, report)
    this.state.routers = routers
    this.state.services = services
    this.state.raw = config
  }

  /** TCP routers served where they can be; UDP routers disabled. */
  private planStream(config: DynamicConfig): StreamPlan {
    const eps = this.stream?.entryPoints ?? this.entryPoints.map((n): [string, EntryPoint] => [n, { host: '', port: 0 }])
    const plan = planStream(config, eps, this.stream?.httpOnly, this.stream?.refused)
    this.state.tcpRouters = plan.tcp
    this.state.udpRouters = plan.udp
    this.state.tcpServices = plan.tcpServices
    this.state.udpServices = plan.udpServices
    const errors = (m: Record<string, StreamRouterState>) => Object.fromEntries(Object.values(m).filter((r) => r.errors.length > 0).map((r) => [r.name, r.errors]))
    this.logChanges('TCP router', errors(plan.tcp))
    this.logChanges('UDP router', errors(plan.udp))
    return plan
  }

  private middlewareStates(config: DynamicConfig, report: CompileReport): Record<string, MiddlewareState> {
    const defs = config.http.middlewares ?? {}
    const out: Record<string, MiddlewareState> = {}
    for (const [name, m] of Object.entries(defs)) {
      const errors = report.middlewareErrors[name] ?? []
      out[name] = { name, provider: providerOf(name), type: m.type, options: m.options, status: errors.length > 0 ? 'disabled' : 'enabled', errors, usedBy: [] }
    }
    // A router uses what it names, what its entrypoints name, and the members of those chains.
    const eps = this.options.entryPointMiddlewares ?? {}
    for (const [router, r] of Object.entries(config.http.routers)) {
      const provider = router.slice(router.lastIndexOf('@'))
      const onEps = (r.entryPoints?.length ? r.entryPoints : this.entryPoints).flatMap((ep) => eps[ep] ?? []).map((n) => (n.includes('@') ? n : `${n}${provider}`))
      const seen = new Set<string>()
      const visit = (name: string): void => {
        if (seen.has(name)) return
        seen.add(name)
        const def = defs[name]
        if (!def) return
        out[name]!.usedBy.push(router)
        if (def.type === 'chain') for (const member of (def.options.middlewares as string[] | undefined) ?? []) visit(member)
      }
      for (const name of [...onEps, ...(r.middlewares ?? [])]) visit(name)
    }
    for (const m of Object.values(out)) m.usedBy.sort()
    return out
  }
}
