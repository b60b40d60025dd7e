// What pier's upstream client spends per request, plain and TLS, with the
// proxy's front end out of the picture: one process drives UpstreamPool
// (dist/upstream/pool.js) at a fixed concurrency against a uWS backend (App
// and SSLApp, ECDSA P-256) in another process, and reads its own CPU time.
// Several builds alternate, each run a fresh child process, so drift on a
// shared machine hits all of them alike.
// Usage: node bench/https-backends/client.mjs [--requests=200000] [--concurrency=32] [--rounds=3] [LABEL=path/to/dist...]
//   e.g. node bench/https-backends/client.mjs old=/tmp/old/dist new=dist
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { NAME, startBackend } from './backend.mjs'
import { machine } from '../lib/machine.mjs'

const args = process.argv.slice(2)
const opt = (name, def) => Number(args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def)

if (process.env.PIER_CLIENT_CHILD) {
  // One measured run: PIER_CLIENT_CHILD = JSON { dist, port, tls, crt, requests, concurrency }
  const c = JSON.parse(process.env.PIER_CLIENT_CHILD)
  const { UpstreamPool } = await import(pathToFileURL(join(c.dist, 'upstream/pool.js')).href)
  const tls = c.tls ? { servername: NAME, ca: [readFileSync(c.crt)], ALPNProtocols: ['http/1.1'] } : undefined
  const pool = new UpstreamPool({ host: '127.0.0.1', port: c.port, maxConnections: c.concurrency, dialTimeoutMs: 10_000, tls })
  const head = `GET / HTTP/1.1\r\nhost: ${NAME}\r\n\r\n`
  const options = { headersTimeoutMs: 10_000, isHead: false, idempotent: true }
  let sent = 0
  let done = 0
  let bytes = 0
  const finish = (ok) => {
    if (!ok) throw new Error('request failed')
    if (++done === c.requests) report()
    else if (sent < c.requests) send()
  }
  const handler = { onHeaders() {}, onData: (b) => ((bytes += b.length), true), onComplete: () => finish(true), onError: (e) => { console.error(e); finish(false) } }
  const send = () => void (sent++, pool.request(head, 0, handler, options))
  // Warm-up: the connections are dialled (and handshaken) before the measured part.
  const warmTotal = c.concurrency * 20
  let warmSent = 0
  let warmDone = 0
  const warmSend = () => void (warmSent++, pool.request(head, 0, warmHandler, options))
  const warmHandler = { ...handler, onComplete: () => (++warmDone === warmTotal ? measure() : warmSent < warmTotal && warmSend()) }
  for (let i = 0; i < c.concurrency; i++) warmSend()
  let cpu0, t0
  function measure() {
    cpu0 = process.cpuUsage()
    t0 = performance.now()
    for (let i = 0; i < c.concurrency; i++) send()
  }
  function report() {
    const cpu = process.cpuUsage(cpu0)
    const ms = performance.now() - t0
    console.log(JSON.stringify({ userUs: cpu.user / c.requests, systemUs: cpu.system / c.requests, rps: (c.requests / ms) * 1000, bytes }))
    pool.destroy()
    process.exit(0)
  }
} else {
  const requests = opt('requests', 200_000)
  const concurrency = opt('concurrency', 32)
  const rounds = opt('rounds', 3)
  const builds = args.filter((a) => !a.startsWith('--')).map((a) => ({ label: a.slice(0, a.indexOf('=')), dist: resolve(a.slice(a.indexOf('=') + 1)) }))
  if (builds.length === 0) builds.push({ label: 'pier', dist: fileURLToPath(new URL('../../dist', import.meta.url)) })
  const cores = availableParallelism()
  const [loadCpu, clientCpu] = cores >= 2 ? ['0', String(cores - 1)] : [undefined, undefined]
  const dir = mkdtempSync(join(tmpdir(), 'pier-bench-client-'))
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
  const { proc: backend, plainPort, tlsPort, crt } = await startBackend(dir, loadCpu)
  const m = machine()
  console.log(`# ${new Date().toISOString()} ${m.cpu}, ${cores} cores, ${m.node}, load average ${loadavg()[0].toFixed(2)}; backend on cpu ${loadCpu ?? 'any'}, client on cpu ${clientCpu ?? 'any'}; ${requests} requests, ${concurrency} in flight, ${rounds} rounds`)
  const results = {}
  try {
    for (let round = 0; round < rounds; round++) {
      const order = builds.map((_, i) => builds[(i + round) % builds.length])
      for (const b of order) {
        for (const tls of round % 2 === 0 ? [false, true] : [true, false]) {
          const env = { ...process.env, PIER_CLIENT_CHILD: JSON.stringify({ dist: b.dist, port: tls ? tlsPort : plainPort, tls, crt, requests, concurrency }) }
          const argv = [fileURLToPath(import.meta.url)]
          const out = execFileSync(clientCpu ? 'taskset' : process.execPath, clientCpu ? ['-c', clientCpu, process.execPath, ...argv] : argv, { env, encoding: 'utf8', timeout: 300_000 })
          const r = JSON.parse(out.trim().split('\n').pop())
          ;((results[b.label] ??= {})[tls ? 'https' : 'http'] ??= []).push(r)
          console.log(`${b.label} ${tls ? 'https' : 'http '} round ${round + 1}: ${(r.userUs + r.systemUs).toFixed(2)} µs CPU per request (user ${r.userUs.toFixed(2)}, system ${r.systemUs.toFixed(2)}), ${Math.round(r.rps)} req/s`)
        }
      }
    }
  } finally {
    await backend.stop()
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  console.log('\n| build | backend | client CPU µs per request (median) | user | system | req/s |\n|---|---|---:|---:|---:|---:|')
  for (const [label, kinds] of Object.entries(results)) {
    for (const [kind, rs] of Object.entries(kinds)) {
      console.log(`| ${label} | ${kind} | ${median(rs.map((r) => r.userUs + r.systemUs)).toFixed(2)} | ${median(rs.map((r) => r.userUs)).toFixed(2)} | ${median(rs.map((r) => r.systemUs)).toFixed(2)} | ${Math.round(median(rs.map((r) => r.rps))).toLocaleString('en')} |`)
    }
  }
}
