// pier's resident memory on a small board: RSS with 1, 2 and 4 workers, with
// the file provider and with file + Docker providers (as on a Pi: the engine
// on /var/run/docker.sock, with a constraint no container matches). pier is
// one process (workers are threads), so its RSS is the whole figure.
//   start  3 s after the first proxied request
//   idle   --settle seconds later: V8 shrinks an idle isolate's heap only
//          8-16 s after it goes quiet (its memory reducer), so `start` is a
//          transient and `idle` the figure a board sees; anon + file split
//          (file: pages of the node binary and libraries, shared with any
//          other node process and dropped first under memory pressure)
//   load   peak under autocannon load
//   after  --settle seconds after the load: idle once warmed up
// Run natively, or under armhf emulation with
//   scripts/armhf-run.sh node bench/memory/rss.mjs
// (there the RSS includes qemu's own memory and code cache: an upper bound
// for a real Pi). Target: idle RSS with 2 workers under 70 MB.
//   usage: node bench/memory/rss.mjs [--workers=1,2,4] [--providers=file,docker]
//          [--seconds=5] [--connections=50] [--settle=30]
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { rss, probe, writeRoutes } from './proc.mjs'
import autocannon from 'autocannon'
import { start, sleep, rssSampler, freePort } from '../lib/procs.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TARGET_IDLE_2W_MB = 70
const DOCKER_SOCKET = '/var/run/docker.sock'

const opts = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')))
const workerCounts = (opts.workers ?? '1,2,4').split(',').map(Number)
const providerSets = (opts.providers ?? 'file,docker').split(',')
const seconds = Number(opts.seconds ?? 5)
const connections = Number(opts.connections ?? 50)
const settleS = Number(opts.settle ?? 30)
// Under emulation everything is 10-50x slower; give startup room.
const startupMs = Number(opts['startup-ms'] ?? (process.arch === 'arm' ? 240_000 : 30_000))
if (
  workerCounts.some((n) => !Number.isInteger(n) || n < 1) ||
  providerSets.some((p) => p !== 'file' && p !== 'docker') ||
  !(seconds > 0 && seconds <= 60) ||
  !(connections >= 1 && connections <= 1000) ||
  !(settleS >= 0 && settleS <= 300)
) {
  console.error('usage: node bench/memory/rss.mjs [--workers=1,2,4] [--providers=file,docker] [--seconds=1..60] [--connections=1..1000] [--settle=0..300]')
  process.exit(2)
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

async function measure(workers, providers, backendPort, dir) {
  const port = await freePort()
  const routes = join(dir, `routes-${workers}.yml`)
  writeRoutes(routes, backendPort)
  const pier = start(`pier-${workers}w`, process.execPath, [
    join(ROOT, 'dist/cli.js'), `--entryPoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, `--workers=${workers}`, '--log.level=INFO',
    ...(providers === 'docker' ? ['--providers.docker=true', '--providers.docker.constraints=Label(`pier.bench.memory`,`none`)'] : []),
  ])
  try {
    await pier.waitForOutput(/pier ready/, startupMs)
    const url = `http://127.0.0.1:${port}/`
    for (const deadline = Date.now() + startupMs; ; ) {
      if ((await probe(port)) === 200) break
      if (!pier.alive() || Date.now() > deadline) throw new Error(`pier with ${workers} workers never proxied a request:\n${pier.output().slice(-2000)}`)
      await sleep(200)
    }
    await sleep(3000)
    const startMB = rss(pier.pid).total
    await sleep(settleS * 1000)
    const idle = rss(pier.pid)
    const peak = rssSampler(pier.pid, 100)
    const r = await load(url, seconds, connections * seconds * 20_000)
    const loaded = peak()
    await sleep(settleS * 1000)
    const after = rss(pier.pid).total
    return { workers, providers, startMB, idleMB: idle.total, idleAnonMB: idle.anon, idleFileMB: idle.file, loadMB: loaded, afterMB: after, rps: r.rps, ok: r.ok, bad: r.bad }
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
  for (const p of providerSets) {
    if (p === 'docker' && !existsSync(DOCKER_SOCKET)) {
      console.log(`providers file + docker: skipped (no engine at ${DOCKER_SOCKET})`)
      continue
    }
    for (const w of workerCounts) rows.push(await measure(w, p, backendPort, dir))
  }
  const f = (x) => x.toFixed(1).padStart(8)
  console.log(`pier RSS (MB), arch=${process.arch} node=${process.version}; idle and after: ${settleS} s quiet; load: ${connections} connections for ${seconds}s`)
  console.log('providers      workers    start     idle   (anon  + file)     load    after     req/s   errors')
  for (const r of rows) {
    const name = r.providers === 'docker' ? 'file + docker' : 'file'
    console.log(`${name.padEnd(14)} ${String(r.workers).padStart(7)} ${f(r.startMB)} ${f(r.idleMB)}   (${r.idleAnonMB.toFixed(1).padStart(4)} + ${r.idleFileMB.toFixed(1).padStart(4)}) ${f(r.loadMB)} ${f(r.afterMB)} ${r.rps.toFixed(0).padStart(9)} ${String(r.bad).padStart(8)}`)
  }
  for (const r of rows.filter((r) => r.workers === 2)) {
    const name = r.providers === 'docker' ? 'file + docker' : 'file'
    console.log(`idle RSS with 2 workers, ${name}: ${r.idleMB.toFixed(1)} MB (target < ${TARGET_IDLE_2W_MB} MB: ${r.idleMB < TARGET_IDLE_2W_MB ? 'met' : 'MISSED'})`)
  }
  console.log(JSON.stringify({ arch: process.arch, node: process.version, connections, seconds, settleS, rows }))
} finally {
  await backend.stop()
  rmSync(dir, { recursive: true, force: true })
}
