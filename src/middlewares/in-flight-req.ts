// inFlightReq: at most `amount` requests per source at a time, counted for
// the whole proxy in shared memory; one more gets 429. A request counts from
// the moment it passes until its response ends or fails, or the client goes.
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, PHASE_RESPONSE, type Middleware, type Step, type WorkerEnv } from './kind.js'
import { inFlightReqSchema } from './schemas.js'
import type { Flow } from './flow.js'
import { ResponseFilter } from './filter.js'
import { compileSource, SourcePicker, type SourceCriterion } from './source.js'
import { budgetSeed, type SharedState } from './shared-state.js'
import type { UpstreamError } from '../upstream/errors.js'

interface Compiled {
  amount: number
  source: SourceCriterion
}

/** Counts the request out exactly once, however it ends. */
class Release extends ResponseFilter {
  private slot: number
  /** Body bytes still to come of an announced length; -1 when none was announced. */
  private left = -1

  constructor(
    private readonly shared: SharedState,
    slot: number,
  ) {
    super()
    this.slot = slot
  }

  private done(): void {
    if (this.slot < 0) return
    this.shared.release(this.slot)
    this.slot = -1
  }

  override onHeaders(status: number, statusText: string, headers: string[], contentLength: number, obsText: boolean): void {
    this.left = contentLength
    this.next.onHeaders(status, statusText, headers, contentLength, obsText)
  }

  override onData(chunk: Buffer): boolean {
    // The chunk that completes an announced length ends the response for the client at once (before
    // onComplete): counted out first, so that the client's next request never finds it still in flight.
    if (this.left >= 0 && (this.left -= chunk.length) <= 0) this.done()
    return this.next.onData(chunk)
  }

  override onComplete(trailers: string[]): void {
    this.done()
    this.next.onComplete(trailers)
  }

  override onError(err: UpstreamError): void {
    this.done()
    this.next.onError(err)
  }

  override abort(): void {
    this.done()
    this.up.abort()
  }
}

class InFlightReq implements Middleware {
  private readonly picker: SourcePicker
  private readonly shared: SharedState

  constructor(
    private readonly c: Compiled,
    env: WorkerEnv,
    private readonly seed: number,
  ) {
    this.shared = env.shared
    this.picker = new SourcePicker(c.source)
  }

  request(flow: Flow): Step {
    const slot = this.shared.enter(this.seed, this.picker.source(flow), this.c.amount)
    if (slot < 0) return flow.answer(429, [], 'Too Many Requests')
    flow.wrap(new Release(this.shared, slot))
    return NEXT
  }
}

export default kind<Compiled>({
  schema: inFlightReqSchema,
  phases: () => PHASE_REQUEST | PHASE_RESPONSE,
  compile(o) {
    const amount = typeof o.amount === 'number' ? o.amount : 0
    if (amount < 1) throw new MiddlewareError('amount must be at least 1')
    return { amount, source: compileSource(o.sourceCriterion as Record<string, unknown> | undefined, 'host') }
  },
  create: (c, env, name, hash) => new InFlightReq(c, env, budgetSeed(name, hash)),
})
