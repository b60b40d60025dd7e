// Many certificates: pier's resident memory with N certificates (each its own
// name) loaded in every worker against the same pier with none, and the time
// from writing one more certificate into the dynamic file to every worker
// presenting it by SNI (file watch, store, in-place addServerName).
// Usage: node bench/tls/certs.mjs [--certs=1000] [--workers=2] [--adds=5]
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { fileURLToPath } from 'node:url'
import { freePort, start, sleep, treePids } from '../lib/procs.mjs'
import { selfSigned } from '../../dist/tls/self-signed.js'
import { readFileSync } from 'node:fs'

const opt = (name, def) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def
const count = Number(opt('certs', 1000))
const workers = Number(opt('workers', 2))
const adds = Number(opt('adds', 5))
const dir = mkdtempSync(join(tmpdir(), 'pier-bench-certs-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))

const t0 = performance.now()
const certs = []
for (let i = 0; i < count + adds; i++) {
  const c = await selfSigned(`c${i}.bench`, [`c${i}.bench`])
  writeFileSync(join(dir, `c${i}.crt`), c.cert)
  writeFileSync(join(dir, `c${i}.key`), c.key)
  certs.push({ certFile: join(dir, `c${i}.crt`), keyFile: join(dir, `c${i}.key`) })
}
console.log(`# ${count + adds} ECDSA P-256 certificates made in ${((performance.now() - t0) / 1000).toFixed(1)} s; load average ${loadavg()[0].toFixed(2)}; ${workers} workers`)

const dyn = join(dir, 'dyn.yml')
const write = (n) => {
  writeFileSync(`${dyn}.tmp`, JSON.stringify({ http: { routers: {}, services: {} }, tls: { certificates: certs.slice(0, n) } }))
  renameSync(`${dyn}.tmp`, dyn)
}

const rssKb = (pid) => treePids(pid).reduce((sum, p) => {
  try {
    return sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0)
  } catch {
    return sum
  }
}, 0)

/** Resolves with the CN the server presents for servername. */
const presented = (port, servername) =>
  new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', servername, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().subject?.CN)
      s.destroy()
    })
    s.on('error', () => resolve(undefined))
  })

async function run(n) {
  write(n)
  const port = await freePort()
  const pier = start('pier', process.execPath, [cli, `--entrypoints.websecure.address=127.0.0.1:${port}`, '--entrypoints.websecure.http.tls', `--providers.file.filename=${dyn}`, `--workers=${workers}`, '--log.level=INFO'])
  try {
    return await measure(pier, n, port)
  } finally {
    await pier.stop()
  }
}

async function measure(pier, n, port) {
  const started = performance.now()
  await pier.waitForOutput(/pier ready/, 120_000)
  const readyMs = performance.now() - started
  // V8 shrinks its heaps a while after start: measure once settled
  await sleep(15_000)
  const rss = rssKb(pier.pid)
  const times = []
  if (n > 0) {
    for (let i = n; i < n + adds; i++) {
      const at = performance.now()
      write(i + 1)
      // every worker: as many fresh connections as it takes to see each thread (SO_REUSEPORT spreads them)
      let hits = 0
      while (hits < workers * 4) {
        if ((await presented(port, `c${i}.bench`)) === `c${i}.bench`) hits++
        else hits = 0
        if (performance.now() - at > 30_000) throw new Error(`c${i}.bench not served after 30 s`)
      }
      times.push(performance.now() - at)
    }
  }
  return { rss, readyMs, times }
}

const none = await run(0)
const many = await run(count)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
console.log(`| certificates | ready after | RSS (all threads) |\n|---:|---:|---:|`)
console.log(`| 0 | ${(none.readyMs / 1000).toFixed(2)} s | ${Math.round(none.rss / 1024)} MB |`)
console.log(`| ${count} | ${(many.readyMs / 1000).toFixed(2)} s | ${Math.round(many.rss / 1024)} MB (+${Math.round((many.rss - none.rss) / 1024)} MB, ${(((many.rss - none.rss) / count / workers)).toFixed(1)} KB per certificate per worker) |`)
console.log(`adding certificate ${count + 1}..${count + adds} to every worker: median ${median(many.times).toFixed(0)} ms (${many.times.map((t) => t.toFixed(0)).join(', ')} ms), file write to served by SNI`)
