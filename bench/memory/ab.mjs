// Idle RSS of pier builds side by side (old against new on a shared machine):
// every round starts each build (file provider, one router, --workers), sends
// one request through it, waits --settle seconds (V8's memory reducer shrinks
// an idle heap 8-16 s after it goes quiet) and reads its RSS, anon and file
// pages from /proc. The builds of one round run at the same time, started in
// a rotating order; the figure per build is the median over rounds.
//   usage: node bench/memory/ab.mjs [--rounds=3] [--workers=2] [--settle=30]
//          [--env.LABEL=VAR=value,...] LABEL=path/to/cli.js...
//   e.g.   node bench/memory/ab.mjs old=/tmp/old/dist/cli.js new=dist/cli.js
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { rss, probe, writeRoutes } from './proc.mjs'
import { start, sleep, freePort } from '../lib/procs.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const args = process.argv.slice(2)
const opts = Object.fromEntries(args.filter((a) => a.startsWith('--')).map((a) => [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]))
const builds = args.filter((a) => !a.startsWith('--')).map((a) => ({ label: a.slice(0, a.indexOf('=')), cli: resolve(a.slice(a.indexOf('=') + 1)) }))
const rounds = Number(opts.rounds ?? 3)
const workers = Number(opts.workers ?? 2)
const settleS = Number(opts.settle ?? 30)
if (builds.length === 0 || builds.some((b) => !/^[\w-]+$/.test(b.label)) || !(rounds >= 1) || !(workers >= 1) || !(settleS >= 0)) {
  console.error('usage: node bench/memory/ab.mjs [--rounds=3] [--workers=2] [--settle=30] [--env.LABEL=VAR=value,...] LABEL=path/to/cli.js...')
  process.exit(2)
}
for (const b of builds) {
  const spec = opts[`env.${b.label}`]
  b.env = spec ? Object.fromEntries(spec.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) : {}
  b.runs = []
}

async function run(b, dir, backendPort) {
  const port = await freePort()
  const routes = join(dir, `${b.label}.yml`)
  writeRoutes(routes, backendPort)
  const pier = start(b.label, process.execPath, [b.cli, `--entryPoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, `--workers=${workers}`, '--log.level=INFO'], { env: b.env })
  try {
    await pier.waitForOutput(/pier ready/, 30_000)
    for (const deadline = Date.now() + 30_000; (await probe(port)) !== 200; await sleep(200)) {
      if (!pier.alive() || Date.now() > deadline) throw new Error(`${b.label} never proxied a request:\n${pier.output().slice(-2000)}`)
    }
    await sleep(settleS * 1000)
    return rss(pier.pid)
  } finally {
    await pier.stop(5000)
  }
}

const dir = mkdtempSync(join(tmpdir(), 'pier-rss-ab-'))
const backendPort = await freePort()
const backend = start('backend', process.execPath, [join(ROOT, 'bench/backend.mjs'), String(backendPort)])
try {
  await backend.waitForOutput(/backend ready/)
  for (let r = 0; r < rounds; r++) {
    const order = builds.map((_, i) => builds[(i + r) % builds.length])
    const results = await Promise.all(order.map(async (b, i) => (await sleep(i * 300), run(b, dir, backendPort))))
    order.forEach((b, i) => b.runs.push(results[i]))
    console.log(`round ${r + 1}: ${order.map((b, i) => `${b.label} ${results[i].total.toFixed(1)}`).join(', ')} MB`)
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  console.log(`idle RSS (MB) with ${workers} workers, ${settleS} s after one request; median of ${rounds} rounds (all runs)`)
  for (const b of builds) {
    const t = b.runs.map((x) => x.total)
    console.log(`${b.label.padEnd(12)} ${median(t).toFixed(1).padStart(6)}  (anon ${median(b.runs.map((x) => x.anon)).toFixed(1)} + file ${median(b.runs.map((x) => x.file)).toFixed(1)})  runs ${t.map((x) => x.toFixed(1)).join(' ')}`)
  }
} finally {
  await backend.stop()
  rmSync(dir, { recursive: true, force: true })
}
