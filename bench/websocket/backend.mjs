// The WebSocket backend of bench/websocket: uWS echoing every message on any
// path, one thread. Prints "listening <port>" once ready.
// Usage: node backend.mjs PORT
import uWS from 'uWebSockets.js'

const port = Number(process.argv[2])
uWS
  .App()
  .ws('/*', {
    maxPayloadLength: 16 << 20,
    idleTimeout: 0,
    message: (ws, message, isBinary) => ws.send(message, isBinary),
  })
  .any('/*', (res) => res.end('ws backend'))
  .listen('127.0.0.1', port, (ls) => {
    if (!ls) throw new Error(`backend cannot listen on ${port}`)
    console.log(`listening ${port}`)
  })
