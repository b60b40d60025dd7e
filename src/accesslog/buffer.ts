// Worker side of the access log: formats each request's line and hands lines
// to the primary in batches (every flushMs, or sooner when a batch is large),
// so a worker never writes to disk and never waits for it.
import { formatCommon, formatJson, type AccessLogEntry, type AccessLogFormat } from './format.js'
import { RequestCounter } from './request-count.js'

export interface AccessLogBufferOptions {
  format: AccessLogFormat
  /** Receives newline-terminated lines and how many; the worker posts them to the primary. */
  onBatch: (lines: string, count: number) => void
  /** Numbers the lines (RequestCount); shared by every worker. Default: a counter of this buffer's own. */
  counter?: RequestCounter
  /** default 100 */
  flushMs?: number
  /** A batch this large (characters) is handed over at once; default 64 KiB. */
  maxBatchChars?: number
}

export class AccessLogBuffer {
  readonly #format: (e: AccessLogEntry) => string
  readonly #onBatch: (lines: string, count: number) => void
  readonly #counter: RequestCounter
  readonly #flushMs: number
  readonly #maxBatch: number
  #batch = ''
  #lines = 0
  #timer: NodeJS.Timeout | undefined

  constructor(opts: AccessLogBufferOptions) {
    if (opts.format !== 'common' && opts.format !== 'json') {
      throw Object.assign(new Error(`accesslog.format must be "common" or "json", got ${JSON.stringify(opts.format)}`), { code: 'ACCESSLOG_BAD_FORMAT' })
    }
    this.#format = opts.format === 'json' ? formatJson : formatCommon
    this.#onBatch = opts.onBatch
    this.#counter = opts.counter ?? new RequestCounter()
    this.#flushMs = opts.flushMs ?? 100
    this.#maxBatch = opts.maxBatchChars ?? 64 * 1024
  }

  /** One finished request. Empty strings are logged as "-"; upstream is the server URL. */
  push(
    clientIp: string, method: string, path: string, protocol: string, status: number, size: number,
    router: string, service: string, upstream: string, durationMs: number, startMs: number,
    userAgent: string, referer: string, entryPoint = '', host = '',
  ): void {
    // A fresh young object: filling a long-lived one costs a write barrier per string field.
    const e: AccessLogEntry = {
      count: this.#counter.next(), clientIp, method, path, protocol, status, size, router, service, upstream, durationMs, startMs, userAgent, referer, entryPoint, host,
    }
    this.#batch += this.#format(e)
    this.#lines++
    if (this.#batch.length >= this.#maxBatch) this.flush()
    else if (this.#timer === undefined) this.#timer = setTimeout(() => this.flush(), this.#flushMs).unref()
  }

  /** Hands over whatever is buffered now (call before a worker exits). */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#batch === '') return
    const lines = this.#batch
    const count = this.#lines
    this.#batch = ''
    this.#lines = 0
    this.#onBatch(lines, count)
  }
}
