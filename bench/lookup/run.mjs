// Host + rule match and smooth WRR pick over 10,000 hosts, on one core:
// lookups per second, and how many garbage collections ran during 10 million
// lookups (the hot path should allocate nothing, so: zero). Then the same
// with the handler's middleware check (one typed-array read of the router's
// chain phases and one branch), which is all a router without middlewares
// pays for them.
// Usage: node bench/lookup/run.mjs [lookups=10000000] [hosts=10000]
import { PerformanceObserver } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { RouteTable } from '../../dist/table/reader.js'
import { SmoothWRR } from '../../dist/balancer/wrr.js'

const lookups = Number(process.argv[2] ?? 10_000_000)
const hostCount = Number(process.argv[3] ?? 10_000)

const routers = {}
const services = {}
for (let i = 0; i < hostCount; i++) {
  // Every tenth host also has an /api router in front of it: rule predicates run too.
  routers[`r${i}`] = { rule: `Host(\`host${i}.example.com\`)`, service: `s${i % 100}` }
  if (i % 10 === 0) routers[`api${i}`] = { rule: `Host(\`host${i}.example.com\`) && PathPrefix(\`/api\`)`, service: `s${(i + 1) % 100}` }
}
for (let s = 0; s < 100; s++) services[`s${s}`] = { loadBalancer: { servers: [1, 2, 3].map((k) => ({ url: `http://127.0.${s}.${k}:80`, weight: k })) } }
routers.fallback = { rule: 'PathPrefix(`/`)', service: 's0', priority: 1 }

// Compiled in another thread, as pier's primary does: the compiler's own
// type feedback stays out of the reader's hot path.
const { buffer, compileMs } = await new Promise((resolve, reject) => {
  const code = `const { workerData, parentPort } = require('node:worker_threads')
    import(workerData.url).then(({ compileTable }) => {
      const t0 = performance.now()
      const { buffer } = compileTable(workerData.config, ['web'], 1)
      parentPort.postMessage({ buffer, compileMs: performance.now() - t0 })
    })`
  const url = new URL('../../dist/table/compile.js', import.meta.url).href
  const w = new Worker(code, { eval: true, workerData: { url, config: { http: { routers, services } } } })
  w.once('message', (m) => {
    resolve(m)
    w.terminate()
  })
  w.once('error', reject)
})
const t1 = performance.now()
const table = new RouteTable(buffer)
const readMs = performance.now() - t1
const wrr = new SmoothWRR()
wrr.bind(table)

// Host headers as uWS hands them over: flat strings (as decoded from the
// socket), mixed case, some with a port. Made up front.
const flat = (s) => Buffer.from(s, 'latin1').toString('latin1')
const hosts = Array.from({ length: 4096 }, (_, i) => {
  const n = (i * 7919) % hostCount
  return flat(i % 3 === 0 ? `Host${n}.Example.com:8080` : `host${n}.example.com`)
})
const paths = ['/', '/api/users', '/static/app.js', '/api']
const req = { host: '', path: '/', query: '', method: 'GET', header: () => '', clientIP: () => '127.0.0.1' }

let sink = 0
function run(n) {
  for (let i = 0; i < n; i++) {
    req.host = hosts[i & 4095]
    req.path = paths[i & 3]
    const r = table.match(req, 0)
    sink += wrr.pick(table.serviceOf(r))
  }
}

/** run() plus the handler's middleware seam: routers here have none, so the branch is never taken. */
function runSeam(n) {
  for (let i = 0; i < n; i++) {
    req.host = hosts[i & 4095]
    req.path = paths[i & 3]
    const r = table.match(req, 0)
    if (table.chainPhases(r, 0) !== 0) {
      sink--
      continue
    }
    sink += wrr.pick(table.serviceOf(r))
  }
}

/** Lookups per CPU-second and GCs over n lookups of fn. */
async function measure(fn, n) {
  let gcs = 0
  const obs = new PerformanceObserver((list) => (gcs += list.getEntries().length))
  obs.observe({ entryTypes: ['gc'] })
  const start = performance.now()
  const cpu0 = process.cpuUsage()
  fn(n)
  const ms = performance.now() - start
  const cpu = process.cpuUsage(cpu0)
  await new Promise((r) => setImmediate(r)) // let the observer deliver
  obs.disconnect()
  return { ms, perCpuS: (n / ((cpu.user + cpu.system) / 1000)) * 1000, gcs }
}

run(200_000) // warm up and let the JIT settle
runSeam(200_000)
const plain = await measure(run, lookups)
// Interleaved halves, so drift on a shared machine hits both alike.
const a = [await measure(run, lookups / 2), await measure(runSeam, lookups / 2), await measure(run, lookups / 2), await measure(runSeam, lookups / 2)]
const rate = (x) => (x.perCpuS / 1e6).toFixed(2)
const avg = (x, y) => ({ perCpuS: (x.perCpuS + y.perCpuS) / 2, gcs: x.gcs + y.gcs })
const without = avg(a[0], a[2])
const withSeam = avg(a[1], a[3])

console.log(`bench/lookup: ${hostCount} hosts, ${Object.keys(routers).length} routers, table ${(buffer.byteLength / 1024).toFixed(0)} KiB (compile ${compileMs.toFixed(1)} ms, worker read ${readMs.toFixed(1)} ms)`)
console.log(`lookups: ${lookups}  time: ${plain.ms.toFixed(0)} ms  rate: ${((lookups / plain.ms) * 1000 / 1e6).toFixed(2)} M lookups/s (${rate(plain)} M per CPU-second)  gc: ${plain.gcs}  load average: ${(await import('node:os')).loadavg()[0].toFixed(1)}  (checksum ${sink})`)
console.log(`middleware seam (routers without middlewares, interleaved halves): match + pick ${rate(without)} M/CPU-s, with the chain-phases read and branch ${rate(withSeam)} M/CPU-s (${(((withSeam.perCpuS - without.perCpuS) / without.perCpuS) * 100).toFixed(1)}%); gc: ${without.gcs} and ${withSeam.gcs}`)
