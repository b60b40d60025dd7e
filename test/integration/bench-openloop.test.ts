// The open-loop generator against a real server on loopback: requests go out
// evenly spaced (not in per-second bursts), and a server stall is charged to
// every request that fell due during it (no coordinated omission), not only
// to the few in flight.
import t from 'tap'
import { createServer, type Socket } from 'node:net'
import hdr from 'hdr-histogram-js'
// @ts-expect-error: the harness is plain ESM JavaScript without type declarations
import { runOpenLoop } from '../../bench/lib/openloop.mjs'

t.test('open loop: even pacing, stalls charged from the due time', { timeout: 30_000 }, async (t) => {
  const arrivals: number[] = []
  let first = 0
  const STALL_FROM = 300
  const STALL_TO = 500
  const sockets = new Set<Socket>()
  const server = createServer((sock) => {
    sockets.add(sock)
    sock.on('close', () => sockets.delete(sock))
    let buf = ''
    sock.on('data', (d) => {
      buf += d.toString('latin1')
      let end
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        buf = buf.slice(end + 4)
        const now = performance.now()
        if (!first) first = now
        arrivals.push(now - first)
        const answer = () => sock.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')
        const at = now - first
        // every request arriving in the stall window is answered when it ends
        if (at >= STALL_FROM && at < STALL_TO) setTimeout(answer, STALL_TO - at)
        else answer()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  const { port } = server.address() as { port: number }
  const rate = 500
  const r = await runOpenLoop({ url: `http://127.0.0.1:${port}`, path: '/', headers: { host: 'x.test' }, connections: 4, durationS: 1, overallRate: rate })
  t.equal(r.ok2xx, rate, 'every scheduled request answered')
  t.equal(r.errors + r.timeouts + r.non2xx, 0)
  const early = arrivals.filter((a) => a < 100).length
  t.ok(early <= 100, `first 100 ms: ${early} requests arrived (evenly paced: about 50; a per-second burst would send far more)`)
  t.ok(r.waited > 0, `${r.waited} requests found every connection busy during the stall`)
  const h = hdr.decodeFromCompressedBase64(r.histogram)
  t.equal(h.totalCount, rate)
  // about 100 requests fall due in the 200 ms stall; closed-loop timing would charge only the 4 in flight
  const stalled = Math.round(rate * (1 - 0.94))
  t.ok(h.getValueAtPercentile(94) >= 100_000, `at least ${stalled} requests charged 100 ms or more (p94 ${h.getValueAtPercentile(94) / 1000} ms)`)
  t.ok(h.getValueAtPercentile(50) < 100_000, `most requests were not stalled (p50 ${h.getValueAtPercentile(50) / 1000} ms)`)
  const service = hdr.decodeFromCompressedBase64(r.service)
  t.ok(service.getValueAtPercentile(94) < h.getValueAtPercentile(94), 'service time (from the send) is shorter than latency from the due time in the stall')
})
