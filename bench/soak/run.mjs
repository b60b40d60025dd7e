// Soak: pier under steady load for a long time while its configuration
// changes every few seconds. Each minute it prints pier's RSS, the load's
// requests/s, p99 and errors; at the end, whether RSS stayed flat (last
// minute vs the second, after warm-up) and the error total. Target: flat
// RSS, zero errors.
//   usage: node bench/soak/run.mjs [--minutes=30] [--connections=20]
//          [--change-every=3] [--workers=2]
// The load is autocannon, one run per minute (so each minute has its own
// p99); the configuration change rewrites the file provider's routes:
// another extra router, and the service's servers alternating between two
// sets of the three backend ports. pier runs with --trace-gc: each minute
// also shows the live heap after the last full collection of every thread
// (the primary and each worker), which tells a leak (it grows) from V8 and
// the allocator keeping memory they may reuse (RSS grows, the heaps do not).
import { writeFileSync, renameSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { start, treeRssMB, freePort, sleep } from '../lib/procs.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const opts = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')))
const minutes = Number(opts.minutes ?? 30)
const connections = Number(opts.connections ?? 20)
const changeEveryS = Number(opts['change-every'] ?? 3)
const workers = Number(opts.workers ?? 2)
if (![minutes, connections, changeEveryS, workers].every((n) => Number.isFinite(n) && n > 0)) {
  console.error('usage: node bench/soak/run.mjs [--minutes=30] [--connections=20] [--change-every=3] [--workers=2]')
  process.exit(2)
}

/**
 * From --trace-gc lines ("[pid:0xISOLATE:...] ... Mark-Compact 40.1 (52.3) -> 31.2 (50.1) MB ..."):
 * the heap after each isolate's last full collection, in MB.
 */
function liveHeaps(output) {
  const last = new Map()
  for (const m of output.matchAll(/\[\d+:(0x[0-9a-f]+)\][^\n]*?Mark-Compact[^\n]*?-> ([\d.]+) \(/g)) last.set(m[1], m[2])
  return [...last.values()].join(' / ') || '-'
}

const dir = mkdtempSync(join(tmpdir(), 'pier-soak-'))
const routes = join(dir, 'routes.yml')
const ports = [await freePort(), await freePort(), await freePort()]
let version = 0
function writeRoutes() {
  version++
  const servers = (version % 2 ? ports.slice(0, 2) : ports.slice(1)).map((p) => `{ url: "http://127.0.0.1:${p}" }`).join(', ')
  writeFileSync(`${routes}.tmp`, `http:
  routers:
    soak: { rule: "Host(\`soak.localhost\`)", service: soak }
    extra${version}: { rule: "Host(\`extra${version}.localhost\`)", service: soak }
  services:
    soak: { loadBalancer: { servers: [${servers}] } }
`)
  renameSync(`${routes}.tmp`, routes)
}

const backend = start('backend', process.execPath, [join(ROOT, 'bench/backend.mjs'), ports.join(',')])
writeRoutes()
const web = await freePort()
const pier = start('pier', process.execPath, ['--trace-gc', '--trace-gc-ignore-scavenger', join(ROOT, 'dist/cli.js'), `--entrypoints.web.address=127.0.0.1:${web}`, `--providers.file.filename=${routes}`, `--workers=${workers}`])
const stop = async () => {
  clearInterval(changer)
  await pier.stop(15000)
  await backend.stop()
  rmSync(dir, { recursive: true, force: true })
}
let changer
try {
  await backend.waitForOutput(/backend ready/)
  await pier.waitForOutput(/pier ready/, 30000)
  changer = setInterval(writeRoutes, changeEveryS * 1000)
  console.log(`soak: ${minutes} min, ${connections} connections, a configuration change every ${changeEveryS} s, ${workers} workers, node ${process.version}`)
  console.log('minute  rss_MB  req/s    p99_ms  errors  non2xx  configs  heaps_after_full_gc_MB')
  const rows = []
  for (let m = 1; m <= minutes; m++) {
    const r = await new Promise((resolve, reject) =>
      autocannon({ url: `http://127.0.0.1:${web}/`, connections, duration: 60, headers: { host: 'soak.localhost' }, timeout: 10 }, (err, res) => (err ? reject(err) : resolve(res))),
    )
    const row = { minute: m, rssMB: treeRssMB(pier.pid), rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, configs: version }
    rows.push(row)
    row.heaps = liveHeaps(pier.output())
    console.log(`${String(m).padStart(6)}  ${row.rssMB.toFixed(1).padStart(6)}  ${String(Math.round(row.rps)).padStart(6)}  ${String(row.p99).padStart(7)}  ${String(row.errors).padStart(6)}  ${String(row.non2xx).padStart(6)}  ${String(row.configs).padStart(7)}  ${row.heaps}`)
    if (!pier.alive()) throw new Error(`pier exited during the soak:\n${pier.output().slice(-2000)}`)
  }
  await sleep(100)
  const errors = rows.reduce((n, r) => n + r.errors + r.non2xx, 0)
  const base = rows[Math.min(1, rows.length - 1)].rssMB
  const last = rows[rows.length - 1].rssMB
  console.log(`RSS minute ${Math.min(2, rows.length)} ${base.toFixed(1)} MB -> last ${last.toFixed(1)} MB (${(last - base >= 0 ? '+' : '') + (last - base).toFixed(1)} MB); max ${Math.max(...rows.map((r) => r.rssMB)).toFixed(1)} MB`)
  console.log(`errors and non-2xx responses: ${errors}; configurations applied: ${version}`)
} finally {
  await stop()
}
