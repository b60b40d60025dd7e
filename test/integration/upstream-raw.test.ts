// The upstream client against a raw TCP server that answers with
// hand-written bytes: malformed responses (each with its code, never a
// throw), byte-by-byte delivery, stale keep-alive connections and the
// single retry, bytes nobody asked for, and a dial that never completes.
import { spawn } from 'node:child_process'
import net from 'node:net'
import t, { type Test } from 'tap'
import { UpstreamPool } from '../../src/upstream/pool.js'
import { call, get } from '../fuzz/client.js'
import { waitFor } from '../helpers/net.js'

interface Raw {
  port: number
  /** Connections accepted so far. */
  conns: net.Socket[]
  /** Request heads received, in order, with the index of their connection. */
  requests: Array<{ conn: number; head: string }>
}

/**
 * A server that reads request heads and lets answer() act on the socket;
 * answer gets the head, the connection's index and the number of requests
 * seen on that connection before this one. Request bodies are ignored.
 */
async function rawServer(t: Test, answer: (sock: net.Socket, head: string, conn: number, nth: number) => void): Promise<Raw> {
  const raw: Raw = { port: 0, conns: [], requests: [] }
  const srv = net.createServer((sock) => {
    const conn = raw.conns.push(sock) - 1
    let nth = 0
    let buf = ''
    sock.on('error', () => {})
    sock.on('data', (d) => {
      buf += d.toString('latin1')
      for (let i = buf.indexOf('\r\n\r\n'); i !== -1; i = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, i)
        buf = ''
        raw.requests.push({ conn, head })
        answer(sock, head, conn, nth++)
      }
    })
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  raw.port = (srv.address() as net.AddressInfo).port
  t.teardown(() => {
    for (const s of raw.conns) s.destroy()
    srv.close()
  })
  return raw
}

function pool(t: Test, port: number, max = 2): UpstreamPool {
  const p = new UpstreamPool({ host: '127.0.0.1', port, maxConnections: max, dialTimeoutMs: 5000 })
  t.teardown(() => p.destroy())
  return p
}

const pathOf = (head: string): string => head.split(' ')[1]!

t.test('malformed responses fail with their code and close the connection', async (t) => {
  const cases: Record<string, [string, string]> = {
    '/status': ['HTTP/1.1 2x0 OK\r\n\r\n', 'BAD_STATUS_LINE'],
    '/notHttp': ['SSH-2.0-OpenSSH_9.2\r\n', 'BAD_STATUS_LINE'],
    '/header': ['HTTP/1.1 200 OK\r\nBad Header: 1\r\nContent-Length: 0\r\n\r\n', 'BAD_HEADER'],
    '/space': ['HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n', 'BAD_HEADER'],
    '/fold': ['HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n', 'BAD_HEADER'],
    '/cr': ['HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n', 'BAD_STATUS_LINE'],
    '/chunk': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'BAD_CHUNK_SIZE'],
    '/chunkdata': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n', 'BAD_CHUNK_DATA'],
    '/clte': ['HTTP/1.1 200 OK\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING'],
    '/cl2': ['HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde', 'DUPLICATE_CONTENT_LENGTH'],
    '/clbad': ['HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n', 'BAD_CONTENT_LENGTH'],
    '/te': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', 'UNSUPPORTED_TRANSFER_ENCODING'],
    '/big': [`HTTP/1.1 200 OK\r\n${'X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(1500)}\r\n`, 'HEADERS_TOO_LARGE'],
    '/upgrade': ['HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', 'UNEXPECTED_UPGRADE'],
    '/trailer': ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nno colon here\r\n\r\n', 'BAD_TRAILER'],
  }
  const raw = await rawServer(t, (sock, head) => sock.write(cases[pathOf(head)]![0], 'latin1'))
  const p = pool(t, raw.port)
  for (const [path, [, reason]] of Object.entries(cases)) {
    const r = await get(p, { path })
    t.same([r.error?.code, r.error?.reason], ['UPSTREAM_BAD_RESPONSE', reason], path)
    t.equal(r.events.filter((e) => e === 'error').length, 1, `${path}: one error`)
    t.equal(p.stats().open, 0, `${path}: connection closed`)
  }
})

t.test('a response trickled one byte at a time parses the same', async (t) => {
  const response = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n3;e=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: v\r\n\r\n'
  const raw = await rawServer(t, (sock) => {
    let i = 0
    const step = (): void => {
      if (sock.destroyed) return
      sock.write(response[i++]!, 'latin1')
      if (i < response.length) setTimeout(step, 1)
    }
    step()
  })
  const p = pool(t, raw.port)
  const r = await get(p)
  t.same([r.error, r.status, r.headers, r.body.toString(), r.trailers], [null, 200, ['Transfer-Encoding', 'chunked', 'X-A', 'b'], 'abcde', ['X-T', 'v']])
  t.same(p.stats(), { open: 1, idle: 1, queued: 0 })
})

t.test('stale keep-alive connection: a bodyless idempotent request is retried once', async (t) => {
  // First connection: answers once, then closes on the next request without a word.
  const raw = await rawServer(t, (sock, head, conn, nth) => {
    if (conn === 0 && nth > 0) return void (pathOf(head) === '/rst' ? sock.resetAndDestroy() : sock.destroy())
    sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
  })
  const p = pool(t, raw.port, 1)
  t.equal((await get(p)).body.toString(), 'ok')
  const r = await get(p, { path: '/again' })
  t.same([r.error, r.body.toString()], [null, 'ok'], 'retried and answered')
  t.same(raw.requests.map((q) => q.conn), [0, 0, 1], 'sent twice, the second time on a fresh connection')
})

