// Streamed responses through the built pier: each piece reaches the client
// before the backend sends the next one (lockstep: the backend waits for the
// client to have it, so any buffering in pier would stall the test), for
// chunked, Content-Length (with Traefik's default flushInterval set) and
// text/event-stream responses; and a long poll that outlasts uWS's HTTP
// idle timeout.
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'node:http'
import { freePort } from '../helpers/net.js'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { startBackend, get, type Backend } from '../helpers/backends.js'

const PIECES = 5
let pier: PierProcess
let port: number
let backend: Backend
/** The piece the client has most recently received, per stream id; the backend waits on it. */
const got = new Map<string, number>()
const waiting = new Map<string, () => void>()
let longPoll: Promise<{ status: number; body: string; ms: number }>

function received(id: string, n: number): void {
  got.set(id, n)
  waiting.get(id)?.()
}

function clientHas(id: string, n: number): Promise<void> {
  return new Promise((r) => {
    if ((got.get(id) ?? -1) >= n) return r()
    waiting.set(id, () => (got.get(id) ?? -1) >= n && r())
  })
}

t.before(async () => {
  backend = await startBackend('stream', async (req, res) => {
    const url = new URL(req.url!, 'http://x')
    const id = url.searchParams.get('id') ?? ''
    if (url.pathname === '/poll') {
      setTimeout(() => res.end('news'), Number(url.searchParams.get('ms')))
      return
    }
    const piece = (i: number): string => (url.pathname === '/sse' ? `data: ${i}\n\n` : `piece ${i};`)
    if (url.pathname === '/sse') res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    else if (url.pathname === '/length') res.writeHead(200, { 'content-length': String(Array.from({ length: PIECES }, (_, i) => piece(i)).join('').length) })
    else res.writeHead(200, { 'content-type': 'text/plain' })
    for (let i = 0; i < PIECES; i++) {
      res.write(piece(i))
      await clientHas(id, i)
    }
    res.end()
  })
  port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'pier-stream-'))
  const file = join(dir, 'routes.yml')
  writeFileSync(file, JSON.stringify({
    http: {
      routers: {
        s: { rule: 'Host(`stream.test`)', service: 's' },
        slow: { rule: 'Host(`flush.test`)', service: 'slow' },
      },
      services: {
        s: { loadBalancer: { servers: [{ url: backend.url }] } },
        slow: { loadBalancer: { servers: [{ url: backend.url }], responseForwarding: { flushInterval: '100ms' } } },
      },
    },
  }))
  pier = await startPier([`--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${file}`, '--workers=1'])
  // Started first, answered after 12 s: runs while the other tests do.
  const t0 = Date.now()
  longPoll = get(port, 'stream.test', '/poll?ms=12000').then((r) => ({ status: r.status, body: r.body, ms: Date.now() - t0 }))
})

t.teardown(async () => {
  await pier?.stop()
  await backend?.close()
})

/** Reads a streamed response, telling the backend of each piece as it arrives. */
function lockstep(host: string, path: string, id: string, pieceOf: (text: string) => number): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `${path}?id=${id}`, headers: { host }, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        body += d
        received(id, pieceOf(body))
      })
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    req.setTimeout(20000, () => req.destroy(new Error(`${path}: stalled with pieces ${got.get(id)} of ${PIECES}: pier held a piece back`)))
    req.on('error', reject)
    req.end()
  })
}

const lastPiece = (re: RegExp) => (text: string): number => {
  const all = [...text.matchAll(re)]
  return all.length === 0 ? -1 : Number(all[all.length - 1]![1])
}

t.test('chunked: each piece arrives before the backend sends the next', async (t) => {
  const r = await lockstep('stream.test', '/chunked', 'c', lastPiece(/piece (\d+);/g))
  t.equal(r.body, 'piece 0;piece 1;piece 2;piece 3;piece 4;')
})

t.test('Content-Length with flushInterval 100ms: each piece arrives before the next is sent', async (t) => {
  const r = await lockstep('flush.test', '/length', 'l', lastPiece(/piece (\d+);/g))
  t.equal(r.body, 'piece 0;piece 1;piece 2;piece 3;piece 4;')
})

t.test('text/event-stream: each event at once', async (t) => {
  const r = await lockstep('stream.test', '/sse', 's', lastPiece(/data: (\d+)\n\n/g))
  t.equal(r.headers['content-type'], 'text/event-stream')
  t.equal(r.body, 'data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n')
})

t.test('a long poll outlives the HTTP idle timeout', async (t) => {
  const r = await longPoll
  t.same([r.status, r.body], [200, 'news'])
  t.ok(r.ms >= 12000, `answered after ${r.ms} ms`)
})
