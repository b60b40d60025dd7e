// Per-request cost of what a worker adds for metrics and the access log:
// WorkerRecorder.record() and AccessLogBuffer.push(), in ns/op and GC count.
// Usage: npx tsc -p . && node bench/metrics-cost/hot-path.mjs [--n=5000000]
import { PerformanceObserver, performance } from 'node:perf_hooks'
import { WorkerRecorder } from '../../dist/metrics/recorder.js'
import { AccessLogBuffer } from '../../dist/accesslog/buffer.js'

const n = Number(process.argv.find((a) => a.startsWith('--n='))?.slice(4) ?? 5_000_000)
let gcs = 0
new PerformanceObserver((l) => (gcs += l.getEntries().length)).observe({ entryTypes: ['gc'] })
const settle = () => new Promise((r) => setTimeout(r, 20))

async function time(name, fn, count) {
  fn(count) // warm-up: JIT and the heap reach their steady state
  await settle()
  const g = gcs
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  fn(count)
  const c = process.cpuUsage(c0)
  const ms = performance.now() - t0
  await settle()
  // CPU time of this thread's process, not wall time: other load on the machine inflates wall time.
  const cpuMs = (c.user + c.system) / 1000
  console.log(`${name.padEnd(34)} ${((cpuMs * 1e6) / count).toFixed(1).padStart(7)} ns/op CPU (${((ms * 1e6) / count).toFixed(1)} wall)   ${gcs - g} GCs over ${count} ops`)
}

const rec = new WorkerRecorder()
rec.setNames(['web'], Array.from({ length: 20 }, (_, i) => `r${i}@docker`), Array.from({ length: 20 }, (_, i) => `s${i}@docker`))
const statuses = [200, 200, 200, 304, 404, 500]
await time('WorkerRecorder.record', (count) => {
  for (let i = 0; i < count; i++) rec.record(0, i % 20, i % 20, statuses[i % 6], 250_000 + (i % 10007) * 300, 200_000 + (i % 9973) * 250, i & 3, 1024, 64)
}, n)
const snap0 = performance.now()
const snap = rec.snapshot()
console.log(`WorkerRecorder.snapshot (20 services)  ${(performance.now() - snap0).toFixed(2)} ms, ${snap.latency.length} histograms`)

for (const format of ['common', 'json']) {
  let bytes = 0
  const buf = new AccessLogBuffer({ format, onBatch: (l) => (bytes += l.length) })
  const now = Date.now()
  await time(`AccessLogBuffer.push (${format})`, (count) => {
    for (let i = 0; i < count; i++) buf.push('192.0.2.7', 'GET', '/api/items/42?x=1', 'HTTP/1.1', 200, 1234, 'whoami@docker', 'whoami@docker', 'http://172.17.0.2:80', 1.25, now + i, 'Mozilla/5.0 (X11; Linux x86_64)', '', 'web', 'whoami.local')
    buf.flush()
  }, Math.floor(n / 10))
  void bytes
}
