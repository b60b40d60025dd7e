// Every ACME resolver of the static configuration, fed with the domains the
// routers using them need: a router's tls.domains, else the Host names of
// its rule (one certificate per router, Traefik's habit), plus the
// entrypoints' http.tls.domains.
import type { Domain, StaticConfig } from '../../config/static.js'
import type { Logger } from '../../log.js'
import type { Certificate } from '../certificate.js'
import type { TlsRouter } from '../store.js'
import { ChallengeBoard } from './challenges.js'
import { AcmeResolver } from './resolver.js'

export class Resolvers {
  readonly challenges = new ChallengeBoard()
  private readonly resolvers = new Map<string, AcmeResolver>()
  private started = false
  private routers: readonly TlsRouter[] = []
  /** Routers already told of having no domain to order for */
  private warned = new Set<string>()

  constructor(
    private readonly config: StaticConfig,
    private readonly log: Logger,
    onCertificates: (resolver: string, certs: Certificate[]) => void,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    for (const [name, cfg] of Object.entries(config.certificatesResolvers)) {
      if (cfg.refused) {
        log.error('certificate resolver refused; routers using it are disabled', { resolver: name, error: cfg.refused })
        continue
      }
      const retryMs = Number(env.PIER_ACME_RETRY_MS) || undefined
      this.resolvers.set(name, new AcmeResolver(name, cfg, { log: log.with({ resolver: name }), challenges: this.challenges, certificates: (c) => onCertificates(name, c), env, retryMs }))
    }
  }

  /** Reads every acme.json; their certificates are served before the first order. */
  async load(): Promise<void> {
    await Promise.all([...this.resolvers.values()].map((r) => r.load()))
  }

  /** Orders may start (the workers answer challenges from now on). */
  start(): void {
    this.started = true
    this.update(this.routers)
  }

  update(routers: readonly TlsRouter[]): void {
    this.routers = routers
    if (!this.started) return
    const wanted = new Map<string, Domain[]>()
    const add = (resolver: string, d: Domain): void => {
      const list = wanted.get(resolver) ?? []
      const k = [d.main, ...(d.sans ?? [])].join(',')
      if (!list.some((x) => [x.main, ...(x.sans ?? [])].join(',') === k)) list.push(d)
      wanted.set(resolver, list)
    }
    for (const ep of Object.values(this.config.entryPoints)) {
      if (ep.tls?.certResolver) for (const d of ep.tls.domains ?? []) add(ep.tls.certResolver, d)
    }
    for (const r of routers) {
      const resolver = r.tls.certResolver
      if (!resolver) continue
      if (r.tls.domains && r.tls.domains.length > 0) for (const d of r.tls.domains) add(resolver, d)
      else if (r.hosts && r.hosts.length > 0) add(resolver, r.hosts.length > 1 ? { main: r.hosts[0]!, sans: r.hosts.slice(1) } : { main: r.hosts[0]! })
      else if (!this.warned.has(r.name)) {
        this.warned.add(r.name)
        this.log.warn('no domain to order a certificate for: the rule names no Host and the router no tls.domains', { routerName: r.name, resolver })
      }
    }
    for (const [name, r] of this.resolvers) r.want(wanted.get(name) ?? [])
  }

  stop(): void {
    for (const r of this.resolvers.values()) r.stop()
  }
}
