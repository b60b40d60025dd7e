// Client-only comparison: keeps C requests in flight from this process to a
// uWS backend (spawned) through pier's upstream client or undici's
// Pool.dispatch, for a fixed count, and prints req/s. No front, no wrk:
// this isolates the client's own cost per request. Also prints this
// process's CPU µs per request, which a busy machine disturbs far less.
//   npx tsc -p . && node bench/client/loop.mjs [--requests 200000] [--concurrency 50]
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Pool } from 'undici'
import { UpstreamPool } from '../../dist/upstream/pool.js'

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200000' }, concurrency: { type: 'string', default: '50' } } })
const N = Number(values.requests)
const C = Number(values.concurrency)

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port
    s.close(() => resolve(p))
  })
})
const backend = spawn(process.execPath, [fileURLToPath(new URL('backend.mjs', import.meta.url)), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] })
await new Promise((r) => backend.stdout.once('data', r))

function run(name, send) {
  return new Promise((resolve, reject) => {
    let started = 0
    let done = 0
    const t0 = process.hrtime.bigint()
    const cpu0 = process.cpuUsage()
    const next = () => {
      if (started >= N) return
      started++
      send((err) => {
        if (err) return reject(err)
        if (++done === N) {
          const s = Number(process.hrtime.bigint() - t0) / 1e9
          const cpu = process.cpuUsage(cpu0)
          resolve({ client: name, requests: N, concurrency: C, 'req/s': Math.round(N / s), 'CPU µs/req': ((cpu.user + cpu.system) / N).toFixed(1) })
        } else next()
      })
    }
    for (let i = 0; i < C; i++) next()
  })
}

const head = `GET /loop HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nuser-agent: bench\r\n\r\n`
const OPTS = { headersTimeoutMs: 0, isHead: false, idempotent: true }
class PierReq {
  constructor(cb) { this.cb = cb; this.n = 0 }
  onHeaders() {}
  onData(chunk) { this.n += chunk.length; return true }
  onComplete() { this.cb(null) }
  onError(err) { this.cb(err) }
}
class UndiciReq {
  constructor(cb) { this.cb = cb; this.n = 0 }
  onConnect() {}
  onHeaders() { return true }
  onData(chunk) { this.n += chunk.length; return true }
  onComplete() { this.cb(null) }
  onError(err) { this.cb(err) }
}

const rows = []
try {
  for (let round = 0; round < 2; round++) {
    const pier = new UpstreamPool({ host: '127.0.0.1', port, maxConnections: C, dialTimeoutMs: 30000 })
    rows.push(await run('pier', (cb) => pier.request(head, 0, new PierReq(cb), OPTS)))
    pier.destroy()
    const undici = new Pool(`http://127.0.0.1:${port}`, { connections: C, pipelining: 1 })
    rows.push(await run('undici', (cb) => undici.dispatch({ method: 'GET', path: '/loop', headers: ['user-agent', 'bench'] }, new UndiciReq(cb))))
    await undici.close()
  }
  console.table(rows)
} finally {
  backend.kill()
}
