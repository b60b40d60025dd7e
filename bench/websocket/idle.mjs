// Opens N WebSockets and keeps them idle, for bench/websocket's memory
// figure: raw sockets doing the upgrade handshake by hand (a few KB each,
// where a full client library would cost the generator more than the proxy).
// Prints "open N" once all are upgraded, then waits to be killed.
// Usage: node idle.mjs PORT HOST N
import { connect } from 'node:net'

const [port, host, n] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])]
const head = `GET /idle HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`
const keep = []

function open() {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' })
    let got = ''
    s.setEncoding('latin1')
    s.on('error', reject)
    s.once('connect', () => s.write(head))
    const onData = (d) => {
      got += d
      if (!got.includes('\r\n\r\n')) return
      s.off('data', onData)
      if (!got.startsWith('HTTP/1.1 101')) return reject(new Error(`not upgraded: ${got.split('\r\n')[0]}`))
      keep.push(s)
      resolve()
    }
    s.on('data', onData)
  })
}

// 200 handshakes at a time: the whole lot at once would overflow listen backlogs.
for (let i = 0; i < n; i += 200) await Promise.all(Array.from({ length: Math.min(200, n - i) }, open))
console.log(`open ${keep.length}`)
setInterval(() => {}, 1 << 30)
