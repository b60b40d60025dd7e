// Benchmark backend: a uWS App on 127.0.0.1 answering every request with a
// small fixed body. Usage: node backend.mjs PORT
import uWS from 'uWebSockets.js'

const port = Number(process.argv[2])
const body = 'Hello from the backend!\n'
uWS
  .App()
  .any('/*', (res) => {
    res.cork(() => res.writeHeader('content-type', 'text/plain').end(body))
  })
  .listen('127.0.0.1', port, (sock) => {
    if (!sock) {
      console.error(`backend: cannot listen on ${port}`)
      process.exit(1)
    }
    console.log('ready')
  })
