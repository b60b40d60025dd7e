// Client and backend timeouts, against the built pier with real backends:
// an honest slow upload completes (uWS alone cuts one under 16 KiB/s after
// 10-14 s), slowloris is bounded, a slow reader of a large download keeps
// pier's memory flat, readTimeout and writeTimeout answer 408 and 504 and
// close, idle backend connections are closed after idleConnTimeout.
// The slow cases run side by side: this file takes about 17 s.
import t, { type Test } from 'tap'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type Socket } from 'node:net'
import { request } from 'node:http'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { startBackend, type Backend } from '../helpers/backends.js'
import { rawExchange } from '../helpers/raw.js'

let backend: Backend
let routes: string
/** Bytes the backend managed to hand to its socket for the current /huge download. */
let hugeWritten = 0
/** Backend connections open now. */
let backendConns = 0

const HUGE = 256 * 1024 * 1024

t.before(async () => {
  backend = await startBackend('b', (req, res) => {
    const url = new URL(req.url!, 'http://x')
    if (url.pathname === '/count') {
      let n = 0
      req.on('data', (c: Buffer) => (n += c.length))
      req.on('end', () => res.end(String(n)))
      return
    }
    req.resume()
    if (url.pathname === '/late') return void setTimeout(() => res.end('late'), 6000)
    if (url.pathname === '/huge') {
      hugeWritten = 0
      res.writeHead(200, { 'content-length': String(HUGE) })
      const chunk = Buffer.alloc(64 * 1024, 0x61)
      const more = (): void => {
        while (hugeWritten < HUGE && !res.destroyed) {
          hugeWritten += chunk.length
          if (!res.write(chunk)) return void res.once('drain', more)
        }
        res.end()
      }
      return more()
    }
    res.end('ok')
  })
  backend.server.on('connection', (s: Socket) => {
    backendConns++
    s.on('close', () => backendConns--)
  })
  const dir = mkdtempSync(join(tmpdir(), 'pier-timeouts-'))
  routes = join(dir, 'routes.yml')
  writeFileSync(routes, JSON.stringify({ http: { routers: { b: { rule: 'Host(`b.test`)', service: 'b' } }, services: { b: { loadBalancer: { servers: [{ url: backend.url }] } } } } }))
})

t.teardown(() => backend?.close())

async function pierWith(t: Test, ...flags: string[]): Promise<{ pier: PierProcess; port: number }> {
  const port = await freePort()
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, '--workers=1', ...flags])
  t.teardown(() => pier.stop('SIGKILL'))
  return { pier, port }
}

/** Uploads size bytes in pieces of piece bytes every everyMs; resolves with the status and body. */
function slowUpload(port: number, size: number, piece: number, everyMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/count', headers: { host: 'b.test', 'content-length': String(size) } }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, body }))
    })
    req.on('error', reject)
    let sent = 0
    const tick = setInterval(() => {
      const n = Math.min(piece, size - sent)
      req.write(Buffer.alloc(n, 0x62))
      sent += n
      if (sent >= size) {
        clearInterval(tick)
        req.end()
      }
    }, everyMs)
  })
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(m![1]) * 1024
}

/** Reads a /huge download 64 KiB at a time, one read every everyMs, for ms; returns the bytes read. */
function slowRead(port: number, everyMs: number, ms: number): Promise<number> {
  return new Promise((resolve) => {
    let got = 0
    const s = connect(port, '127.0.0.1', () => s.write('GET /huge HTTP/1.1\r\nHost: b.test\r\n\r\n'))
    s.on('data', (d: Buffer) => {
      got += d.length
      s.pause()
      setTimeout(() => s.resume(), everyMs)
    })
    s.on('error', () => {})
    setTimeout(() => {
      s.destroy()
      resolve(got)
    }, ms)
  })
}

t.test('defaults: a slow upload completes, slowloris is bounded, a slow reader does not grow memory', async (t) => {
  const { pier, port } = await pierWith(t)
  // 8 KiB/s for 16 s: uWS alone closes such an upload after 10-14 s.
  const upload = slowUpload(port, 128 * 1024, 2048, 250)
  // One byte of a request head every 500 ms, never finished.
  const head = 'GET / HTTP/1.1\r\nHost: b.test\r\nX-Slow: ' + 'a'.repeat(200)
  const loris = rawExchange(port, head.split(''), { gapMs: 500, waitMs: 20000 })
  const before = rssOf(pier.proc.pid!)
  const read = await slowRead(port, 100, 4000)
  const grown = rssOf(pier.proc.pid!) - before
  t.ok(read > 0, `the slow reader got ${read} bytes`)
  t.ok(hugeWritten - read < 32 * 1024 * 1024, `the backend could write only ${((hugeWritten - read) / 1048576).toFixed(1)} MiB beyond what the client read`)
  t.ok(grown < 48 * 1024 * 1024, `pier's RSS grew ${(grown / 1048576).toFixed(1)} MiB while the backend had ${HUGE / 1048576} MiB to send`)
  const l = await loris
  t.same([l.closed, l.statuses], [true, []], `slowloris closed without an answer after ${l.ms} ms`)
  const u = await upload
  t.same(u, { status: 200, body: String(128 * 1024) }, 'the 8 KiB/s upload arrived whole')
})

t.test('readTimeout and writeTimeout: 408 or 504, then the connection closes; an idleTimeout uWS cannot honour is named', async (t) => {
  const { pier, port } = await pierWith(
    t,
    '--entrypoints.web.transport.respondingTimeouts.readTimeout=2s',
    '--entrypoints.web.transport.respondingTimeouts.writeTimeout=3s',
    '--entrypoints.web.transport.respondingTimeouts.idleTimeout=2s',
  )
  t.match(pier.logs(), /WARN +idleTimeout not honoured: uWS closes idle connections 10-14 s after their last response entryPoint=web idleTimeout=2s/)
  const drip = ['POST /count HTTP/1.1\r\nHost: b.test\r\nContent-Length: 100\r\n\r\n', ...'x'.repeat(100).split('')]
  const [read, write, fast] = await Promise.all([
    rawExchange(port, drip, { gapMs: 300, waitMs: 8000 }),
    rawExchange(port, ['GET /late HTTP/1.1\r\nHost: b.test\r\n\r\n'], { waitMs: 8000 }),
    rawExchange(port, ['POST /count HTTP/1.1\r\nHost: b.test\r\nContent-Length: 3\r\n\r\nabc'], { until: /\r\n\r\n3$/ }),
  ])
  t.same([read.statuses, read.closed], [[408], true], `a body still coming after readTimeout: 408 and closed (${read.ms} ms)`)
  t.same([write.statuses, write.closed], [[504], true], `no response within writeTimeout: 504 and closed (${write.ms} ms)`)
  t.same(fast.statuses, [200], 'a request within both: answered')
})

t.test('idleConnTimeout closes idle backend connections', async (t) => {
  const { port } = await pierWith(t, '--serversTransport.forwardingTimeouts.idleConnTimeout=1s')
  const r = await rawExchange(port, ['GET / HTTP/1.1\r\nHost: b.test\r\n\r\n'], { until: /ok$/ })
  t.same(r.statuses, [200])
  t.ok(backendConns > 0, 'pier keeps its backend connection after the response')
  await waitFor(() => backendConns === 0, 5000, 'the idle backend connection closed')
})
