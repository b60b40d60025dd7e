// Worker side of the access log: formats each request's line and hands lines
// to the primary in batches (every flushMs, or sooner when a batch is large),
// so a worker never writes to disk and never waits for it.
import { formatCommon, formatJson, type AccessLogEntry, type AccessLogFormat } from './format.js'
import { RequestCounter } from './request-count.js'
import { commonWithFields, jsonWithFields, type AccessLogFields } from './fields.js'
import { lineFilter, type AccessLogFilters } from './filters.js'

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
  filters?: AccessLogFilters
  fields?: AccessLogFields
}

/** Fields as Traefik has them when no `fields` section is given: everything kept, headers too. */
const ALL_FIELDS: AccessLogFields = { defaultMode: 'keep', names: {}, headers: { defaultMode: 'keep', names: {} }, queryParameters: 'keep' }

export class AccessLogBuffer {
  readonly #format: (e: AccessLogEntry) => string
  readonly #keep: ((status: number, durationMs: number, attempts: number) => boolean) | null
  readonly #onBatch: (lines: string, count: number) => void
  readonly #counter: RequestCounter
  readonly #flushMs: number
  readonly #maxBatch: number
  #batch = ''
  #lines = 0
  #timer: NodeJS.Timeout | undefined

  constructor(opts: AccessLogBufferOptions) {
    if (opts.format !== 'common' && opts.format !== 'json' && opts.format !== 'genericCLF') {
      throw Object.assign(new Error(`accesslog.format must be "common", "genericCLF" or "json", got ${JSON.stringify(opts.format)}`), { code: 'ACCESSLOG_BAD_FORMAT' })
    }
    // The fixed formatters serve the default; fields (or genericCLF) take the general ones.
    const f = opts.fields
    if (opts.format === 'json') this.#format = f ? jsonWithFields(f) : formatJson
    else if (opts.format === 'genericCLF' || f) this.#format = commonWithFields(f ?? ALL_FIELDS, opts.format === 'genericCLF')
    else this.#format = formatCommon
    this.#keep = lineFilter(opts.filters)
    this.#onBatch = opts.onBatch
    this.#counter = opts.counter ?? new RequestCounter()
    this.#flushMs = opts.flushMs ?? 100
    this.#maxBatch = opts.maxBatchChars ?? 64 * 1024
  }

  /** One finished request. Empty strings are logged as "-"; upstream is the server URL. */
  push(
    clientIp: string, method: string, path: string, protocol: string, status: number, size: number,
    router: string, service: string, upstream: string, durationMs: number, startMs: number,
    userAgent: string, referer: string, entryPoint = '', host = '', attempts = 0, headers?: [string, string][],
  ): void {
    // Every request takes a number, logged or not (Traefik's RequestCount).
    const count = this.#counter.next()
    if (this.#keep !== null && !this.#keep(status, durationMs, attempts)) return
    // A fresh young object: filling a long-lived one costs a write barrier per string field.
    const e: AccessLogEntry = {
      count, clientIp, method, path, protocol, status, size, router, service, upstream, durationMs, startMs, userAgent, referer, entryPoint, host, attempts, headers,
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
