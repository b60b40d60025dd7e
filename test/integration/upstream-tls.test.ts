// The upstream client over TLS reads decrypted bytes into the thread's shared
// read buffer, as over TCP. Unlike a TCP socket, a paused TLS socket still
// delivers the records it had already decrypted from one read; those must be
// kept, in order, and reach the handler only after resume(). The backend runs
// in a worker thread so this thread can stall while records pile up.
import { Worker } from 'node:worker_threads'
import t from 'tap'
import { UpstreamPool, type Tunnel, type TunnelReader } from '../../src/upstream/pool.js'
import { call } from '../fuzz/client.js'
import { waitFor } from '../helpers/net.js'
import { makeCA, type TestCA } from '../helpers/tls.js'

const PIECES = 48 // their records fit in one 64 KiB read
const PIECE = 1000

/** Piece k of the body: PIECE bytes of a pattern that a shifted, lost or reordered piece would break. */
const piece = (k: number): Buffer => Buffer.from(Array.from({ length: PIECE }, (_, i) => (k * 7 + i) % 251))

// Answers each request with a chunked body of PIECES pieces, each its own
// write (so its own TLS record), the next only once the last was flushed.
const BACKEND = `
const { parentPort, workerData } = require('node:worker_threads')
const tls = require('node:tls')
const piece = ${piece.toString().replace(/: (number|Buffer)/g, '')}
const { PIECES, PIECE } = workerData
const srv = tls.createServer({ key: workerData.key, cert: workerData.cert }, (s) => {
  let head = ''
  s.on('data', async (d) => {
    head += d.toString('latin1')
    if (!head.includes('\\r\\n\\r\\n')) return
    const upgrade = /^upgrade:/im.test(head)
    head = ''
    const write = (b) => new Promise((r) => s.write(b, r))
    if (upgrade) {
      // Switched: the pieces follow as raw bytes, once the client stalls.
      parentPort.postMessage('got')
      await new Promise((r) => setTimeout(r, 50))
      await write('HTTP/1.1 101 Switching Protocols\\r\\nconnection: upgrade\\r\\nupgrade: test\\r\\n\\r\\n')
      for (let k = 0; k < PIECES; k++) await write(piece(k))
      return parentPort.postMessage('sent')
    }
    await write('HTTP/1.1 200 OK\\r\\ntransfer-encoding: chunked\\r\\n\\r\\n')
    for (let k = 0; k < PIECES; k++) await write(Buffer.concat([Buffer.from(PIECE.toString(16) + '\\r\\n'), piece(k), Buffer.from('\\r\\n')]))
    await write('0\\r\\n\\r\\n')
    parentPort.postMessage('sent')
  })
})
srv.listen(0, '127.0.0.1', () => parentPort.postMessage(srv.address().port))
`

let ca: TestCA
let port: number
/** The backend's last word: 'got' (an upgrade request) or 'sent' (every piece written). */
let said = ''
const stall = (ms: number): void => {
  const until = Date.now() + ms
  while (Date.now() < until);
}

t.before(async () => {
  ca = await makeCA()
  const leaf = await ca.issue(['backend.test'])
  const worker = new Worker(BACKEND, { eval: true, workerData: { key: leaf.key, cert: leaf.cert, PIECES, PIECE } })
  t.teardown(() => worker.terminate())
  port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  worker.on('message', (m: string) => (said = m))
})

const tlsPool = (): UpstreamPool => new UpstreamPool({ host: '127.0.0.1', port, maxConnections: 1, dialTimeoutMs: 5000, tls: { ca: [ca.cert], servername: 'backend.test' } })
const allPieces = (): Buffer => Buffer.concat(Array.from({ length: PIECES }, (_, k) => piece(k)))

t.test('a paused TLS connection keeps the records it had already decrypted, in order, until resume()', async (t) => {
  const pool = tlsPool()
  t.teardown(() => pool.destroy())
  // The first request opens the connection; the second is written at once, then this thread stalls
  // while the backend writes every record, so that one read brings them all.
  t.equal((await call(pool).done).bodyLength, PIECES * PIECE)
  said = ''
  let paused = false
  let pausedOnce = false
  let whilePaused = 0
  const c = call(pool, {
    onData() {
      if (paused) whilePaused++
      else if (!pausedOnce) {
        paused = pausedOnce = true
        c.ctl.pause()
      }
      return true
    },
  })
  stall(300)
  await waitFor(() => paused, 10000, 'the first piece')
  await waitFor(() => said === 'sent', 10000, 'the backend sent every piece')
  await new Promise((r) => setTimeout(r, 200))
  t.equal(whilePaused, 0, 'nothing reaches the handler while paused')
  paused = false
  c.ctl.resume()
  const r = await c.done
  t.equal(r.error, null)
  t.equal(r.bodyLength, PIECES * PIECE)
  t.ok(r.body.equals(allPieces()), 'every piece, in order')
  t.same(pool.stats(), { open: 1, idle: 1, queued: 0 }, 'connection back in the pool')
})

t.test('a TLS tunnel keeps the records that follow its 101 until it is started', async (t) => {
  const pool = tlsPool()
  t.teardown(() => pool.destroy())
  said = ''
  const got: Buffer[] = []
  let closed: unknown = 'open'
  const reader: TunnelReader = {
    onTunnelData: (buf, start, end) => (got.push(Buffer.from(buf.subarray(start, end))), end),
    onTunnelDrain() {},
    onTunnelClose: (err) => (closed = err),
  }
  let tunnel: Tunnel | null = null
  let failed: unknown = null
  const fail = (what: unknown): void => void (failed = what)
  pool.upgrade('GET / HTTP/1.1\r\nhost: backend.test\r\nconnection: upgrade\r\nupgrade: test\r\n\r\n', {
    onHeaders: (status) => fail(`a ${status} instead of the 101`),
    onData: () => true,
    onComplete: () => fail('a response instead of the 101'),
    onError: fail,
    onUpgrade: (_head, t) => void (tunnel = t),
  }, 5000)
  // Stalled while the backend answers, the 101 and the records behind it come in one read.
  await waitFor(() => said === 'got', 10000, 'the backend got the upgrade request')
  stall(300)
  await waitFor(() => tunnel !== null || failed !== null, 10000, 'the 101')
  t.equal(failed, null)
  await new Promise((r) => setTimeout(r, 100))
  t.equal(got.length, 0, 'nothing read before start()')
  tunnel!.start(reader)
  await waitFor(() => Buffer.concat(got).length >= PIECES * PIECE, 10000, 'every piece through the tunnel')
  t.ok(Buffer.concat(got).equals(allPieces()), 'every piece, in order')
  t.equal(closed, 'open')
  tunnel!.destroy()
})
