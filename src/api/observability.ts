// The primary's side of metrics, access log and API in one place: the store
// workers' snapshots merge into (made, and its histogram package imported,
// only when the API or Prometheus metrics are on: nothing else reads it),
// the access log writer, the `traefik`
// entrypoint server when the static config asks, and the internal services'
// sockets (api@internal and the rest) for the workers.
import { AccessLogWriter } from '../accesslog/writer.js'
import type { Logger } from '../log.js'
import type { MetricsSnapshot } from '../metrics/snapshot.js'
import type { MetricsStore } from '../metrics/store.js'
import type { RuntimeState } from '../primary/state.js'
import type { ApiServer } from './server.js'
import { internalEntryPoints } from '../config/static.js'
import { startInternalServices, type InternalServices } from './internal-services.js'

export interface Observability {
  /** undefined when neither the API nor Prometheus metrics are on: workers' snapshots are dropped then. */
  metrics: MetricsStore | undefined
  accessLog: AccessLogWriter | undefined
  /** A worker's metrics snapshot arrived. */
  onMetrics(snapshot: MetricsSnapshot): void
  /** A worker's batch of access log lines arrived. */
  onAccessLog(lines: string, count: number): void
  /** Reopens the access log file (SIGUSR1, after logrotate). */
  reopenAccessLog(): Promise<void>
  /** The internal services' sockets, for the `internal` provider's configuration. */
  internal: InternalServices
  /** pier is stopping: ping answers its terminating status from now on. */
  terminating(): void
  close(): Promise<void>
}

export async function startObservability(state: RuntimeState, log: Logger): Promise<Observability> {
  const sc = state.staticConfig
  const metrics = sc.api || sc.metrics?.prometheus ? new (await import('../metrics/store.js')).MetricsStore({ buckets: sc.metrics?.prometheus?.buckets }) : undefined
  const accessLog = sc.accessLog
    ? await AccessLogWriter.open({ filePath: sc.accessLog.filePath, bufferingSize: sc.accessLog.bufferingSize, log: log.with({ component: 'accesslog' }) })
    : undefined
  if (accessLog && metrics) metrics.accessLog = accessLog
  const servers: ApiServer[] = []
  let stopping = false
  const isStopping = (): boolean => stopping
  if (sc.api?.debug) log.warn('api.debug: pier has no Go debug endpoints (/debug/vars, /debug/pprof); nothing more is served')
  let internal: InternalServices | undefined
  try {
    internal = await startInternalServices(state, metrics, log.with({ component: 'internal' }), isStopping)
    for (const name of internalEntryPoints(sc)) {
      // Loaded only when asked for: node:http and the API
      const { servedOn, startApi } = await import('./server.js')
      const serves = servedOn(sc, name)
      if (!Object.values(serves).some(Boolean)) continue
      const ep = sc.entryPoints[name]
      if (!ep) throw Object.assign(new Error(`the API, ping or metrics need the "${name}" entrypoint, which is not defined`), { code: 'API_NO_ENTRYPOINT' })
      servers.push(await startApi({ state, metrics, log: log.with({ component: 'api', entryPointName: name }), host: ep.host, port: ep.port, serves, stopping: isStopping }))
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()))
    await internal?.close()
    await accessLog?.close()
    throw err
  }
  return {
    metrics,
    accessLog,
    onMetrics: (s) => {
      if (!metrics) return
      try {
        metrics.merge(s)
      } catch (err) {
        log.error('metrics snapshot refused', { code: (err as { code?: string }).code, error: (err as Error).message })
      }
    },
    onAccessLog: (lines, count) => accessLog?.write(lines, count),
    reopenAccessLog: async () => accessLog?.reopen(),
    internal,
    terminating: () => (stopping = true),
    close: async () => {
      await Promise.all(servers.map((s) => s.close()))
      await internal.close()
      await accessLog?.close()
    },
  }
}
