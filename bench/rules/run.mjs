// Compiled rule evaluation on one core: evaluations per second for
// representative rules, and the number of garbage collections during each
// run (the compiled predicates should allocate nothing, so: zero). Rates are
// given per wall-clock second and per second of this process's CPU time, the
// latter being steadier on a shared, loaded machine.
// Build first (npx tsc -p .). Usage: node bench/rules/run.mjs [evaluations=10000000]
import os from 'node:os'
import { PerformanceObserver } from 'node:perf_hooks'
import { compileRule, parseRule } from '../../dist/rules/index.js'

const evaluations = Number(process.argv[2] ?? 10_000_000)

// Strings as uWS hands them over: flat (decoded from socket bytes), made up front.
const flat = (s) => Buffer.from(s, 'latin1').toString('latin1')
const requests = [
  { host: 'api.example.com', path: '/api/v1/users', query: 'page=2&mobile=true', method: 'GET', headers: { 'x-env': 'prod', 'content-type': 'application/json' }, ip: '10.1.2.3' },
  { host: 'API.Example.com:8443', path: '/static/app.js', query: '', method: 'POST', headers: { 'x-env': 'dev' }, ip: '::ffff:192.168.1.20' },
  { host: 'www.example.org', path: '/api', query: 'q=a+b%20c', method: 'PUT', headers: {}, ip: '2001:db8::7' },
  { host: 'shop.example.com.', path: '/cart/42', query: 'mobile=false', method: 'DELETE', headers: { 'content-type': 'text/html' }, ip: '203.0.113.9' },
].map((r) => {
  const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, flat(v)]))
  const ip = flat(r.ip)
  return {
    host: flat(r.host), path: flat(r.path), query: flat(r.query), method: flat(r.method),
    header: (name) => headers[name] ?? '',
    clientIP: () => ip,
  }
})

const rules = [
  'Host(`api.example.com`)',
  'Host(`api.example.com`) && PathPrefix(`/api`)',
  'Host(`a.example.com`, `b.example.com`, `api.example.com`, `shop.example.com`)',
  'HostRegexp(`{sub:[a-z]+}.example.com`) && !Path(`/health`)',
  'HostRegexp(`^(api|www)\\.example\\.(com|org)$`)',
  'PathRegexp(`^/api/v[0-9]+/`) || Method(`POST`, `PUT`)',
  'Header(`X-Env`, `prod`) && HeaderRegexp(`Content-Type`, `^application/json`)',
  'Query(`mobile`, `true`) || Query(`q`, `a b c`)',
  'ClientIP(`10.0.0.0/8`, `192.168.0.0/16`, `2001:db8::/32`)',
  '(Host(`api.example.com`) || Host(`www.example.org`)) && (PathPrefix(`/api`) || Path(`/cart/42`)) && !Method(`DELETE`)',
]

function bench(fn, n) {
  let hits = 0
  for (let i = 0; i < n; i++) if (fn(requests[i & 3])) hits++
  return hits
}

let gcs = 0
const obs = new PerformanceObserver((list) => (gcs += list.getEntries().length))
obs.observe({ entryTypes: ['gc'] })
const settle = () => new Promise((r) => setImmediate(r)) // let the observer deliver

console.log(`node ${process.version}, ${evaluations.toLocaleString('en')} evaluations per rule, load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores`)
let totalGcs = 0
for (const rule of rules) {
  const fn = compileRule(parseRule(rule))
  bench(fn, 2_000_000) // warm up and let the JIT settle
  await settle()
  gcs = 0
  const start = performance.now()
  const cpu0 = process.cpuUsage()
  const hits = bench(fn, evaluations)
  const cpu = process.cpuUsage(cpu0)
  const ms = performance.now() - start
  const cpuMs = (cpu.user + cpu.system) / 1000
  await settle()
  totalGcs += gcs
  const rate = (n) => ((evaluations / n) * 1000 / 1e6).toFixed(1).padStart(6)
  console.log(`${rate(ms)} M/s ${rate(cpuMs)} M/cpu-s  gc=${gcs}  hits=${((hits / evaluations) * 100).toFixed(0).padStart(3)}%  ${rule}`)
}
obs.disconnect()
console.log(`garbage collections during ${(evaluations * rules.length).toLocaleString('en')} evaluations: ${totalGcs}`)
