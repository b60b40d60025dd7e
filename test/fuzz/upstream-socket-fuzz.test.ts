// Mutated responses through real sockets: a raw server on 127.0.0.1 writes
// each mutated response in random pieces, then closes. Every request must
// end in exactly one onComplete or one coded onError, never an exception,
// and the pool must be left with no busy connection. Seeded and bounded.
import net from 'node:net'
import t from 'tap'
import { UpstreamPool } from '../../src/upstream/pool.js'
import { get } from './client.js'
import { rng } from '../helpers/rng.js'

const SEED = Number(process.env.FUZZ_SEED ?? 0x50c4)
const CASES = Number(process.env.FUZZ_SOCKET_CASES ?? 400)


const BASE = [
  'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n',
  'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nclose delimited',
  'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
  'HTTP/1.1 200 OK\nKeep-Alive: timeout=5\nContent-Length: 2\n\nok',
]
const INTERESTING = [0x0d, 0x0a, 0x3a, 0x20, 0x3b, 0x30, 0x31, 0x66, 0x00, 0xff, 0x2c]

t.test('mutated responses over sockets end in exactly one outcome', async (t) => {
  const next = rng(SEED)
  const responses: string[] = []
  for (let i = 0; i < CASES; i++) {
    let s = BASE[i % BASE.length]!
    for (let e = 0, n = 1 + Math.floor(next() * 3); e < n; e++) {
      const at = Math.floor(next() * (s.length + 1))
      const ch = String.fromCharCode(next() < 0.6 ? INTERESTING[Math.floor(next() * INTERESTING.length)]! : Math.floor(next() * 256))
      const op = Math.floor(next() * 4)
      s = op === 0 ? s.slice(0, at) + ch + s.slice(at + 1) : op === 1 ? s.slice(0, at) + ch + s.slice(at) : op === 2 ? s.slice(0, at) + s.slice(at + 1) : s.slice(0, at)
    }
    responses.push(s)
  }
  const sockets = new Set<net.Socket>()
  const srv = net.createServer((sock) => {
    sockets.add(sock)
    sock.on('close', () => sockets.delete(sock))
    sock.on('error', () => {})
    let buf = ''
    sock.on('data', (d) => {
      buf += d.toString('latin1')
      const end = buf.indexOf('\r\n\r\n')
      if (end === -1) return
      const raw = Buffer.from(responses[Number(buf.slice(5, buf.indexOf(' ', 5)))]!, 'latin1')
      buf = ''
      // Random pieces, a turn of the event loop apart, then close.
      let off = 0
      const step = (): void => {
        if (sock.destroyed) return
        if (off >= raw.length) return void sock.end()
        const n = 1 + Math.floor(next() * 40)
        sock.write(raw.subarray(off, off + n))
        off += n
        setImmediate(step)
      }
      step()
    })
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    srv.close()
  })
  const pool = new UpstreamPool({ host: '127.0.0.1', port: (srv.address() as net.AddressInfo).port, maxConnections: 4, dialTimeoutMs: 5000 })
  t.teardown(() => pool.destroy())
  const codes = new Set(['UPSTREAM_BAD_RESPONSE', 'UPSTREAM_RESET'])
  let problems = 0
  let completed = 0
  for (let i = 0; i < CASES; i += 8) {
    const batch = await Promise.all(Array.from({ length: Math.min(8, CASES - i) }, (_, k) => get(pool, { path: `/${i + k}`, headersTimeoutMs: 5000 })))
    batch.forEach((r, k) => {
      const terminal = r.events.filter((e) => e === 'complete' || e === 'error')
      const ok = terminal.length === 1 && r.events.at(-1) === terminal[0] && (r.error === null || codes.has(r.error.code))
      if (!ok && problems++ < 5) t.fail(`case ${i + k} ${JSON.stringify(responses[i + k])}: events ${r.events} error ${r.error?.code}`)
      if (r.error === null) completed++
    })
  }
  const s = pool.stats()
  t.equal(problems, 0, `${CASES} cases: ${completed} completed, ${CASES - completed} coded errors`)
  t.same([s.open - s.idle, s.queued], [0, 0], 'no busy connection left behind')
})
