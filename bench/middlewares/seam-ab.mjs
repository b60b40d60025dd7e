// Before/after of the scoreboard scene (rr-2, no middlewares, wrk -t1 -c50)
// for pier built from another revision (default: main) and this checkout,
// in one run, interleaved: what the middleware seam costs a router without
// middlewares. Each pier is one worker thread pinned to the upper core, wrk
// and the backend to the lower one (as bench/run.mjs --pin does). CPU per
// request from /proc: the steadier figure on a shared machine.
// Usage: node bench/middlewares/seam-ab.mjs [rev=main] [repeats=3] [seconds=8]
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, symlinkSync } from 'node:fs'
import { tmpdir, availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { start, freePort } from '../lib/procs.mjs'
import { runWrk } from '../lib/wrk.mjs'
import { treeCpu, perRequestUs } from '../lib/cpu.mjs'
import { waitHttpOk } from '../lib/targets.mjs'

const [rev = 'main', repeatsArg = '3', secondsArg = '8'] = process.argv.slice(2)
const repeats = Number(repeatsArg)
const seconds = Number(secondsArg)
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const cores = availableParallelism()
const [low, high] = cores >= 2 ? ['0', String(cores - 1)] : [undefined, undefined]

// The other revision, built beside this checkout's node_modules.
const before = mkdtempSync(join(tmpdir(), 'pier-before-'))
const commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', rev], { encoding: 'utf8' }).trim()
const head = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
execFileSync('sh', ['-c', `git -C "${ROOT}" archive ${commit} | tar -x -C "${before}"`])
symlinkSync(join(ROOT, 'node_modules'), join(before, 'node_modules'))
execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', before], { stdio: 'inherit' })

const ports = [await freePort(), await freePort()]
const backend = start('backend', process.execPath, [join(ROOT, 'bench/backend.mjs'), ports.join(',')], { cpus: low })
await backend.waitForOutput(/backend ready/)
const routes = join(before, 'routes.yml')
writeFileSync(routes, `http:
  routers:
    r0: { rule: "Host(\`bench.local\`)", service: svc0, entryPoints: [web] }
  services:
    svc0: { loadBalancer: { servers: [{ url: "http://127.0.0.1:${ports[0]}" }, { url: "http://127.0.0.1:${ports[1]}" }] } }
`)
const piers = []
for (const [name, dir] of [[`before (${commit})`, before], [`after (${head})`, ROOT]]) {
  const port = await freePort()
  const p = start(name, process.execPath, [join(dir, 'dist/cli.js'), `--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, '--providers.file.watch=false', '--workers=1'], { cpus: high })
  await p.waitForOutput(/pier ready/)
  await waitHttpOk(port, 'bench.local', 15000, p)
  piers.push({ name, port, p, runs: [] })
}
for (const x of piers) runWrk({ url: `http://127.0.0.1:${x.port}/`, threads: 1, connections: 50, durationS: 2, cpus: low, host: 'bench.local' })
for (let r = 0; r < repeats; r++) {
  for (const x of r % 2 ? [...piers].reverse() : piers) {
    const c0 = treeCpu(x.p.pid)
    const w = runWrk({ url: `http://127.0.0.1:${x.port}/`, threads: 1, connections: 50, durationS: seconds, cpus: low, host: 'bench.local' })
    const c1 = treeCpu(x.p.pid)
    x.runs.push({ rps: w.rps, p99: w.p99, cpu: perRequestUs({ user: c1.user - c0.user, system: c1.system - c0.system }, w.requests) })
  }
}
for (const x of piers) await x.p.stop()
await backend.stop()

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
console.log(`bench/middlewares/seam-ab: rr-2, no middlewares, wrk -t1 -c50 ${seconds} s x ${repeats} interleaved, pier --workers=1 on cpu ${high ?? 'any'}, wrk and backend on cpu ${low ?? 'any'}; shared machine (load average ${loadavg()[0].toFixed(1)})`)
console.log('| pier | req/s (median, min-max) | p99 ms | CPU µs per request (user + system) |')
console.log('|---|---:|---:|---:|')
for (const x of piers) {
  const rps = x.runs.map((r) => r.rps)
  const cpu = median(x.runs.map((r) => r.cpu.total))
  const user = median(x.runs.map((r) => r.cpu.user))
  console.log(`| ${x.name} | ${median(rps).toFixed(0)} (${Math.min(...rps).toFixed(0)}-${Math.max(...rps).toFixed(0)}) | ${median(x.runs.map((r) => r.p99)).toFixed(2)} | ${cpu.toFixed(1)} (${user.toFixed(1)} user) |`)
}
