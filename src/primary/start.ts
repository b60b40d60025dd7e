// Wires the primary thread: providers -> aggregator -> publisher -> worker
// threads, and the process lifecycle (ready line, signals, drain).
import { availableParallelism } from 'node:os'
import type { StaticConfig } from '../config/static.js'
import type { Logger } from '../log.js'
import type { Provider } from '../providers/provider.js'
import { FileProvider } from '../providers/file/provider.js'
import { EntryPointMiddlewares } from '../providers/entrypoint-middlewares.js'
import { Aggregator } from './aggregator.js'
import { Publisher, type StreamHook } from './publisher.js'
import { TcpRelay } from '../tcp/thread.js'
import { RuntimeState } from './state.js'
import { WorkerPool } from './workers.js'
import { startObservability } from '../api/observability.js'
import { internalEntryPoints } from '../config/static.js'
import { openConnections } from './open-connections.js'
import { closeSync, openSync, readSync } from 'node:fs'
import { sharedInput } from '../middlewares/shared-state.js'
import type { TableRef } from '../worker/messages.js'
import type { CertificateStore } from '../tls/store.js'
import type { Resolvers } from '../tls/acme/resolvers.js'
import { workerEntryPoints } from './entrypoints.js'
import { INTERNAL_PROVIDER, internalConfig } from '../config/internal-services.js'

/** uWS 20.30's fixed idle timeout for HTTP connections. */
const UWS_IDLE_MS = 10_000

export interface Running {
  state: RuntimeState
  /** Drains and stops everything; resolves true if requests in flight finished within the grace period (none was cut). */
  stop(): Promise<boolean>
  /** Retires one worker thread; a fresh one replaces it. */
  recycleWorker(): void
  /** Reopens the access log file (after logrotate moved it). */
  reopenAccessLog(): Promise<void>
}

/** The run's secret for the workers' shared state, from the kernel's generator: node:crypto (0.5 MB and more in RSS) stays out of the primary. */
function secret(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes)
  const fd = openSync('/dev/urandom', 'r')
  try {
    for (let n = 0; n < bytes; ) n += readSync(fd, out, n, bytes - n, null)
  } finally {
    closeSync(fd)
  }
  return out
}

