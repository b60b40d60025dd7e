// Benchmark front: a uWS App on 127.0.0.1 (one thread) forwarding every
// request to the backend through either pier's upstream client ("pier") or
// undici's Pool.dispatch ("undici"). Both share the same uWS side: the
// request head is rebuilt from uWS's view, the response head is written once
// the body is known (bodies up to 64 KiB are sent with one end()).
// Usage: node front.mjs pier|undici LISTEN_PORT BACKEND_PORT [CONNECTIONS]
import uWS from 'uWebSockets.js'
import { Pool } from 'undici'
import { UpstreamPool } from '../../dist/upstream/pool.js'

const [mode, listenPort, backendPort, conns = '64'] = process.argv.slice(2)
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection', 'content-length', 'date'])

/** The uWS half of one exchange; the client adapters below call into it. */
class Exchange {
  constructor(res) {
    this.res = res
    this.aborted = false
    this.status = ''
    this.headers = null
    this.chunks = []
    this.ctl = null
    res.onAborted(() => {
      this.aborted = true
      if (this.ctl) this.ctl.abort()
    })
  }
  head(status, statusText, headers) {
    this.status = statusText ? `${status} ${statusText}` : String(status)
    this.headers = headers
  }
  data(chunk) {
    this.chunks.push(Buffer.from(chunk))
    return true
  }
  writeHead() {
    const res = this.res
    res.writeStatus(this.status)
    const h = this.headers
    for (let i = 0; i < h.length; i += 2) if (!HOP.has(h[i].toLowerCase())) res.writeHeader(h[i], h[i + 1])
  }
  complete() {
    if (this.aborted) return
    this.res.cork(() => {
      this.writeHead()
      this.res.end(this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks))
    })
  }
  error(err) {
    if (this.aborted) return
    this.res.cork(() => this.res.writeStatus('502 Bad Gateway').end(String(err.code)))
  }
}

// pier's client: the Exchange is the ResponseHandler, via thin methods.
class PierHandler extends Exchange {
  onHeaders(status, statusText, headers) { this.head(status, statusText, headers) }
  onData(chunk) { return this.data(chunk) }
  onComplete() { this.complete() }
  onError(err) { this.error(err) }
}

// undici's legacy dispatch handler (raw header buffers: its cheapest path).
class UndiciHandler extends Exchange {
  onConnect(abort) { this.ctl = { abort } }
  onHeaders(status, raw, _resume, statusText) {
    const headers = new Array(raw.length)
    for (let i = 0; i < raw.length; i++) headers[i] = raw[i].toString('latin1')
    this.head(status, statusText, headers)
    return true
  }
  onData(chunk) { return this.data(chunk) }
  onComplete() { this.complete() }
  onError(err) { this.error(err) }
}

// Exit cleanly on SIGINT so --cpu-prof can write its profile.
process.on('SIGINT', () => process.exit(0))

const max = Number(conns)
const pier = mode === 'pier' ? new UpstreamPool({ host: '127.0.0.1', port: Number(backendPort), maxConnections: max, dialTimeoutMs: 30000 }) : null
const undici = mode === 'undici' ? new Pool(`http://127.0.0.1:${backendPort}`, { connections: max, pipelining: 1 }) : null
const OPTS = { headersTimeoutMs: 0, isHead: false, idempotent: true }

uWS
  .App()
  .any('/*', (res, req) => {
    const method = req.getCaseSensitiveMethod()
    const q = req.getQuery()
    const path = q ? `${req.getUrl()}?${q}` : req.getUrl()
    if (pier) {
      let head = `${method} ${path} HTTP/1.1\r\n`
      req.forEach((k, v) => {
        if (!HOP.has(k)) head += `${k}: ${v}\r\n`
      })
      const x = new PierHandler(res)
      x.ctl = pier.request(head + '\r\n', 0, x, OPTS)
    } else {
      const headers = []
      req.forEach((k, v) => {
        if (!HOP.has(k)) headers.push(k, v)
      })
      undici.dispatch({ method, path, headers }, new UndiciHandler(res))
    }
  })
  .listen('127.0.0.1', Number(listenPort), (sock) => {
    if (!sock) {
      console.error(`front: cannot listen on ${listenPort}`)
      process.exit(1)
    }
    console.log('ready')
  })
