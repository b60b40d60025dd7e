// Bodies streaming through the upstream client with backpressure both ways,
// against Node's http server on 127.0.0.1. Memory is sampled during the
// transfer: it must stay flat (bounded), not grow with the body size.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { UpstreamPool } from '../../src/upstream/pool.js'
import { call } from '../fuzz/client.js'
import { waitFor } from '../helpers/net.js'

const MiB = 1024 * 1024
const UPLOAD = 256 * MiB
const DOWNLOAD = 256 * MiB
/** Allowed RSS growth during a transfer: far below the body sizes above. */
const MEMORY_BOUND = 96 * MiB

async function listen(t: Test, handler: http.RequestListener): Promise<number> {
  const srv = http.createServer(handler)
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    srv.closeAllConnections()
    srv.close()
  })
  return (srv.address() as AddressInfo).port
}

/** Byte i of the test stream: a pattern that a shifted or duplicated chunk would break. */
const fill = (buf: Buffer, offset: number): void => {
  for (let i = 0; i < buf.length; i += 4096) buf[i] = ((offset + i) / 4096) & 0xff
}

/** A sum over the sampled bytes, as fill() wrote them. */
function checksum(state: { offset: number; sum: number }, chunk: Buffer): void {
  const first = (4096 - (state.offset % 4096)) % 4096
  for (let i = first; i < chunk.length; i += 4096) {
    state.sum = (state.sum + chunk[i]! * ((state.offset + i) / 4096 + 1)) >>> 0
  }
  state.offset += chunk.length
}

function expectedSum(total: number): number {
  const s = { offset: 0, sum: 0 }
  const b = Buffer.alloc(64 * 1024)
  for (let off = 0; off < total; off += b.length) {
    fill(b, off)
    checksum(s, b)
  }
  return s.sum
}

for (const mode of [1, 2] as const) {
  t.test(`${UPLOAD / MiB} MiB upload (${mode === 1 ? 'content-length' : 'chunked'}) with backpressure, memory flat`, async (t) => {
    const port = await listen(t, (req, res) => {
      const st = { offset: 0, sum: 0 }
      req.on('data', (d: Buffer) => checksum(st, d))
      req.on('end', () => res.end(JSON.stringify(st)))
    })
    const pool = new UpstreamPool({ host: '127.0.0.1', port, maxConnections: 1, dialTimeoutMs: 5000 })
    t.teardown(() => pool.destroy())
    const framing = mode === 1 ? ['content-length', String(UPLOAD)] : ['transfer-encoding', 'chunked']
    let drained: (() => void) | null = null
    const c = call(pool, { method: 'POST', bodyMode: mode, headers: framing, onDrain: () => drained?.() })
    const chunk = Buffer.alloc(64 * 1024)
    const base = process.memoryUsage().rss
    let peak = base
    let waits = 0
    for (let off = 0; off < UPLOAD; off += chunk.length) {
      fill(chunk, off) // the same buffer every time: write() must have copied the last one
      if (!c.ctl.write(chunk)) {
        waits++
        await new Promise<void>((r) => (drained = r))
        peak = Math.max(peak, process.memoryUsage().rss)
      }
    }
    c.ctl.end()
    const r = await c.done
    t.equal(r.error, null)
    t.same(JSON.parse(r.body.toString()), { offset: UPLOAD, sum: expectedSum(UPLOAD) }, 'every byte arrived in order')
    t.ok(waits > 0, `write() pushed back (${waits} waits for drain)`)
    t.ok(peak - base < MEMORY_BOUND, `RSS grew ${((peak - base) / MiB).toFixed(1)} MiB during the upload`)
  })
}

t.test(`${DOWNLOAD / MiB} MiB download with pause/resume, memory flat`, async (t) => {
  let serverWaits = 0
  const port = await listen(t, (_req, res) => {
    res.writeHead(200, { 'content-length': DOWNLOAD })
    const chunk = Buffer.alloc(64 * 1024)
    let off = 0
    const pump = (): void => {
      while (off < DOWNLOAD) {
        fill(chunk, off)
        off += chunk.length
        if (!res.write(Buffer.from(chunk))) {
          serverWaits++
          res.once('drain', pump)
          return
        }
      }
      res.end()
    }
    pump()
  })
  const pool = new UpstreamPool({ host: '127.0.0.1', port, maxConnections: 1, dialTimeoutMs: 5000 })
  t.teardown(() => pool.destroy())
  const st = { offset: 0, sum: 0 }
  let paused = false
  let dataWhilePaused = 0
  let pauses = 0
  let sinceResume = 0
  const base = process.memoryUsage().rss
  let peak = base
  const c = call(pool, {
    keepBody: false,
    onData(chunk) {
      if (paused) dataWhilePaused++
      checksum(st, chunk)
      sinceResume += chunk.length
      if (sinceResume < 8 * MiB) return true
      // Every 8 MiB, stall the consumer for a moment.
      sinceResume = 0
      paused = true
      pauses++
      peak = Math.max(peak, process.memoryUsage().rss)
      setTimeout(() => {
        paused = false
        c.ctl.resume()
      }, 20)
      return false
    },
  })
  const r = await c.done
  t.equal(r.error, null)
  t.equal(r.bodyLength, DOWNLOAD)
  t.same(st, { offset: DOWNLOAD, sum: expectedSum(DOWNLOAD) }, 'every byte arrived in order')
  t.equal(dataWhilePaused, 0, `no data delivered while paused (${pauses} pauses)`)
  t.ok(serverWaits > 0, `the backend felt the backpressure (${serverWaits} waits for drain)`)
  t.ok(peak - base < MEMORY_BOUND, `RSS grew ${((peak - base) / MiB).toFixed(1)} MiB during the download`)
})

t.test('controller.pause() during onData holds data until resume()', async (t) => {
  let sentAll = false
  const port = await listen(t, (_req, res) => {
    res.writeHead(200, { 'content-length': 6 })
    res.write('abc')
    setTimeout(() => res.end('def', () => (sentAll = true)), 50)
  })
  const pool = new UpstreamPool({ host: '127.0.0.1', port, maxConnections: 1, dialTimeoutMs: 5000 })
  t.teardown(() => pool.destroy())
  const got: string[] = []
  const c = call(pool, {
    onData(chunk) {
      got.push(chunk.toString())
      if (got.length === 1) c.ctl.pause()
      return true
    },
  })
  await waitFor(() => got.length === 1, 10000, 'the first part')
  await waitFor(() => sentAll, 10000, 'the backend sent everything')
  await new Promise((r) => setTimeout(r, 50))
  t.same(got, ['abc'], 'second part held back')
  c.ctl.resume()
  const r = await c.done
  t.equal(r.body.toString(), 'abcdef')
  t.same(pool.stats(), { open: 1, idle: 1, queued: 0 }, 'connection back in the pool, reading again')
})
