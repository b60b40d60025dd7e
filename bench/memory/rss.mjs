// pier's resident memory on a small board: idle RSS and peak RSS under load
// with 1, 2 and 4 workers. pier is one process (workers are threads), so its
// RSS is the whole figure. Run natively, or under armhf emulation with
//   scripts/armhf-run.sh node bench/memory/rss.mjs
// (there the RSS includes qemu's own memory and code cache: an upper bound for
// a real Pi). Target: idle RSS with 2 workers under 80 MB.
// --docker also runs the Docker provider (as on a Pi: the engine on
// /var/run/docker.sock), with a constraint no container matches.
//   usage: node bench/memory/rss.mjs [--workers=1,2,4] [--seconds=5] [--connections=50] [--docker]
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { get } from 'node:http'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { start, sleep, treeRssMB, rssSampler } from '../lib/procs.mjs'
import { freePort } from '../lib/procs.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TARGET_IDLE_2W_MB = 80

const opts = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')))
const workerCounts = (opts.workers ?? '1,2,4').split(',').map(Number)
const seconds = Number(opts.seconds ?? 5)
const connections = Number(opts.connections ?? 50)
const withDocker = 'docker' in opts
// Under emulation everything is 10-50x slower; give startup room.
const startupMs = Number(opts['startup-ms'] ?? (process.arch === 'arm' ? 240_000 : 30_000))
if (workerCounts.some((n) => !Number.isInteger(n) || n < 1) || !(seconds > 0 && seconds <= 60) || !(connections >= 1 && connections <= 1000)) {
  console.error('usage: node bench/memory/rss.mjs [--workers=1,2,4] [--seconds=1..60] [--connections=1..1000]')
  process.exit(2)
}


function probe(port) {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/', headers: { host: 'mem.localhost' }, timeout: 5000 }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(0))
  })
}

/** Load for durationS seconds, stopped early after maxRequests responses. */
function load(url, durationS, maxRequests) {
  return new Promise((resolve, reject) => {
    const inst = autocannon({ url, connections, duration: durationS, headers: { host: 'mem.localhost' }, timeout: 10 }, (err, r) =>
      err ? reject(err) : resolve({ ok: r['2xx'], bad: r.non2xx + r.errors + r.timeouts, rps: r['2xx'] / r.duration }),
    )
    let n = 0
    inst.on('response', () => {
      if (++n === maxRequests) inst.stop()
    })
  })
}

async function measure(workers, backendPort, dir) {
  const port = await freePort()
  const routes = join(dir, `routes-${workers}.yml`)
  writeFileSync(routes, `http:
  routers:
    mem:
      rule: Host(\`mem.localhost\`)
      service: mem
  services:
    mem:
      loadBalancer:
        servers:
          - url: http://127.0.0.1:${backendPort}
`)
  const pier = start(`pier-${workers}w`, process.execPath, [
    join(ROOT, 'dist/cli.js'), `--entryPoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, `--workers=${workers}`, '--log.level=INFO',
    ...(withDocker ? ['--providers.docker=true', '--providers.docker.constraints=Label(`pier.bench.memory`,`none`)'] : []),
  ])
  try {
    await pier.waitForOutput(/pier ready/, startupMs)
    const url = `http://127.0.0.1:${port}/`
    for (const deadline = Date.now() + startupMs; ; ) {
      if ((await probe(port)) === 200) break
      if (!pier.alive() || Date.now() > deadline) throw new Error(`pier with ${workers} workers never proxied a request:\n${pier.output().slice(-2000)}`)
      await sleep(200)
    }
    await sleep(3000) // let startup garbage settle
    const idle = treeRssMB(pier.pid)
    const peak = rssSampler(pier.pid, 100)
    const r = await load(url, seconds, connections * seconds * 20_000)
    const loaded = peak()
    await sleep(2000)
    const after = treeRssMB(pier.pid)
    return { workers, idleMB: idle, loadMB: loaded, afterMB: after, rps: r.rps, ok: r.ok, bad: r.bad }
  } finally {
    await pier.stop(5000)
  }
}

const dir = mkdtempSync(join(tmpdir(), 'pier-rss-'))
const backendPort = await freePort()
const backend = start('backend', process.execPath, [join(ROOT, 'bench/backend.mjs'), String(backendPort)])
try {
  await backend.waitForOutput(/backend ready/, startupMs)
  const rows = []
  for (const w of workerCounts) rows.push(await measure(w, backendPort, dir))
  const f = (x) => x.toFixed(1).padStart(8)
  console.log(`pier RSS, arch=${process.arch} node=${process.version}, providers: file${withDocker ? ' + docker' : ''}, load: ${connections} connections for ${seconds}s`)
  console.log('workers  idle MB  load MB  after MB     req/s   errors')
  for (const r of rows) console.log(`${String(r.workers).padStart(7)} ${f(r.idleMB)} ${f(r.loadMB)} ${f(r.afterMB)} ${r.rps.toFixed(0).padStart(9)} ${String(r.bad).padStart(8)}`)
  const two = rows.find((r) => r.workers === 2)
  if (two) console.log(`idle RSS with 2 workers: ${two.idleMB.toFixed(1)} MB (target < ${TARGET_IDLE_2W_MB} MB: ${two.idleMB < TARGET_IDLE_2W_MB ? 'met' : 'MISSED'})`)
  console.log(JSON.stringify({ arch: process.arch, node: process.version, docker: withDocker, connections, seconds, rows }))
} finally {
  await backend.stop()
  rmSync(dir, { recursive: true, force: true })
}
