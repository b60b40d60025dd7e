// A 1 GiB download and a 1 GiB upload through pier, with pier's resident
// memory sampled every 100 ms: with backpressure both ways it stays flat.
// The upload is chunked: uWS 20.30 resets a request whose Content-Length has
// ten digits or more (1e9 bytes and up), so a 1 GiB body cannot be announced.
// Usage: node bench/stream/run.mjs [MiB=1024]
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, request } from 'node:http'
import { fileURLToPath } from 'node:url'

const size = Number(process.argv[2] ?? 1024) * 1024 * 1024
const chunk = Buffer.alloc(256 * 1024, 120)

const backend = createServer((req, res) => {
  if (req.method === 'POST') {
    let n = 0
    req.on('data', (c) => (n += c.length))
    req.on('end', () => res.end(String(n)))
    return
  }
  res.setHeader('content-length', String(size))
  pump(res)
})

/** Writes size bytes, honouring backpressure, then ends. */
function pump(out) {
  let sent = 0
  const more = () => {
    while (sent < size) {
      sent += chunk.length
      if (!out.write(chunk)) return void out.once('drain', more)
    }
    out.end()
  }
  more()
}
backend.listen(0, '127.0.0.1')
await once(backend, 'listening')

const dir = mkdtempSync(join(tmpdir(), 'pier-stream-'))
const routes = join(dir, 'routes.yml')
writeFileSync(routes, JSON.stringify({ http: { routers: { s: { rule: 'Host(`stream.local`)', service: 's' } }, services: { s: { loadBalancer: { servers: [{ url: `http://127.0.0.1:${backend.address().port}` }] } } } } }))
const port = 20000 + Math.floor(Math.random() * 20000)
const pier = spawn(process.execPath, [fileURLToPath(new URL('../../dist/cli.js', import.meta.url)), `--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, '--workers=1'], { stdio: ['ignore', 'ignore', 'pipe'] })
let log = ''
pier.stderr.on('data', (d) => (log += d))
while (!/pier ready/.test(log)) {
  if (pier.exitCode !== null) throw new Error(`pier exited:\n${log}`)
  await new Promise((r) => setTimeout(r, 50))
}

const rssMB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pier.pid}/status`, 'utf8'))[1]) / 1024
const idle = rssMB()
let peak = idle
const sampler = setInterval(() => (peak = Math.max(peak, rssMB())), 100)

async function transfer(method) {
  const t0 = performance.now()
  const moved = await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, headers: { host: 'stream.local' } }, (res) => {
      let n = 0
      let body = ''
      res.on('data', (c) => {
        n += c.length
        if (method === 'POST') body += c
      })
      res.on('end', () => resolve(method === 'POST' ? Number(body) : n))
    })
    req.on('error', (err) => reject(new Error(`${method} failed after ${((performance.now() - t0) / 1000).toFixed(1)} s: ${err.message}\n${log}`)))
    if (method === 'GET') return req.end()
    pump(req)
  })
  const s = (performance.now() - t0) / 1000
  if (moved !== size) throw new Error(`${method}: moved ${moved} of ${size} bytes`)
  return `${method === 'GET' ? 'download' : 'upload (chunked)'} ${(size / 2 ** 20).toFixed(0)} MiB in ${s.toFixed(1)} s (${(size / 2 ** 20 / s).toFixed(0)} MiB/s)`
}

const down = await transfer('GET')
const peakDown = peak
const up = await transfer('POST')
clearInterval(sampler)
console.log(`bench/stream: pier --workers=1, RSS idle ${idle.toFixed(1)} MB`)
console.log(`${down}, pier peak RSS ${peakDown.toFixed(1)} MB`)
console.log(`${up}, pier peak RSS ${peak.toFixed(1)} MB`)
pier.kill('SIGTERM')
await once(pier, 'exit')
backend.close()
