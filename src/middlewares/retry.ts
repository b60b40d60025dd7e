// retry: Traefik's retry middleware, on top of pier's own failover. pier
// already sends a request that reached no backend (or that a backend reset
// unread) to another server of the service, each once; retry adds what
// Traefik's does: up to `attempts` tries in all, the same server allowed
// again, waiting an exponential backoff from initialInterval (growing to
// twice it by the last try, with Go's backoff jitter), within `timeout`;
// and with `status`, a response of a listed status is dropped unsent and
// the request tried again (idempotent methods only, unless
// retryNonIdempotentMethod), when its body fits maxRequestBodyBytes.
// A network error is retried only when no byte of the request was written
// (Traefik's rule); disableRetryOnNetworkError turns that off.
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, type Middleware, type Step } from './kind.js'
import { retrySchema } from './schemas.js'
import type { Flow } from './flow.js'
import { inRanges, parseRanges, type Ranges } from './status-ranges.js'

/** Traefik's default maxRequestBodyBytes. */
const DEFAULT_MAX_BODY = 2 * 1024 * 1024
/** Go's backoff jitter: each wait is its interval times 1 +/- this. */
const JITTER = 0.5

interface Compiled {
  attempts: number
  initialIntervalMs: number
  timeoutMs: number
  status: Ranges
  /** -1: no limit */
  maxRequestBodyBytes: number
  disableRetryOnNetworkError: boolean
  retryNonIdempotentMethod: boolean
}

/** What an exchange needs to know of a retry policy. */
export interface RetryPolicy {
  /** Tries in all, the first one included. */
  readonly attempts: number
  /** Largest body kept for a status retry (-1: no limit); 0 when no status retry is configured. */
  readonly keepBody: number
  /** After `tries` tries begun at startedAt, may another follow a network error of this delivery? */
  afterError(tries: number, startedAt: number, delivery: string | undefined): boolean
  /** ... or a response of this status? */
  afterStatus(tries: number, startedAt: number, status: number, idempotent: boolean): boolean
  /** Milliseconds to wait before try number `tries + 1`. */
  wait(tries: number): number
}

class Retry implements Middleware, RetryPolicy {
  readonly attempts: number
  readonly keepBody: number
  private readonly multiplier: number

  constructor(private readonly c: Compiled) {
    this.attempts = c.attempts
    this.keepBody = c.status.length > 0 ? c.maxRequestBodyBytes : 0
    // Go's backoff as Traefik sets it: the interval reaches twice the initial one on the last try.
    this.multiplier = c.attempts > 1 ? 2 ** (1 / (c.attempts - 1)) : 1
  }

  request(flow: Flow): Step {
    flow.retry = this
    return NEXT
  }

  private inTime(startedAt: number): boolean {
    return this.c.timeoutMs === 0 || performance.now() - startedAt < this.c.timeoutMs
  }

  afterError(tries: number, startedAt: number, delivery: string | undefined): boolean {
    return !this.c.disableRetryOnNetworkError && delivery === 'unsent' && tries < this.c.attempts && this.inTime(startedAt)
  }

  afterStatus(tries: number, startedAt: number, status: number, idempotent: boolean): boolean {
    return inRanges(this.c.status, status) && (idempotent || this.c.retryNonIdempotentMethod) && tries < this.c.attempts && this.inTime(startedAt)
  }

  wait(tries: number): number {
    if (this.c.initialIntervalMs <= 0) return 0
    const interval = this.c.initialIntervalMs * this.multiplier ** (tries - 1)
    return interval * (1 + JITTER * (2 * Math.random() - 1))
  }
}

export default kind<Compiled>({
  schema: retrySchema,
  phases: () => PHASE_REQUEST,
  compile(o) {
    const attempts = typeof o.attempts === 'number' ? o.attempts : 0
    if (attempts <= 0) throw new MiddlewareError(`incorrect (or empty) value for attempts (${attempts})`)
    const status = parseRanges((o.status as string[] | undefined) ?? [], 'status')
    const disableRetryOnNetworkError = o.disableRetryOnNetworkError === true
    if (status.length === 0 && disableRetryOnNetworkError) throw new MiddlewareError('retry needs status codes, or retry on network errors')
    const maxRequestBodyBytes = typeof o.maxRequestBodyBytes === 'number' ? o.maxRequestBodyBytes : DEFAULT_MAX_BODY
    if (maxRequestBodyBytes < -1) throw new MiddlewareError('maxRequestBodyBytes must be -1 (no limit) or more')
    return {
      attempts,
      initialIntervalMs: typeof o.initialInterval === 'number' ? Math.max(0, o.initialInterval) : 0,
      timeoutMs: typeof o.timeout === 'number' ? Math.max(0, o.timeout) : 0,
      status,
      maxRequestBodyBytes,
      disableRetryOnNetworkError,
      retryNonIdempotentMethod: o.retryNonIdempotentMethod === true,
    }
  },
  create: (c) => new Retry(c),
})
