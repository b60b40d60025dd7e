// The primary's side of metrics, access log and API in one place: the store
// workers' snapshots merge into, the access log writer, and the `traefik`
// entrypoint server when the static config asks for any of it.
import { AccessLogWriter } from '../accesslog/writer.js'
import type { Logger } from '../log.js'
import type { MetricsSnapshot } from '../metrics/snapshot.js'
import { MetricsStore } from '../metrics/store.js'
import type { RuntimeState } from '../primary/state.js'
import { startApi, type ApiServer } from './server.js'
import { API_ENTRYPOINT } from '../config/static.js'

export interface Observability {
  metrics: MetricsStore
  accessLog: AccessLogWriter | undefined
  api: ApiServer | undefined
  /** A worker's metrics snapshot arrived. */
  onMetrics(snapshot: MetricsSnapshot): void
  /** A worker's batch of access log lines arrived. */
  onAccessLog(lines: string, count: number): void
  /** Reopens the access log file (SIGUSR1, after logrotate). */
  reopenAccessLog(): Promise<void>
  close(): Promise<void>
}

export async function startObservability(state: RuntimeState, log: Logger): Promise<Observability> {
  const sc = state.staticConfig
  const metrics = new MetricsStore({ buckets: sc.metrics?.prometheus?.buckets })
  const accessLog = sc.accessLog
    ? await AccessLogWriter.open({ filePath: sc.accessLog.filePath, bufferingSize: sc.accessLog.bufferingSize, log: log.with({ component: 'accesslog' }) })
    : undefined
  if (accessLog) metrics.accessLog = accessLog
  let api: ApiServer | undefined
  const wanted = sc.api?.insecure === true || sc.ping || (sc.metrics?.prometheus !== undefined && sc.metrics.prometheus.entryPoint === API_ENTRYPOINT)
  if (wanted) {
    const ep = sc.entryPoints[API_ENTRYPOINT]
    if (!ep) throw Object.assign(new Error(`the API, ping or metrics need the "${API_ENTRYPOINT}" entrypoint, which is not defined`), { code: 'API_NO_ENTRYPOINT' })
    api = await startApi({ state, metrics, log: log.with({ component: 'api' }), host: ep.host, port: ep.port })
  }
  return {
    metrics,
    accessLog,
    api,
    onMetrics: (s) => {
      try {
        metrics.merge(s)
      } catch (err) {
        log.error('metrics snapshot refused', { code: (err as { code?: string }).code, error: (err as Error).message })
      }
    },
    onAccessLog: (lines, count) => accessLog?.write(lines, count),
    reopenAccessLog: async () => accessLog?.reopen(),
    close: async () => {
      await api?.close()
      await accessLog?.close()
    },
  }
}
