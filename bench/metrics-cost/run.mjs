// What metrics and the access log cost the proxy: requests/s through pier with
// Prometheus metrics + API + access log (to a file) on, against the same pier
// with all of them off. Runs alternate off/on so drift on the machine hits both.
// Usage: node bench/metrics-cost/run.mjs [--workers=1] [--connections=50] [--duration=5] [--rounds=3] [--format=common|json]
// Prints one line per run and the median cost; target: under 5 %. Besides req/s it
// reports pier's CPU time per request (from /proc), which stays meaningful when
// other load on the machine makes req/s noisy.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { freePort } from '../lib/procs.mjs'

const opt = (name, def) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def
const workers = Number(opt('workers', 1))
const connections = Number(opt('connections', 50))
const duration = Number(opt('duration', 5))
const rounds = Number(opt('rounds', 3))
const format = opt('format', 'common')
/** What "on" turns on: metrics (API + Prometheus), accesslog, or both (default). */
const parts = new Set(opt('on', 'metrics,accesslog').split(','))

const started = []
function child(args, ready) {
  const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  started.push(p)
  let out = ''
  p.stdout.on('data', (d) => (out += d))
  p.stderr.on('data', (d) => (out += d))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after 30 s: ${args.join(' ')}\n${out}`)), 30_000)
    const check = () => {
      if (ready.test(out)) {
        clearTimeout(timer)
        resolve(p)
      }
    }
    p.stdout.on('data', check)
    p.stderr.on('data', check)
    p.once('exit', (code) => reject(new Error(`exited ${code} before ready: ${args.join(' ')}\n${out}`)))
  })
}
const stop = async (p) => {
  if (p.exitCode !== null || p.signalCode !== null) return
  const exited = new Promise((r) => p.once('exit', r))
  p.kill('SIGTERM')
  await exited
}

const dir = mkdtempSync(join(tmpdir(), 'pier-metrics-cost-'))
const backendPort = await freePort()
const backend = await child([fileURLToPath(new URL('../backend.mjs', import.meta.url)), String(backendPort)], /backend ready/)
const routes = join(dir, 'routes.yml')
writeFileSync(routes, JSON.stringify({ http: { routers: { b: { rule: 'Host(`bench.local`)', service: 'b' } }, services: { b: { loadBalancer: { servers: [{ url: `http://127.0.0.1:${backendPort}` }] } } } } }))
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))
const accessLog = join(dir, 'access.log')

async function measure(on) {
  const port = await freePort()
  const args = [cli, `--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, '--providers.file.watch=false', `--workers=${workers}`, '--log.level=INFO']
  if (on) {
    const apiPort = await freePort()
    if (parts.has('metrics')) args.push(`--entrypoints.traefik.address=127.0.0.1:${apiPort}`, '--api.insecure=true', '--metrics.prometheus=true')
    if (parts.has('accesslog')) args.push('--accesslog=true', `--accesslog.filepath=${accessLog}`, `--accesslog.format=${format}`)
  }
  const pier = await child(args, /pier ready/)
  try {
    const url = `http://127.0.0.1:${port}/`
    await autocannon({ url, headers: { host: 'bench.local' }, connections, duration: 1 }) // warm-up: JIT, pools
    const cpu0 = cpuSeconds(pier.pid)
    const r = await autocannon({ url, headers: { host: 'bench.local' }, connections, duration })
    const cpuUs = ((cpuSeconds(pier.pid) - cpu0) * 1e6) / r.requests.total
    return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx, total: r.requests.total, cpuUs }
  } finally {
    await stop(pier)
  }
}

/** utime + stime of a process (every thread), in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) / 100 // fields 14 and 15, in clock ticks (USER_HZ 100)
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const off = []
const on = []
const cpuOff = []
const cpuOn = []
try {
  console.log(`metrics-cost: workers=${workers} connections=${connections} duration=${duration}s rounds=${rounds} on=${[...parts].join('+')} accesslog=${format}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
  for (let i = 0; i < rounds; i++) {
    for (const state of [false, true]) {
      rmSync(accessLog, { force: true })
      const r = await measure(state)
      ;(state ? on : off).push(r.rps)
      ;(state ? cpuOn : cpuOff).push(r.cpuUs)
      let extra = ''
      if (state && parts.has('accesslog')) {
        const lines = readFileSync(accessLog, 'utf8').split('\n').length - 1
        extra = `   access log: ${lines} lines`
      }
      console.log(`round ${i + 1} ${state ? 'on ' : 'off'} ${String(Math.round(r.rps)).padStart(8)} req/s   pier CPU ${r.cpuUs.toFixed(1)} µs/request   p99 ${r.p99} ms   errors ${r.errors}${extra}`)
    }
  }
  const a = median(off)
  const b = median(on)
  console.log(`median off ${Math.round(a)} req/s, on ${Math.round(b)} req/s: cost ${(((a - b) / a) * 100).toFixed(1)} % (target < 5 %)`)
  const ca = median(cpuOff)
  const cb = median(cpuOn)
  console.log(`median pier CPU off ${ca.toFixed(1)} µs/request, on ${cb.toFixed(1)} µs/request: cost ${(((cb - ca) / ca) * 100).toFixed(1)} %`)
} finally {
  await Promise.all(started.map(stop))
  rmSync(dir, { recursive: true, force: true })
  void backend
}
