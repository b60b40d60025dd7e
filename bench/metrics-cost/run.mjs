// What metrics and the access log cost the proxy: requests/s through pier with
// Prometheus metrics + API + access log (to a file) on, against the same pier
// with all of them off. Runs alternate off/on so drift on the machine hits both.
// Placed as the scoreboard is: wrk and the backend on cpu 0, pier on the last
// cpu (with 2+ cores), wrk with 50 connections.
// Usage: node bench/metrics-cost/run.mjs [--workers=1] [--connections=50] [--duration=8] [--rounds=3]
//          [--format=common|json] [--on=metrics,accesslog]
// Prints one line per run and the median cost; target: under 5 %. Besides req/s it
// reports pier's CPU time per request (user + system, from /proc), which stays
// meaningful when other load on the machine makes req/s noisy.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, start } from '../lib/procs.mjs'
import { runWrk } from '../lib/wrk.mjs'
import { treeCpu } from '../lib/cpu.mjs'

const opt = (name, def) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def
const workers = Number(opt('workers', 1))
const connections = Number(opt('connections', 50))
const duration = Number(opt('duration', 8))
const rounds = Number(opt('rounds', 3))
const format = opt('format', 'common')
/** What "on" turns on: metrics (API + Prometheus), accesslog, or both (default). */
const parts = new Set(opt('on', 'metrics,accesslog').split(','))
const cores = availableParallelism()
const [loadCpu, pierCpu] = cores >= 2 ? ['0', String(cores - 1)] : [undefined, undefined]

const dir = mkdtempSync(join(tmpdir(), 'pier-metrics-cost-'))
const backendPort = await freePort()
const backend = start('backend', process.execPath, [fileURLToPath(new URL('../backend.mjs', import.meta.url)), String(backendPort)], { cpus: loadCpu })
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
  const pier = start('pier', process.execPath, args, { cpus: pierCpu })
  try {
    await pier.waitForOutput(/pier ready/, 30_000)
    const load = (durationS) => runWrk({ url: `http://127.0.0.1:${port}/`, host: 'bench.local', threads: 1, connections, durationS, cpus: loadCpu })
    load(2) // warm-up: JIT, pools
    const cpu0 = cpuSeconds(pier.pid)
    const r = load(duration)
    const cpuUs = ((cpuSeconds(pier.pid) - cpu0) * 1e6) / r.requests
    return { rps: r.rps, p99: r.p99, errors: r.errors, cpuUs }
  } finally {
    await pier.stop()
  }
}

/** User + system seconds of pier (every thread). */
function cpuSeconds(pid) {
  const t = treeCpu(pid)
  return t.user + t.system
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const off = []
const on = []
const cpuOff = []
const cpuOn = []
try {
  await backend.waitForOutput(/backend ready/)
  const placement = loadCpu ? `wrk + backend on cpu ${loadCpu}, pier on cpu ${pierCpu}` : 'nothing pinned (1 core)'
  console.log(`metrics-cost: workers=${workers} connections=${connections} duration=${duration}s rounds=${rounds} on=${[...parts].join('+')} accesslog=${format}; ${placement}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
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
  await backend.stop()
  rmSync(dir, { recursive: true, force: true })
}
