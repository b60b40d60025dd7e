// The benchmark backend: one uWS thread answering on several ports, so every
// target proxies to the same fast server and the backend is not the limit.
//   GET  /     -> a small fixed body
//   GET  /64k  -> a fixed 64 KiB body
//   POST /*    -> reads the whole body (1 MiB in the post-1m scenario), answers small
// Usage: node bench/backend.mjs PORT[,PORT...]   prints "backend ready" when listening.
import uWS from 'uWebSockets.js'

export const SMALL_BODY = 'hello from pier bench\n'
export const BODY_64K = Buffer.alloc(64 * 1024, 'x')

function serve(ports) {
  const app = uWS.App()
  app.get('/64k', (res) => {
    res.cork(() => res.end(BODY_64K))
  })
  app.post('/*', (res) => {
    let aborted = false
    let received = 0
    res.onAborted(() => (aborted = true))
    res.onData((chunk, isLast) => {
      received += chunk.byteLength
      if (isLast && !aborted) res.cork(() => res.end(`received ${received}\n`))
    })
  })
  app.any('/*', (res) => {
    res.cork(() => res.end(SMALL_BODY))
  })
  let pending = ports.length
  for (const port of ports) {
    app.listen('127.0.0.1', port, (sock) => {
      if (!sock) {
        console.error(`backend: cannot listen on 127.0.0.1:${port}`)
        process.exit(1)
      }
      if (--pending === 0) console.log('backend ready')
    })
  }
}

const ports = (process.argv[2] ?? '').split(',').filter(Boolean).map(Number)
if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p <= 0 || p > 65535)) {
  console.error('usage: node bench/backend.mjs PORT[,PORT...] (got ' + JSON.stringify(process.argv[2] ?? '') + ')')
  process.exit(2)
}
serve(ports)