t.test('stale keep-alive connection, reset: retried once', async (t) => {
  const raw = await rawServer(t, (sock, _head, conn, nth) => {
    if (conn === 0 && nth > 0) return void sock.resetAndDestroy()
    sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
  })
  const p = pool(t, raw.port, 1)
  await get(p)
  const r = await get(p)
  t.same([r.error, r.body.toString()], [null, 'ok'])
  t.same(raw.requests.map((q) => q.conn), [0, 0, 1])
})

t.test('no retry for requests with a body, non-idempotent ones, or a fresh connection', async (t) => {
  // Every connection answers its first request and drops its second.
  const raw = await rawServer(t, (sock, _head, _conn, nth) => {
    if (nth > 0) return void sock.destroy()
    sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
  })
  const p = pool(t, raw.port, 1)
  await get(p)
  const post = call(p, { method: 'PUT', bodyMode: 1, headers: ['content-length', '3'] })
  post.ctl.write(Buffer.from('abc'))
  post.ctl.end()
  t.equal((await post.done).error?.code, 'UPSTREAM_RESET', 'request with a body')
  await get(p)
  t.equal((await get(p, { method: 'POST', idempotent: false })).error?.code, 'UPSTREAM_RESET', 'non-idempotent')
  const fresh = await rawServer(t, (sock) => sock.destroy())
  t.equal((await get(pool(t, fresh.port, 1))).error?.code, 'UPSTREAM_RESET', 'fresh connection closed before any response')
  t.equal(fresh.requests.length, 1, 'sent once')
})

t.test('a retried request that fails again reports the error', async (t) => {
  const raw = await rawServer(t, (sock, _head, conn, nth) => {
    if (conn === 0 && nth === 0) return void sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
    sock.destroy()
  })
  const p = pool(t, raw.port, 1)
  await get(p)
  const r = await get(p)
  t.equal(r.error?.code, 'UPSTREAM_RESET')
  t.equal(raw.requests.length, 3, 'first request, then the lost one and its single retry')
})

t.test('bytes after a response or on an idle connection retire that connection', async (t) => {
  const raw = await rawServer(t, (sock, head, _conn, nth) => {
    if (pathOf(head) === '/extra') sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA')
    else {
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
      if (nth === 0) setTimeout(() => sock.write('HTTP/1.1 408 Request Timeout\r\n\r\n'), 30)
    }
  })
  const p = pool(t, raw.port, 1)
  const extra = await get(p, { path: '/extra' })
  t.same([extra.error, extra.body.toString(), p.stats().open], [null, 'ok', 0], 'response delivered, connection dropped')
  t.equal((await get(p, { path: '/idle' })).body.toString(), 'ok')
  await waitFor(() => p.stats().open === 0, 10000, 'idle connection with unsolicited bytes closed')
  t.equal((await get(p, { path: '/next' })).body.toString(), 'ok')
})

t.test('a response that starts before the request body is sent still completes', async (t) => {
  const raw = await rawServer(t, (sock) => sock.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\n\r\nbig'))
  const p = pool(t, raw.port, 1)
  const c = call(p, { method: 'POST', bodyMode: 2, headers: ['transfer-encoding', 'chunked'] })
  const r = await c.done
  t.same([r.error, r.status, r.body.toString()], [null, 413, 'big'])
  t.equal(c.ctl.write(Buffer.from('late')), true, 'writes after the response are ignored')
  c.ctl.end()
  t.equal(p.stats().open, 0, 'connection not reused: the backend may still expect the body')
})

t.test('dial timeout: a backend whose accept queue is full', async (t) => {
  // A listener that never accepts: once its queue is full, new SYNs go unanswered.
  const py = spawn('python3', ['-c', "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(30)"])
  t.teardown(() => py.kill())
  const port = await new Promise<number>((resolve) => py.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))))
  const fillers: net.Socket[] = []
  t.teardown(() => fillers.forEach((s) => s.destroy()))
  for (let i = 0; i < 4; i++) fillers.push(net.connect(port, '127.0.0.1').on('error', () => {}))
  await new Promise((r) => setTimeout(r, 100))
  const p = new UpstreamPool({ host: '127.0.0.1', port, maxConnections: 1, dialTimeoutMs: 300 })
  t.teardown(() => p.destroy())
  const started = Date.now()
  const r = await get(p)
  t.equal(r.error?.code, 'UPSTREAM_CONNECT_TIMEOUT')
  t.ok(Date.now() - started >= 300, 'not before the deadline')
  t.same(p.stats(), { open: 0, idle: 0, queued: 0 })
})

t.test("the server's Keep-Alive timeout retires idle connections a second early", async (t) => {
  const raw = await rawServer(t, (sock, head) => {
    const timeout = pathOf(head) === '/short' ? 'timeout=1' : 'Timeout=2, max=100'
    sock.write(`HTTP/1.1 200 OK\r\nKeep-Alive: ${timeout}\r\nContent-Length: 2\r\n\r\nok`)
  })
  const p = pool(t, raw.port, 1)
  t.equal((await get(p, { path: '/short' })).body.toString(), 'ok')
  t.same(p.stats(), { open: 0, idle: 0, queued: 0 }, 'timeout=1 leaves no safe idle time: not pooled')
  const started = Date.now()
  t.equal((await get(p, { path: '/two' })).body.toString(), 'ok')
  t.equal(p.stats().idle, 1)
  await waitFor(() => p.stats().open === 0, 10000, 'closed by the hint, not the 60 s default')
  t.ok(Date.now() - started >= 1000, 'not before timeout minus the margin')
})
