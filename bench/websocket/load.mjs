// Load for bench/websocket, in a process of its own: CONNS `ws` clients, each
// sending a SIZE-byte binary message and waiting for its echo before the next
// (closed loop), for SECONDS after a warm-up. Latency per echo in µs into an
// HDR histogram. Prints one JSON line: { messages, seconds, errors, hist }.
// DEFLATE=1 offers permessage-deflate; bytesIn counts what the clients read
// off the wire while measuring (compression shows there).
// Usage: node load.mjs PORT HOST CONNS SIZE SECONDS WARMUP_SECONDS [DEFLATE]
import { WebSocket } from 'ws'
import { newHistogram, encode } from '../lib/hdr.mjs'

const [port, host, conns, size, seconds, warmup, deflate] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v)))
// JSON-like text compresses as real traffic does; repeated to the size asked.
const payload = Buffer.from('{"entity_id":"sensor.kitchen","state":"21.5","attributes":{"unit":"C"}}'.repeat(Math.ceil(size / 70)).slice(0, size))
const hist = newHistogram()
let measuring = false
let messages = 0
/** Echoes over the whole run, warm-up included: the proxy's CPU time is read over all of it. */
let total = 0
let errors = 0
let running = true

function client() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`, { headers: { host }, perMessageDeflate: deflate ? { threshold: 0 } : false })
    let sentAt = 0
    const send = () => {
      if (!running) return
      sentAt = performance.now()
      ws.send(payload)
    }
    ws.on('open', () => {
      resolve(ws)
      send()
    })
    ws.on('message', () => {
      total++
      if (measuring) {
        hist.recordValue(Math.max(1, Math.round((performance.now() - sentAt) * 1000)))
        messages++
      }
      send()
    })
    ws.on('error', (err) => {
      errors++
      reject(err)
    })
  })
}

const sockets = await Promise.all(Array.from({ length: conns }, client))
const bytesRead = () => sockets.reduce((n, ws) => n + ws._socket.bytesRead, 0)
await new Promise((r) => setTimeout(r, warmup * 1000))
const read0 = bytesRead()
measuring = true
const t0 = performance.now()
await new Promise((r) => setTimeout(r, seconds * 1000))
measuring = false
const bytesIn = bytesRead() - read0
const extensions = sockets[0].extensions
const elapsed = (performance.now() - t0) / 1000
running = false
for (const ws of sockets) ws.terminate()
console.log(JSON.stringify({ messages, total, seconds: elapsed, errors, bytesIn, extensions, hist: encode(hist) }))
process.exit(0)
