// What metrics and the access log cost the proxy: requests/s through pier with
// Prometheus metrics + API + access log (to a file) on, against the same pier
// with all of them off. Runs alternate off/on so drift on the machine hits both.
// Placed as the scoreboard is: wrk and the backend on cpu 0, pier on the last
// cpu (with 2+ cores), wrk with 50 connections.
// Usage: node bench/metrics-cost/run.mjs [--workers=1] [--connections=50] [--duration=8] [--rounds=3]
//          [--format=common|json] [--on=metrics,accesslog] [--against=DIR] [--together]
// --against=DIR (another build's dist, e.g. main's, compiled with `npx tsc -p . --outDir dist-old`)
// adds a third run to every round: on, with that build, so old and new are measured interleaved.
// --together runs a round's piers at the same time instead of one after the other, each with its
// own wrk (the same connections), all pinned as above: load from other work on the machine then
// falls on all of them alike, which one-after-the-other runs on a shared machine cannot promise.
// Prints one line per run and the median cost; target: under 5 %. Besides req/s it
// reports pier's CPU time per request (user + system, from /proc), which stays
// meaningful when other load on the machine makes req/s noisy.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, start } from '../lib/procs.mjs'
import { runWrkAsync } from '../lib/wrk.mjs'
import { treeCpu } from '../lib/cpu.mjs'

const opt = (name, def) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def
const workers = Number(opt('workers', 1))
const connections = Number(opt('connections', 50))
const duration = Number(opt('duration', 8))
const rounds = Number(opt('rounds', 3))
const format = opt('format', 'common')
const together = process.argv.includes('--together')
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
const against = opt('against', '')

/** The runs of a round: off, on with --against's build (old), on with this build. */
const variants = [
  { name: 'off', on: false, build: cli },
  ...(against ? [{ name: 'old', on: true, build: join(against, 'cli.js') }] : []),
  { name: 'on', on: true, build: cli },
].map((v) => ({ ...v, accessLog: join(dir, `access-${v.name}.log`), rps: [], cpu: [] }))

async function launch(v) {
  const port = await freePort()
  const args = [v.build, `--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, '--providers.file.watch=false', `--workers=${workers}`, '--log.level=INFO']
  if (v.on) {
    const apiPort = await freePort()
    if (parts.has('metrics')) args.push(`--entrypoints.traefik.address=127.0.0.1:${apiPort}`, '--api.insecure=true', '--metrics.prometheus=true')
    if (parts.has('accesslog')) args.push('--accesslog=true', `--accesslog.filepath=${v.accessLog}`, `--accesslog.format=${format}`)
  }
  rmSync(v.accessLog, { force: true })
  const pier = start('pier', process.execPath, args, { cpus: pierCpu })
  await pier.waitForOutput(/pier ready/, 30_000)
  const load = (durationS) => runWrkAsync({ url: `http://127.0.0.1:${port}/`, host: 'bench.local', threads: 1, connections, durationS, cpus: loadCpu })
  return { pier, load }
}

/** Warm-up (JIT, pools), then pier's CPU over one measured load of each run, side by side or in turn. */
async function round(vs) {
  const running = []
  try {
    for (const v of vs) running.push(await launch(v))
    await Promise.all(running.map((r) => r.load(2)))
    const measure = async (r) => {
      const cpu0 = cpuSeconds(r.pier.pid)
      const w = await r.load(duration)
      return { ...w, cpuUs: ((cpuSeconds(r.pier.pid) - cpu0) * 1e6) / w.requests }
    }
    return await Promise.all(running.map(measure))
  } finally {
    await Promise.all(running.map((r) => r.pier.stop()))
  }
}

/** User + system seconds of pier (every thread). */
function cpuSeconds(pid) {
  const t = treeCpu(pid)
  return t.user + t.system
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
try {
  await backend.waitForOutput(/backend ready/)
  const placement = loadCpu ? `wrk + backend on cpu ${loadCpu}, pier on cpu ${pierCpu}` : 'nothing pinned (1 core)'
  console.log(`metrics-cost: workers=${workers} connections=${connections} duration=${duration}s rounds=${rounds} on=${[...parts].join('+')} accesslog=${format}${together ? ' together' : ''}; ${placement}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
  for (let i = 0; i < rounds; i++) {
    // One after the other, the order turns each round, so no run always follows the same one.
    const order = together ? [variants] : variants.map((_, k) => variants[(k + i) % variants.length]).map((v) => [v])
    for (const group of order) {
      const results = await round(group)
      group.forEach((v, k) => {
        const r = results[k]
        v.rps.push(r.rps)
        v.cpu.push(r.cpuUs)
        let extra = ''
        if (v.on && parts.has('accesslog')) extra = `   access log: ${readFileSync(v.accessLog, 'utf8').split('\n').length - 1} lines`
        console.log(`round ${i + 1} ${v.name.padEnd(3)} ${String(Math.round(r.rps)).padStart(8)} req/s   pier CPU ${r.cpuUs.toFixed(1)} µs/request   p99 ${r.p99} ms   errors ${r.errors}${extra}`)
      })
    }
  }
  const [off, ...ons] = variants
  const a = median(off.rps)
  const ca = median(off.cpu)
  for (const v of ons) {
    const b = median(v.rps)
    const cb = median(v.cpu)
    const label = v.name === 'old' ? `on with ${against}` : 'on'
    console.log(`median ${label}: ${Math.round(b)} req/s vs off ${Math.round(a)}: cost ${(((a - b) / a) * 100).toFixed(1)} %; pier CPU ${cb.toFixed(1)} µs/request vs off ${ca.toFixed(1)}: cost ${(((cb - ca) / ca) * 100).toFixed(1)} % (target < 5 %)`)
  }
  console.log(`load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
} finally {
  await backend.stop()
  rmSync(dir, { recursive: true, force: true })
}
