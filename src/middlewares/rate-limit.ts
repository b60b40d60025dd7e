// rateLimit: Traefik's token bucket per source (average per period, burst),
// counted for the whole proxy in shared memory, so every worker thread draws
// on one budget. As in Traefik, a request just over the rate waits for a
// token (up to 1/(2 x rate), at most 500 ms); one further over gets 429 with
// Retry-After.
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, WAIT, type Middleware, type Step, type WorkerEnv } from './kind.js'
import { rateLimitSchema } from './schemas.js'
import type { Flow } from './flow.js'
import { compileSource, SourcePicker, type SourceCriterion } from './source.js'
import { budgetSeed, rateOf, type Rate, type SharedState } from './shared-state.js'
import { goDuration } from './go-duration.js'

interface Compiled {
  average: number
  periodMs: number
  burst: number
  source: SourceCriterion
}

/** A request held back until its token is due. */
class Held {
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly flow: Flow,
    ms: number,
  ) {
    this.timer = setTimeout(Held.go, ms, this)
  }

  static go(h: Held): void {
    h.flow.pending = null
    h.flow.next()
  }

  abort(): void {
    clearTimeout(this.timer)
  }
}

class RateLimit implements Middleware {
  private readonly rate: Rate | null
  private readonly picker: SourcePicker
  private readonly shared: SharedState

  constructor(c: Compiled, env: WorkerEnv, seed: number) {
    this.shared = env.shared
    this.picker = new SourcePicker(c.source)
    const perSecond = (c.average * 1000) / c.periodMs
    const maxDelayMs = perSecond < 1 ? 500 : 1000 / (Math.floor(perSecond) * 2)
    this.rate = c.average > 0 ? rateOf(perSecond, c.burst, maxDelayMs, seed) : null
  }

  request(flow: Flow): Step {
    if (this.rate === null) return NEXT
    const d = this.shared.take(this.rate, this.picker.source(flow))
    if (d === 0) return NEXT
    if (d > 0) {
      flow.pending = new Held(flow, d)
      return WAIT
    }
    const wait = -d
    return flow.answer(429, ['retry-after', String(Math.ceil(wait / 1000)), 'x-retry-in', goDuration(wait)], 'Too Many Requests')
  }
}

export default kind<Compiled>({
  schema: rateLimitSchema,
  phases: () => PHASE_REQUEST,
  compile(o) {
    const average = typeof o.average === 'number' ? o.average : 0
    const periodMs = typeof o.period === 'number' ? o.period : 1000
    if (periodMs < 0) throw new MiddlewareError('negative value not valid for period')
    if (average < 0) throw new MiddlewareError('negative value not valid for average')
    const burst = Math.max(typeof o.burst === 'number' ? o.burst : 1, 1)
    return { average, periodMs: periodMs === 0 ? 1000 : periodMs, burst, source: compileSource(o.sourceCriterion as Record<string, unknown> | undefined, 'ip') }
  },
  create: (c, env, name, hash) => new RateLimit(c, env, budgetSeed(name, hash)),
})
