// circuitBreaker: watches the responses of what it wraps over a rolling
// 10-second window and, when the expression holds (checked at most every
// checkPeriod), trips: for fallbackDuration every request gets responseCode
// (503) at once. It then recovers: over recoveryDuration a growing share of
// requests goes through (up to half, as oxy's ratio controller does),
// tripping again if the expression holds, else it is back to normal. As in
// Traefik, 502 and 504 count as network errors. Each worker thread keeps its
// own window (a share of the same traffic); the state outlives table swaps
// while the options stay the same.
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, PHASE_RESPONSE, type Middleware, type Step } from './kind.js'
import { circuitBreakerSchema } from './schemas.js'
import type { Flow } from './flow.js'
import { ResponseFilter } from './filter.js'
import { parseCondition, type BreakerMetrics, type Condition } from './breaker-expression.js'
import type { UpstreamError } from '../upstream/errors.js'
import { statusText } from './status-text.js'

interface Compiled {
  expression: string
  checkPeriodMs: number
  fallbackDurationMs: number
  recoveryDurationMs: number
  responseCode: number
}

const BUCKETS = 10
const BUCKET_MS = 1000
/** Latency bins: upper bounds in ms, doubling from 0.25 ms; the last catches the rest. */
const LATENCY_BINS = 24
const binOf = (ms: number): number => Math.min(LATENCY_BINS - 1, Math.max(0, Math.ceil(Math.log2(Math.max(ms, 0.25) / 0.25))))
const binTop = (b: number): number => 0.25 * 2 ** b

/** Counts of the last 10 seconds in 1-second buckets. */
class Window implements BreakerMetrics {
  private readonly totals = new Int32Array(BUCKETS)
  private readonly netErrors = new Int32Array(BUCKETS)
  /** Per bucket: counts by status 100..599. */
  private readonly codes = new Int32Array(BUCKETS * 500)
  private readonly latency = new Int32Array(BUCKETS * LATENCY_BINS)
  private readonly stamp = new Float64Array(BUCKETS).fill(-1)

  private bucket(now: number): number {
    const slot = Math.floor(now / BUCKET_MS)
    const b = slot % BUCKETS
    if (this.stamp[b] !== slot) {
      this.stamp[b] = slot
      this.totals[b] = 0
      this.netErrors[b] = 0
      this.codes.fill(0, b * 500, b * 500 + 500)
      this.latency.fill(0, b * LATENCY_BINS, b * LATENCY_BINS + LATENCY_BINS)
    }
    return b
  }

  record(status: number, ms: number, now: number): void {
    const b = this.bucket(now)
    this.totals[b]!++
    if (status === 502 || status === 504) this.netErrors[b]!++
    if (status >= 100 && status < 600) this.codes[b * 500 + status - 100]!++
    this.latency[b * LATENCY_BINS + binOf(ms)]!++
  }

  reset(): void {
    this.stamp.fill(-1)
  }

  private now = 0

  /** Evaluates cond over the buckets of the last 10 seconds. */
  holds(cond: Condition, now: number): boolean {
    this.now = now
    return cond(this)
  }

  private live(b: number): boolean {
    return this.stamp[b]! > Math.floor(this.now / BUCKET_MS) - BUCKETS
  }

  private sum(a: Int32Array): number {
    let n = 0
    for (let b = 0; b < BUCKETS; b++) if (this.live(b)) n += a[b]!
    return n
  }

  networkErrorRatio(): number {
    const total = this.sum(this.totals)
    return total === 0 ? 0 : this.sum(this.netErrors) / total
  }

  private codesIn(from: number, to: number): number {
    let n = 0
    for (let b = 0; b < BUCKETS; b++) {
      if (!this.live(b)) continue
      for (let s = Math.max(from, 100); s < Math.min(to, 600); s++) n += this.codes[b * 500 + s - 100]!
    }
    return n
  }

  responseCodeRatio(from: number, to: number, dFrom: number, dTo: number): number {
    const d = this.codesIn(dFrom, dTo)
    return d === 0 ? 0 : this.codesIn(from, to) / d
  }

