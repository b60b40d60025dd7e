import t from 'tap'
import { PerformanceObserver, performance } from 'node:perf_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { WorkerRecorder } from '../../src/metrics/recorder.js'
import { MetricsStore } from '../../src/metrics/store.js'
import { methodIndex } from '../../src/metrics/methods.js'
import { DEFAULT_BUCKETS, ROW_BUCKETS, rowWidth } from '../../src/metrics/snapshot.js'

const GET = methodIndex('get')
const POST = methodIndex('POST')
const ms = (n: number): number => n * 1e6

t.test('counters are exact across workers and table swaps', async (t) => {
  const workers = [new WorkerRecorder(), new WorkerRecorder(), new WorkerRecorder()]
  const store = new MetricsStore()
  for (const w of workers) w.setNames(['web'], ['a@file', 'b@file'], ['sa@file', 'sb@file'])
  const expected = { web: 0, a: 0, b: 0, sa: 0, sb: 0, notFound: 0 }
  let n = 0
  for (let round = 0; round < 5; round++) {
    for (const [wi, w] of workers.entries()) {
      for (let i = 0; i < 1000 + wi * 17 + round; i++) {
        n++
        const kind = i % 3
        if (kind === 2) {
          w.record(0, -1, -1, 404, ms(0.2), -1, GET, 19, 0)
          expected.notFound++
        } else {
          w.record(0, kind, kind, kind === 0 ? 200 : 503, ms(1 + (i % 50)), ms(0.5), kind === 0 ? GET : POST, 100, 0)
          if (kind === 0) expected.a++, expected.sa++
          else expected.b++, expected.sb++
        }
        expected.web++
      }
      store.merge(w.snapshot())
    }
  }
  // A swap renames router 1: what was recorded before stays under the old name.
  workers[0].record(0, 1, 1, 200, ms(1), ms(1), GET, 1, 0)
  workers[0].setNames(['web'], ['a@file', 'c@file'], ['sa@file', 'sc@file'])
  workers[0].record(0, 1, 1, 200, ms(1), ms(1), GET, 1, 0)
  store.merge(workers[0].snapshot())
  expected.web += 2
  expected.b++
  expected.sb++

  const total = (m: Map<number, { values: Float64Array }> | undefined): number => [...(m?.values() ?? [])].reduce((a, r) => a + r.values[0], 0)
  t.equal(total(store.entryPoints.get('web')), expected.web)
  t.equal(store.requests, expected.web)
  t.equal(total(store.routers.get('a@file')), expected.a)
  t.equal(total(store.routers.get('b@file')), expected.b)
  t.equal(total(store.routers.get('c@file')), 1)
  t.equal(total(store.services.get('sa@file')), expected.sa)
  t.equal(total(store.services.get('sb@file')), expected.sb)
  const codes = [...store.entryPoints.get('web')!.values()].map((r) => r.code).sort()
  t.same(codes, [200, 200, 404, 503].filter((c, i, a) => a.indexOf(c) === i))
  const s404 = [...store.entryPoints.get('web')!.values()].find((r) => r.code === 404)!
  t.equal(s404.values[0], expected.notFound)
  t.equal(s404.values[2], expected.notFound * 19, 'bytes summed')
  t.equal(store.summary('', 'total', 'start')!.count, expected.web + 0, 'every request is in the total latency')
  t.equal(store.summary('sa@file', 'total', 'start')!.count, expected.sa)
  t.equal(store.summary('sb@file', 'upstream', 'start')!.count, expected.sb)
  t.equal(n + 2, expected.web)
  // An empty snapshot after a flush changes nothing.
  const empty = workers[1].snapshot()
  t.same([empty.entryPoints.length, empty.latency.length], [0, 0])
})

t.test('prometheus buckets count the right durations', async (t) => {
  const w = new WorkerRecorder({ buckets: [0.1, 0.3] })
  w.setNames(['web'], ['r'], ['s'])
  for (const sec of [0.05, 0.1, 0.2, 0.3, 0.31, 2]) w.record(0, 0, 0, 200, sec * 1e9, -1, GET, 0, 0)
  const store = new MetricsStore({ buckets: [0.1, 0.3] })
  store.merge(w.snapshot())
  const row = [...store.services.get('s')!.values()][0].values
  t.equal(row[0], 6)
  t.ok(Math.abs(row[1] - 2.96) < 1e-9, 'sum of seconds')
  t.same([row[ROW_BUCKETS], row[ROW_BUCKETS + 1]], [2, 2], 'le=0.1 gets 0.05 and 0.1; (0.1,0.3] gets 0.2 and 0.3')
  t.throws(() => store.merge({ ...w.snapshot(), buckets: [1] }), { code: 'METRICS_BUCKETS_MISMATCH' })
  t.throws(() => new WorkerRecorder({ buckets: [1, 0.5] }), { code: 'METRICS_BAD_BUCKETS' })
})

