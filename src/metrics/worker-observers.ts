// Everything a worker thread keeps for metrics and the access log, with the
// timer that ships it to the primary. The worker wires this to its message
// port; message framing stays in src/worker/messages.ts.
import { AccessLogBuffer } from '../accesslog/buffer.js'
import type { AccessLogFormat } from '../accesslog/format.js'
import type { AccessLogFilters } from '../accesslog/filters.js'
import type { AccessLogFields } from '../accesslog/fields.js'
import { RequestCounter } from '../accesslog/request-count.js'
import { WorkerRecorder } from './recorder.js'
import type { MetricsSnapshot } from './snapshot.js'

export interface WorkerObserversOptions {
  /** The worker's id in the pool. */
  worker: number
  /** Record requests and post snapshots (the API or Prometheus is on). */
  metrics: boolean
  /** Prometheus buckets from the static config (metrics.prometheus.buckets); default Traefik's. */
  buckets?: number[]
  /** Set when the access log is on; counter numbers the lines across workers. */
  accessLog?: { format: AccessLogFormat; counter: SharedArrayBuffer; filters?: AccessLogFilters; fields?: AccessLogFields }
  postMetrics: (snapshot: MetricsSnapshot) => void
  postAccessLog: (lines: string, count: number) => void
  /** default 1000 */
  intervalMs?: number
}

export class WorkerObservers {
  /** null when nothing reads metrics: requests are not recorded. */
  readonly recorder: WorkerRecorder | null
  /** undefined when the access log is off: the handler skips it. */
  readonly accessLog: AccessLogBuffer | undefined
  readonly #post: (s: MetricsSnapshot) => void
  readonly #timer: NodeJS.Timeout

  constructor(opts: WorkerObserversOptions) {
    this.recorder = opts.metrics ? new WorkerRecorder({ buckets: opts.buckets, worker: opts.worker }) : null
    const a = opts.accessLog
    this.accessLog = a ? new AccessLogBuffer({ format: a.format, counter: new RequestCounter(a.counter), onBatch: opts.postAccessLog, filters: a.filters, fields: a.fields }) : undefined
    this.#post = opts.postMetrics
    this.#timer = setInterval(() => this.flush(), opts.intervalMs ?? 1000).unref()
  }

  /** Ships what was recorded now: call before a table swap (then setNames) and before the thread ends. */
  flush(): void {
    if (this.recorder !== null) this.#post(this.recorder.snapshot())
    this.accessLog?.flush()
  }

  /** Final flush; no more timer. */
  stop(): void {
    clearInterval(this.#timer)
    this.flush()
  }
}