  latencyAtQuantileMS(q: number): number {
    const bins = new Array<number>(LATENCY_BINS).fill(0)
    let total = 0
    for (let b = 0; b < BUCKETS; b++) {
      if (!this.live(b)) continue
      for (let i = 0; i < LATENCY_BINS; i++) {
        bins[i] += this.latency[b * LATENCY_BINS + i]!
        total += this.latency[b * LATENCY_BINS + i]!
      }
    }
    if (total === 0) return 0
    const want = (q / 100) * total
    let seen = 0
    for (let i = 0; i < LATENCY_BINS; i++) {
      seen += bins[i]!
      if (seen >= want) return binTop(i)
    }
    return binTop(LATENCY_BINS - 1)
  }
}

const STANDBY = 0
const TRIPPED = 1
const RECOVERING = 2

/** Records one response's status and latency. */
class Watch extends ResponseFilter {
  private readonly started = performance.now()
  private recorded = false

  constructor(private readonly cb: CircuitBreaker) {
    super()
  }

  private record(status: number): void {
    if (this.recorded) return
    this.recorded = true
    this.cb.record(status, performance.now() - this.started)
  }

  override onHeaders(status: number, text: string, headers: string[], length: number, obsText: boolean): void {
    this.record(status)
    this.next.onHeaders(status, text, headers, length, obsText)
  }

  override onError(err: UpstreamError): void {
    // As the client gets it: a timeout is 504, any other failure 502.
    this.record(err.code === 'UPSTREAM_HEADERS_TIMEOUT' || err.code === 'UPSTREAM_CONNECT_TIMEOUT' ? 504 : 502)
    this.next.onError(err)
  }
}

class CircuitBreaker implements Middleware {
  private readonly cond: Condition
  private readonly window = new Window()
  private state = STANDBY
  private until = 0
  private lastCheck = 0
  private allowed = 0
  private denied = 0
  private recoveringSince = 0

  constructor(private readonly c: Compiled) {
    this.cond = parseCondition(c.expression)
  }

  request(flow: Flow): Step {
    if (this.state !== STANDBY && this.fallback(performance.now())) {
      const code = this.c.responseCode
      return flow.answer(code, [], statusText(code) || String(code))
    }
    flow.wrap(new Watch(this))
    return NEXT
  }

  /** Whether this request gets the fallback answer (oxy's activateFallback). */
  private fallback(now: number): boolean {
    if (this.state === TRIPPED) {
      if (now < this.until) return true
      this.state = RECOVERING
      this.until = now + this.c.recoveryDurationMs
      this.recoveringSince = now
      this.allowed = this.denied = 0
    }
    if (now > this.until) {
      this.state = STANDBY
      return false
    }
    // Let through as many as keep allowed / all under 0.5 * elapsed / recoveryDuration.
    const target = (0.5 * (now - this.recoveringSince)) / this.c.recoveryDurationMs
    if ((this.allowed + 1) / (this.allowed + 1 + this.denied) < target) {
      this.allowed++
      return false
    }
    this.denied++
    return true
  }

  record(status: number, ms: number): void {
    const now = performance.now()
    this.window.record(status, ms, now)
    if (now < this.lastCheck) return
    this.lastCheck = now + this.c.checkPeriodMs
    if (this.state === TRIPPED || !this.window.holds(this.cond, now)) return
    this.state = TRIPPED
    this.until = now + this.c.fallbackDurationMs
    this.window.reset()
  }
}

export default kind<Compiled>({
  schema: circuitBreakerSchema,
  phases: () => PHASE_REQUEST | PHASE_RESPONSE,
  compile(o) {
    const expression = typeof o.expression === 'string' ? o.expression : ''
    parseCondition(expression)
    const ms = (v: unknown, dflt: number): number => (typeof v === 'number' && v > 0 ? v : dflt)
    const responseCode = typeof o.responseCode === 'number' && o.responseCode !== 0 ? o.responseCode : 503
    if (responseCode < 100 || responseCode > 599) throw new MiddlewareError(`responseCode ${responseCode} is not a status`)
    return { expression, checkPeriodMs: ms(o.checkPeriod, 100), fallbackDurationMs: ms(o.fallbackDuration, 10_000), recoveryDurationMs: ms(o.recoveryDuration, 10_000), responseCode }
  },
  create: (c) => new CircuitBreaker(c),
})
