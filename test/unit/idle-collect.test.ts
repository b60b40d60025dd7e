import t from 'tap'
import { setFlagsFromString, getHeapStatistics } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { setTimeout as sleep } from 'node:timers/promises'
import { collectWhenIdle } from '../../src/worker/idle-collect.js'

const MB = 1024 * 1024

/** A counter of requests, a heap size the test sets, and the collections asked for. */
function rig(heap = 10 * MB) {
  const s = { requests: 0, heap, collections: 0 }
  const stop = collectWhenIdle(() => s.requests, {
    everyMs: 10,
    collect: async () => {
      s.collections++
      s.heap = 5 * MB
    },
    heapBytes: () => s.heap,
  })
  return { s, stop }
}

t.test('one collection once requests stop, none while they come', async (t) => {
  const { s, stop } = rig(5 * MB)
  t.teardown(stop)
  for (let i = 0; i < 40; i++) {
    s.requests++
    s.heap += MB
    await sleep(2)
  }
  t.equal(s.collections, 0, 'busy: no collection')
  await sleep(60)
  t.equal(s.collections, 1, 'quiet after a busy spell: one collection')
  await sleep(60)
  t.equal(s.collections, 1, 'still quiet: not again')
  s.requests++
  s.heap += 3 * MB
  await sleep(60)
  t.equal(s.collections, 2, 'another busy spell, another collection')
})

t.test('no collection when the heap has not grown since the last one', async (t) => {
  const { s, stop } = rig(5 * MB)
  t.teardown(stop)
  s.requests++
  s.heap += MB
  await sleep(60)
  t.equal(s.collections, 0, 'grew 1 MB: below the 2 MB worth a collection')
})

t.test('growth counts from the lowest heap since the last collection', async (t) => {
  const { s, stop } = rig(8 * MB)
  t.teardown(stop)
  s.heap = 4 * MB // V8 shrank it on its own
  await sleep(30)
  s.requests++
  s.heap = 7 * MB
  await sleep(60)
  t.equal(s.collections, 1, 'grew 3 MB from 4: worth a collection, though under the 8 MB at start')
})

t.test('nothing happens without gc() exposed', async (t) => {
  const stop = collectWhenIdle(() => 0, { collect: null })
  stop()
  t.pass('no timer, no error')
})

t.test("V8's own incremental collection shrinks a heap grown by garbage", async (t) => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as (o: { type: 'major'; execution: 'async' }) => Promise<void>
  let requests = 0
  // Garbage that survives a few scavenges, as in-flight requests' objects do, grows the heap.
  let keep: unknown[] = []
  for (let i = 0; i < 200_000; i++) {
    keep.push({ i, s: `request ${i}`, a: [i, i + 1] })
    if (keep.length > 50_000) keep = []
    if (i % 1000 === 0) requests++
  }
  keep = []
  const grown = getHeapStatistics().total_heap_size
  let collected = 0
  const stop = collectWhenIdle(() => requests, { everyMs: 20, minGrowthBytes: 0, collect: (o) => (collected++, gc(o)) })
  t.teardown(stop)
  requests++
  for (let i = 0; i < 100 && collected === 0; i++) await sleep(20)
  t.equal(collected, 1, 'collected once quiet')
  let after = getHeapStatistics().total_heap_size
  for (let i = 0; i < 50 && after >= grown; i++) {
    await sleep(20)
    after = getHeapStatistics().total_heap_size
  }
  t.ok(after < grown, `heap ${(grown / MB).toFixed(1)} -> ${(after / MB).toFixed(1)} MB`)
})