export async function start(config: StaticConfig, log: Logger): Promise<Running> {
  const internal = internalEntryPoints(config)
  const proxiedAll = Object.entries(config.entryPoints).filter(([name]) => !internal.has(name))
  // UDP entrypoints serve no HTTP: the worker threads and the route table leave them out.
  const proxied = proxiedAll.filter(([, ep]) => !ep.udp)
  const epNames = proxied.map(([name]) => name)
  for (const name of epNames) {
    const idle = config.clientLimits[name]!.idleTimeoutMs
    if (idle > 0 && idle < UWS_IDLE_MS) log.warn('idleTimeout not honoured: uWS closes idle connections 10-14 s after their last response', { entryPoint: name, idleTimeout: `${idle / 1000}s` })
  }
  const state = new RuntimeState(config)
  const observe = await startObservability(state, log)
  if (observe.metrics) observe.metrics.countConnections = () => new Map(proxied.map(([name, ep]) => [name, openConnections(new Set([ep.port]))]))

  let pool: WorkerPool | null = null
  let latest: TableRef
  const entryPointMiddlewares = Object.fromEntries(proxied.filter(([, ep]) => ep.middlewares).map(([name, ep]) => [name, ep.middlewares!]))
  const usesTls = proxied.some(([, ep]) => ep.secure) || Object.keys(config.certificatesResolvers).length > 0
  // Loaded only when asked for: certificate files, self-signed fallbacks, SNI
  const store: CertificateStore | null = usesTls ? new (await import('../tls/store.js')).CertificateStore(config, log.with({ component: 'tls' })) : null
  let resolvers: Resolvers | null = null
  if (store && Object.keys(config.certificatesResolvers).length > 0) {
    // Loaded only when asked for: acme-client and its HTTP stack
    const { Resolvers } = await import('../tls/acme/resolvers.js')
    resolvers = new Resolvers(config, log.with({ component: 'acme' }), (name, certs) => store.setAcme(name, certs))
    await resolvers.load()
    const r = resolvers
    store.onRouters = (routers) => r.update(routers)
  }
  const relay = new TcpRelay(log)
  let released: string[] = []
  const stream: StreamHook = {
    entryPoints: proxiedAll,
    httpOnly: new Set(workerEntryPoints(config, proxied).filter((ep) => ep.redirect || ep.acmeChallenge).map((ep) => ep.name)),
    // Who the client is would be read from a PROXY header the relay does not parse (ClientIP rules, the header passed on as data).
    refused: new Map(proxied.filter(([name]) => config.clientTrust[name]?.proxyProtocol).map(([name]) => [name, `proxyProtocol (a PROXY header from the client) is not supported on TCP entrypoints yet; remove entryPoints.${name}.proxyProtocol or route HTTP there`])),
    apply(plan) {
      released = plan.listeners.map((l) => l.name)
      pool?.release(released)
      relay.update(plan.listeners, plan.udpListeners)
    },
  }
  const publisher = new Publisher(
    state,
    epNames,
    log,
    (table) => {
      latest = table
      pool?.publish(table)
    },
    store && { options: (c) => store.compileOptions(c), compiled: (c, report) => store.compiled(c, report) },
    { entryPointMiddlewares, ownEntryPoints: internal, transportDefaults: config.serversTransport },
    stream,
    (c) => observe.internal.prepare(c),
  )
  latest = publisher.initial()

  const aggregator = new Aggregator({
    throttleMs: config.providers.throttleMs,
    onConfig: (merged, info, annotations) => {
      log.debug('applying configuration', { ...info })
      publisher.apply(merged, annotations)
    },
  })

  // Traefik's internal provider: api@internal and the rest, for the routers that name them
  aggregator.update(INTERNAL_PROVIDER, internalConfig(config, observe.internal.sockets, observe.internal.failure))

  const providers: Provider[] = []
  if (config.entryPointMiddlewares) providers.push(new EntryPointMiddlewares(config.entryPointMiddlewares))
  if (config.providers.file) providers.push(new FileProvider(config.providers.file))
  if (config.providers.docker) {
    // Loaded only when asked for: dockerode and its HTTP/TLS stack, a few MB (its
    // SSH and gRPC parts wait until called: providers/docker/dockerode.ts).
    const { DockerProvider } = await import('../providers/docker/provider.js')
    providers.push(new DockerProvider(config.providers.docker))
  }
  if (config.providers.swarm) {
    const { SwarmProvider } = await import('../providers/swarm/provider.js')
    providers.push(new SwarmProvider(config.providers.swarm))
  }
  for (const p of providers) {
    const plog = log.with({ providerName: p.name })
    await p.start((c, annotations) => {
      if (plog.enabled('DEBUG')) plog.debug(`Configuration received from provider ${p.name}: ${JSON.stringify(c)}`)
      aggregator.update(p.name, c, annotations)
    }, plog)
  }

  // The providers' first configurations are compiled once the middleware kinds they name are imported: the workers start with those tables.
  await publisher.settled()
  const workers = config.workers > 0 ? config.workers : availableParallelism()
  const tls = store ? await store.snapshot() : undefined
  pool = new WorkerPool(
    workers,
    {
      entryPoints: workerEntryPoints(config, proxied),
      tls,
      challenges: resolvers?.challenges.all(),
      released,
      log: { level: config.log.level, format: config.log.format, toPrimary: config.log.filePath !== undefined },
      transport: {
        responseHeaderTimeoutMs: config.serversTransport.responseHeaderTimeoutMs,
        dialTimeoutMs: config.serversTransport.dialTimeoutMs,
        idleConnTimeoutMs: config.serversTransport.idleConnTimeoutMs,
        maxConnsPerServer: config.serversTransport.maxIdleConnsPerHost,
        maxResponseHeaderBytes: config.serversTransport.maxResponseHeaderBytes,
      },
      graceMs: config.lifecycle.graceTimeOutMs,
      shared: sharedInput(secret(32)),
      webSocket: { maxMessageSize: config.webSocket.maxMessageSize, compress: config.webSocket.compression },
      observe: {
        metrics: Boolean(config.api || config.metrics?.prometheus),
        buckets: config.metrics?.prometheus?.buckets,
        accessLog: config.accessLog
          ? { format: config.accessLog.format, counter: new SharedArrayBuffer(8), filters: config.accessLog.filters, fields: config.accessLog.fields }
          : undefined,
      },
    },
    latest,
    log,
    (m) => {
      if (m.type === 'metrics') observe.onMetrics(m.snapshot)
      else if (m.type === 'accesslog') observe.onAccessLog(m.lines, m.count)
      else if (m.type === 'log') log.line(m.line)
    },
  )
  await pool.start()
  const running = pool
  store?.connect({
    add: (snapshot, names) => running.apply({ type: 'tls-add', version: snapshot.version, names }, snapshot),
    replace: (snapshot) => running.recycleAll(snapshot),
  })
  resolvers?.challenges.connect((version, tokens) => running.apply({ type: 'challenges', version, tokens }))
  resolvers?.start()
  log.info('pier ready', { workers, entryPoints: proxied.map(([n, ep]) => `${n}=${ep.host}:${ep.port}`).join(',') })

  return {
    state,
    recycleWorker: () => running.recycleOne(),
    reopenAccessLog: () => observe.reopenAccessLog(),
    async stop() {
      observe.terminating()
      aggregator.close()
      resolvers?.stop()
      await Promise.all(providers.map((p) => p.stop().catch((err: Error) => log.warn('provider did not stop cleanly', { providerName: p.name, error: err.message }))))
      const [clean] = await Promise.all([running.drain(config.lifecycle.graceTimeOutMs), relay.drain(config.lifecycle.graceTimeOutMs)])
      publisher.health.close()
      await observe.close()
      return clean
    },
  }
}