t.test('percentiles merged from several workers match the known input', async (t) => {
  const store = new MetricsStore()
  // 1..10000 µs split over 4 workers: p50 = 5000, p90 = 9000, p99 = 9900, max 10000 (within 0.1%).
  const workers = [0, 1, 2, 3].map(() => new WorkerRecorder())
  for (const w of workers) w.setNames(['web'], ['r'], ['s'])
  for (let us = 1; us <= 10000; us++) workers[us % 4].record(0, 0, 0, 200, us * 1000, (us * 1000) / 2, GET, 0, 0)
  const now = 1_000_000_000_000
  for (const w of workers) store.merge(w.snapshot(), now)
  for (const range of ['start', 'minute'] as const) {
    const s = store.summary('s', 'total', range, now)!
    t.equal(s.count, 10000, range)
    const near = (got: number, want: number): boolean => Math.abs(got - want) <= want * 0.001 + 0.001
    t.ok(near(s.p50, 5), `${range} p50 ${s.p50}`)
    t.ok(near(s.p90, 9), `${range} p90 ${s.p90}`)
    t.ok(near(s.p99, 9.9), `${range} p99 ${s.p99}`)
    t.ok(near(s.p999, 9.99), `${range} p99.9 ${s.p999}`)
    t.equal(s.max, 10, 'max is exact')
    t.ok(near(s.mean, 5.0005), `mean ${s.mean}`)
    const up = store.summary('s', 'upstream', range, now)!
    t.ok(near(up.p50, 2.5), `upstream p50 ${up.p50}`)
  }
  // The minute window forgets, since-start does not.
  t.equal(store.summary('s', 'total', 'minute', now + 61_000), undefined)
  t.equal(store.summary('s', 'total', 'start', now + 61_000)!.count, 10000)
  const rates = store.rates(5, now + 1000)
  t.equal(rates.services['s'], 10000 / 5)
})

t.test('record() allocates nothing (no GC over 2M records)', async (t) => {
  const w = new WorkerRecorder()
  w.setNames(['web'], ['r0', 'r1', 'r2'], ['s0', 's1', 's2'])
  const statuses = [200, 201, 204, 301, 404, 500, 502, 503]
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) w.record(0, i % 3, i % 3, statuses[i & 7], 100_000 + (i % 9973) * 1000, 50_000 + (i % 997) * 1000, i & 7, 512, i & 1023)
  }
  run(200_000) // warm up: JIT, code slots, lazily made count arrays
  w.snapshot()
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const gcTimes: number[] = []
  const obs = new PerformanceObserver((list) => gcTimes.push(...list.getEntries().map((e) => e.startTime)))
  obs.observe({ entryTypes: ['gc'] })
  // A tier-up or deopt mid-run can box doubles once (JIT timing), so steady state is
  // proven by any clean run out of three; an allocating record() fails all three.
  const runs: string[] = []
  let clean = false
  for (let attempt = 0; attempt < 3 && !clean; attempt++) {
    gc()
    const before = process.memoryUsage().heapUsed
    const start = performance.now()
    run(2_000_000)
    const end = performance.now()
    const grew = process.memoryUsage().heapUsed - before
    await new Promise((r) => setTimeout(r, 20))
    const gcs = gcTimes.filter((s) => s >= start && s <= end).length
    runs.push(`${gcs} GCs, heap +${grew} B`)
    clean = gcs === 0 && grew < 1 << 20
  }
  obs.disconnect()
  t.ok(clean, `2M records without garbage: ${runs.join('; ')}`)
  const snap = w.snapshot()
  t.equal(snap.services.reduce((a, s) => a + s.rows.filter((_, i) => i % rowWidth(DEFAULT_BUCKETS.length) === 0).reduce((x, y) => x + y, 0), 0), 2_000_000 * runs.length)
})
