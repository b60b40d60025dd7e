// Test plumbing for the upstream pool: one request, its whole outcome as a promise.
import type { UpstreamError } from '../../src/upstream/errors.js'
import type { BodyMode, RequestController, UpstreamPool } from '../../src/upstream/pool.js'

export interface Outcome {
  status: number
  statusText: string
  headers: string[]
  contentLength: number
  body: Buffer
  bodyLength: number
  trailers: string[] | null
  error: UpstreamError | null
  /** Callbacks in the order they came, to check "at most once" and ordering. */
  events: string[]
}

export interface Call {
  ctl: RequestController
  done: Promise<Outcome>
  outcome: Outcome
}

export interface CallOptions {
  method?: string
  path?: string
  headers?: string[]
  bodyMode?: BodyMode
  headersTimeoutMs?: number
  idempotent?: boolean
  /** onData's return value (false pauses). */
  onData?: (chunk: Buffer, o: Outcome) => boolean
  onDrain?: () => void
  /** Keep the body in outcome.body (default true; off for huge bodies). */
  keepBody?: boolean
}

/** Sends a request; its head is built here from method, path and headers. */
export function call(pool: UpstreamPool, o: CallOptions = {}): Call {
  const method = o.method ?? 'GET'
  const headers = o.headers ?? []
  let head = `${method} ${o.path ?? '/'} HTTP/1.1\r\nhost: 127.0.0.1\r\n`
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`
  head += '\r\n'
  const outcome: Outcome = { status: 0, statusText: '', headers: [], contentLength: NaN, body: Buffer.alloc(0), bodyLength: 0, trailers: null, error: null, events: [] }
  const parts: Buffer[] = []
  let resolve!: (o: Outcome) => void
  const done = new Promise<Outcome>((r) => (resolve = r))
  const ctl = pool.request(
    head,
    o.bodyMode ?? 0,
    {
      onHeaders(status, statusText, hs, cl) {
        outcome.events.push('headers')
        Object.assign(outcome, { status, statusText, headers: hs, contentLength: cl })
      },
      onData(chunk) {
        if (outcome.events.at(-1) !== 'data') outcome.events.push('data')
        if (o.keepBody !== false) parts.push(Buffer.from(chunk))
        outcome.bodyLength += chunk.length
        return o.onData ? o.onData(chunk, outcome) : true
      },
      onComplete(trailers) {
        outcome.events.push('complete')
        outcome.trailers = trailers
        outcome.body = Buffer.concat(parts)
        resolve(outcome)
      },
      onError(err) {
        outcome.events.push('error')
        outcome.error = err
        outcome.body = Buffer.concat(parts)
        resolve(outcome)
      },
      onRequestDrain: o.onDrain,
    },
    { headersTimeoutMs: o.headersTimeoutMs ?? 0, isHead: method === 'HEAD', idempotent: o.idempotent ?? (method === 'GET' || method === 'HEAD') },
  )
  return { ctl, done, outcome }
}

/** A bodyless request's outcome. */
export function get(pool: UpstreamPool, o: CallOptions = {}): Promise<Outcome> {
  return call(pool, o).done
}
