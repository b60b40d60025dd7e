// Rate-limit buckets and in-flight counts shared by threads: GCRA as Go's
// token bucket, exact under contention from real worker threads.
import t from 'tap'
import { Worker } from 'node:worker_threads'
import { randomBytes } from 'node:crypto'
import { SharedState, rateOf, sharedInput } from '../../src/middlewares/shared-state.js'

const fresh = () => new SharedState(sharedInput(new Uint8Array(randomBytes(32))))

t.test('a bucket lets a burst through at once, then one request per interval', async (t) => {
  const s = fresh()
  const rate = rateOf(100, 5, 0, 1) // 10 ms apart, burst 5, no waiting
  const at = 1_000_000
  const got = Array.from({ length: 7 }, () => s.take(rate, '1.2.3.4', at))
  t.same(got.slice(0, 5), [0, 0, 0, 0, 0], 'the burst passes')
  t.ok(got[5]! < 0 && got[6]! < 0, 'then refused')
  t.equal(Math.round(-got[5]!), 10, 'refused with the time to the next token')
  t.equal(s.take(rate, '1.2.3.4', at + 10), 0, 'a token 10 ms later')
  t.ok(s.take(rate, '1.2.3.4', at + 10) < 0)
  t.equal(s.take(rate, '5.6.7.8', at), 0, 'another source has its own bucket')
  t.equal(s.take(rate, '1.2.3.4', at + 60_000), 0, 'an idle bucket refills')
  for (let i = 0; i < 4; i++) t.equal(s.take(rate, '1.2.3.4', at + 60_000), 0, 'to its full burst')
})

t.test('within maxDelay a request waits for its token instead of being refused', async (t) => {
  const s = fresh()
  const rate = rateOf(100, 1, 5, 2) // maxDelay 5 ms, as Traefik gives 100/s
  t.equal(s.take(rate, 'a', 1000), 0)
  t.ok(s.take(rate, 'a', 1000) < 0, '10 ms away: refused')
  t.equal(Math.round(s.take(rate, 'a', 1006)), 4, '4 ms away: wait 4 ms')
  t.ok(s.take(rate, 'a', 1006) < 0, 'that token is taken')
})

t.test('options hashes keep budgets apart; far in the future', async (t) => {
  const s = fresh()
  const a = rateOf(1, 1, 0, 10)
  const b = rateOf(1, 1, 0, 11)
  t.equal(s.take(a, 'x', 5000), 0)
  t.equal(s.take(b, 'x', 5000), 0, 'same source, other middleware: its own bucket')
  const far = 2 ** 32 / 1000 + 123 // past 2^32 µs, where a 32-bit clock would wrap
  t.equal(s.take(a, 'y', far), 0)
  t.ok(s.take(a, 'y', far) < 0)
  t.equal(s.take(a, 'y', far + 1000), 0)
})

/** Runs `count` threads on data, all let go at the same moment; resolves with their reports. */
async function hammer(count: number, data: object): Promise<any[]> {
  const gate = new Int32Array(new SharedArrayBuffer(8))
  const module = new URL('../../dist/middlewares/shared-state.js', import.meta.url).href
  const done = Array.from({ length: count }, () => {
    const w = new Worker(new URL('../fixtures/middlewares/shared-hammer.mjs', import.meta.url), { workerData: { module, gate: gate.buffer, ...data }, execArgv: [] })
    return new Promise((resolve, reject) => {
      w.once('message', resolve)
      w.once('error', reject)
    })
  })
  const deadline = Date.now() + 20_000
  while (Atomics.load(gate, 0) < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
  Atomics.store(gate, 1, 1)
  Atomics.notify(gate, 1)
  return Promise.all(done)
}

t.test('four threads on one bucket: exactly the burst passes', async (t) => {
  const input = sharedInput(new Uint8Array(32))
  const results = await hammer(4, { input, mode: 'rate', n: 20_000, seed: 7, source: 'one', nowMs: 123_456, burst: 30_000 })
  t.equal(results.reduce((n, r) => n + r.passed, 0), 30_000, 'burst 30000 from 80000 tries: no token taken twice')
})

t.test('four threads on new buckets of burst 1: one request each', async (t) => {
  for (const seed of [3, 4, 5]) {
    const input = sharedInput(new Uint8Array(32))
    const results = await hammer(4, { input, mode: 'fresh', n: 5000, seed, source: '10.0.', nowMs: 654_321 })
    t.equal(results.reduce((n, r) => n + r.passed, 0), 5000, `5,000 buckets (seed ${seed}): a first take raced by another thread is no second token`)
  }
})

t.test('four threads on one in-flight budget: never more than the limit inside, all released', async (t) => {
  const input = sharedInput(new Uint8Array(32))
  const probe = new SharedArrayBuffer(8)
  const results = await hammer(4, { input, mode: 'inflight', n: 200_000, seed: 9, source: 'h', limit: 2, probe })
  const p = new Int32Array(probe)
  t.ok(p[1]! <= 2, `at most 2 inside at once (saw ${p[1]})`)
  t.ok(results.some((r) => r.refused > 0), 'some were refused')
  const s = new SharedState(input)
  const slot = s.enter(9, 'h', 2)
  t.ok(slot >= 0)
  t.equal(s.inFlight(slot), 1, 'every count was handed back')
})

t.test('in-flight: a limit per source, slots reused once empty', async (t) => {
  const s = fresh()
  const a = s.enter(1, 'a', 1)
  t.ok(a >= 0)
  t.equal(s.enter(1, 'a', 1), -1)
  t.ok(s.enter(1, 'b', 1) >= 0, 'another source')
  s.release(a)
  t.ok(s.enter(1, 'a', 1) >= 0, 'free again')
})
