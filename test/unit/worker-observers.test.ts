import t from 'tap'
import { WorkerObservers } from '../../src/metrics/worker-observers.js'
import { methodIndex } from '../../src/metrics/methods.js'
import type { MetricsSnapshot } from '../../src/metrics/snapshot.js'

function observers(metrics: boolean, accessLog: boolean) {
  const snapshots: MetricsSnapshot[] = []
  const batches: string[] = []
  const o = new WorkerObservers({
    worker: 0,
    metrics,
    accessLog: accessLog ? { format: 'common', counter: new SharedArrayBuffer(8) } : undefined,
    postMetrics: (s) => snapshots.push(s),
    postAccessLog: (lines) => batches.push(lines),
    intervalMs: 60_000,
  })
  return { o, snapshots, batches }
}

t.test('with the API or Prometheus on, requests are recorded and shipped', async (t) => {
  const { o, snapshots } = observers(true, false)
  o.recorder!.setNames(['web'], ['r@file'], ['s@file'])
  o.recorder!.record(0, 0, 0, 200, 1e6, 5e5, methodIndex('GET'), 10, 0)
  o.stop()
  t.equal(snapshots.length, 1)
  t.ok(JSON.stringify(snapshots[0]).includes('r@file'), 'the snapshot names the router it counted')
})

t.test('with neither, nothing is recorded or posted; the access log still ships', async (t) => {
  const { o, snapshots, batches } = observers(false, true)
  t.equal(o.recorder, null)
  o.accessLog!.push('192.0.2.1', 'GET', '/', 'HTTP/1.1', 200, 2, 'r@file', 's@file', 'http://127.0.0.1:1', 1, Date.now(), '', '')
  o.stop()
  t.equal(snapshots.length, 0, 'no metrics snapshot')
  t.equal(batches.length, 1, 'the access log batch')
  t.match(batches[0], /"GET \/ HTTP\/1\.1" 200 2/)
})
