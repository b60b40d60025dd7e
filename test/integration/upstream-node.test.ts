// The upstream client against Node's own http server on 127.0.0.1: every
// framing, interim responses, keep-alive reuse, connection loss, time-outs,
// and backpressure in both directions.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { UpstreamPool } from '../../src/upstream/pool.js'
import { call, get } from '../fuzz/client.js'
import { freePort, waitFor } from '../helpers/net.js'

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void

async function server(t: Test, handler: Handler, tweak?: (s: http.Server) => void): Promise<{ srv: http.Server; port: number; ports: number[] }> {
  const ports: number[] = []
  const srv = http.createServer((req, res) => {
    ports.push(req.socket.remotePort!)
    handler(req, res)
  })
  tweak?.(srv)
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    srv.closeAllConnections()
    srv.close()
  })
  return { srv, port: (srv.address() as AddressInfo).port, ports }
}

function pool(t: Test, port: number, extra: Partial<ConstructorParameters<typeof UpstreamPool>[0]> = {}): UpstreamPool {
  const p = new UpstreamPool({ host: '127.0.0.1', port, maxConnections: 4, dialTimeoutMs: 5000, ...extra })
  t.teardown(() => p.destroy())
  return p
}

t.test('content-length responses reuse one keep-alive connection', async (t) => {
  const { port, ports } = await server(t, (req, res) => {
    res.setHeader('content-length', 7)
    res.setHeader('X-Path', req.url!)
    res.end('payload')
  })
  const p = pool(t, port)
  for (let i = 0; i < 5; i++) {
    const r = await get(p, { path: `/n${i}` })
    t.equal(r.error, null)
    t.equal(r.status, 200)
    t.equal(r.statusText, 'OK')
    t.equal(r.contentLength, 7)
    t.equal(r.body.toString(), 'payload')
    t.equal(r.headers[r.headers.indexOf('X-Path') + 1], `/n${i}`)
    t.same(r.events, ['headers', 'data', 'complete'])
  }
  t.equal(new Set(ports).size, 1, 'one socket on the server side for 5 sequential requests')
  t.same(p.stats(), { open: 1, idle: 1, queued: 0 })
})

t.test('chunked response with trailers', async (t) => {
  const { port } = await server(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', Trailer: 'X-Checksum' })
    res.write('first,')
    setTimeout(() => {
      res.write('second')
      res.addTrailers({ 'X-Checksum': 'c0ffee' })
      res.end()
    }, 20)
  })
  const p = pool(t, port)
  const r = await get(p)
  t.equal(r.error, null)
  t.equal(r.contentLength, -1)
  t.equal(r.body.toString(), 'first,second')
  t.same(r.trailers, ['X-Checksum', 'c0ffee'])
  const again = await get(p)
  t.equal(again.body.toString(), 'first,second', 'connection reused after a chunked body')
  t.equal(p.stats().open, 1)
})

t.test('close-delimited response (Connection: close, no length)', async (t) => {
  const { port } = await server(t, (_req, res) => {
    res.removeHeader('transfer-encoding')
    res.useChunkedEncodingByDefault = false
    res.setHeader('connection', 'close')
    res.write('until ')
    setTimeout(() => res.end('close'), 20)
  })
  const p = pool(t, port)
  const r = await get(p)
  t.equal(r.error, null)
  t.equal(r.contentLength, -1)
  t.equal(r.body.toString(), 'until close')
  await waitFor(() => p.stats().open === 0, 10000, 'connection closed')
})

t.test('HEAD, 204 and 304 have no body and keep the connection', async (t) => {
  const { port, ports } = await server(t, (req, res) => {
    if (req.url === '/204') res.writeHead(204).end()
    else if (req.url === '/304') res.writeHead(304, { ETag: '"x"' }).end()
    else res.writeHead(200, { 'content-length': 11 }).end(req.method === 'HEAD' ? undefined : 'hello world')
  })
  const p = pool(t, port)
  const head = await get(p, { method: 'HEAD' })
  t.same([head.status, head.contentLength, head.body.length, head.error], [200, 0, 0, null])
  t.equal(head.headers[head.headers.indexOf('content-length') + 1], '11', 'the length header itself is passed on')
  const n204 = await get(p, { path: '/204' })
  t.same([n204.status, n204.contentLength, n204.body.length], [204, 0, 0])
  const n304 = await get(p, { path: '/304' })
  t.same([n304.status, n304.contentLength, n304.body.length], [304, 0, 0])
  const full = await get(p)
  t.equal(full.body.toString(), 'hello world')
  t.equal(new Set(ports).size, 1)
})

t.test('1xx interim responses are skipped (103 Early Hints, 100 Continue)', async (t) => {
  const { port } = await server(
    t,
    (req, res) => {
      if (req.url === '/hints') res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' })
      let n = 0
      req.on('data', (d: Buffer) => (n += d.length))
      req.on('end', () => res.end(`got ${n}`))
    },
    (srv) =>
      srv.on('checkContinue', (req, res) => {
        res.writeContinue()
        srv.emit('request', req, res)
      }),
  )
  const p = pool(t, port)
  const hints = await get(p, { path: '/hints' })
  t.same([hints.status, hints.body.toString(), hints.events], [200, 'got 0', ['headers', 'data', 'complete']])
  const c = call(p, { method: 'POST', bodyMode: 1, headers: ['expect', '100-continue', 'content-length', '5'] })
  c.ctl.write(Buffer.from('12345'))
  c.ctl.end()
  const r = await c.done
  t.same([r.status, r.body.toString()], [200, 'got 5'])
})

t.test('an idle connection closed by the server is replaced', async (t) => {
  const { port, ports } = await server(t, (_req, res) => res.end('ok'), (srv) => (srv.keepAliveTimeout = 50))
  const p = pool(t, port)
  t.equal((await get(p)).body.toString(), 'ok')
  await waitFor(() => p.stats().open === 0, 10000, 'pool noticed the close')
  t.equal((await get(p)).body.toString(), 'ok')
  t.equal(new Set(ports).size, 2)
})

t.test('server resetting mid-body is an error, after the headers', async (t) => {
  const { port } = await server(t, (req, res) => {
    res.writeHead(200, { 'content-length': 100 })
    res.write('partial')
    setTimeout(() => (req.url === '/rst' ? req.socket.resetAndDestroy() : req.socket.destroy()), 20)
  })
  const p = pool(t, port)
  for (const path of ['/rst', '/fin']) {
    const r = await get(p, { path })
    t.equal(r.error?.code, 'UPSTREAM_RESET', path)
    t.same(r.events, ['headers', 'data', 'error'], `${path}: data, then one error`)
    t.equal(r.body.toString(), 'partial')
  }
  t.equal(p.stats().open, 0)
})

t.test('connection refused', async (t) => {
  const p = pool(t, await freePort())
  const r = await get(p)
  t.equal(r.error?.code, 'UPSTREAM_CONNECT_REFUSED')
  t.equal(r.error?.syscallCode, 'ECONNREFUSED')
  t.same(r.events, ['error'])
  t.same(p.stats(), { open: 0, idle: 0, queued: 0 })
})

t.test('headers timeout', async (t) => {
  const { port } = await server(t, (req, res) => {
    if (req.url === '/slow-body') {
      res.writeHead(200, { 'content-length': 4 })
      res.write('ab')
      setTimeout(() => res.end('cd'), 400)
    }
    // else: never answer
  })
  const p = pool(t, port)
  const started = Date.now()
  const r = await get(p, { headersTimeoutMs: 150 })
  t.equal(r.error?.code, 'UPSTREAM_HEADERS_TIMEOUT')
  t.ok(Date.now() - started >= 150, 'not before the deadline')
  t.equal(p.stats().open, 0, 'the connection is closed')
  const slowBody = await get(p, { path: '/slow-body', headersTimeoutMs: 150 })
  t.same([slowBody.error, slowBody.body.toString()], [null, 'abcd'], 'the limit is on headers only')
})

t.test('requests beyond maxConnections wait in FIFO order', async (t) => {
  const order: string[] = []
  const { port, ports } = await server(t, (req, res) => {
    order.push(req.url!)
    setTimeout(() => res.end(req.url), 10)
  })
  const p = pool(t, port, { maxConnections: 2 })
  const calls = Array.from({ length: 10 }, (_, i) => get(p, { path: `/${i}` }))
  t.same(p.stats(), { open: 2, idle: 0, queued: 8 })
  const results = await Promise.all(calls)
  t.same(results.map((r) => r.body.toString()), Array.from({ length: 10 }, (_, i) => `/${i}`))
  t.same(order.slice(2), ['/2', '/3', '/4', '/5', '/6', '/7', '/8', '/9'])
  t.ok(new Set(ports).size <= 2)
  t.same(p.stats(), { open: 2, idle: 2, queued: 0 })
})

t.test('abort: no callback afterwards, connection not reused; queued abort leaves the queue', async (t) => {
  let closed = 0
  let received = 0
  const { port, srv } = await server(t, () => {
    received++ // never answers
  })
  srv.on('connection', (s) => s.on('close', () => closed++))
  const p = pool(t, port, { maxConnections: 1 })
  const a = call(p)
  const b = call(p)
  t.same(p.stats(), { open: 1, idle: 0, queued: 1 })
  b.ctl.abort()
  t.same(p.stats(), { open: 1, idle: 0, queued: 0 })
  await waitFor(() => received === 1, 10000, 'request reached the server')
  a.ctl.abort()
  a.ctl.abort()
  t.same(p.stats(), { open: 0, idle: 0, queued: 0 })
  await waitFor(() => closed === 1, 10000, 'server saw the close')
  t.same([a.outcome.events, b.outcome.events], [[], []])
})

t.test('destroy fails pending requests with UPSTREAM_CLOSED', async (t) => {
  const { port } = await server(t, () => {})
  const p = new UpstreamPool({ host: '127.0.0.1', port, maxConnections: 1, dialTimeoutMs: 5000 })
  const a = get(p)
  const b = get(p)
  p.destroy()
  const [ra, rb] = await Promise.all([a, b])
  t.same([ra.error?.code, rb.error?.code], ['UPSTREAM_CLOSED', 'UPSTREAM_CLOSED'])
  const late = await get(p)
  t.equal(late.error?.code, 'UPSTREAM_CLOSED')
  t.same(p.stats(), { open: 0, idle: 0, queued: 0 })
})

t.test('idle connections close after idleTimeoutMs', async (t) => {
  const { port } = await server(t, (_req, res) => res.end('x'))
  const p = pool(t, port, { idleTimeoutMs: 1000 })
  await Promise.all([get(p), get(p), get(p)])
  t.equal(p.stats().idle, 3)
  await waitFor(() => p.stats().open === 0, 10000, 'idle connections closed')
})

t.test('bad options are refused with a clear message', async (t) => {
  const base = { host: '127.0.0.1', port: 80, maxConnections: 1, dialTimeoutMs: 1000 }
  t.throws(() => new UpstreamPool({ ...base, port: 0 }), { code: 'UPSTREAM_BAD_OPTIONS', message: /port/ })
  t.throws(() => new UpstreamPool({ ...base, maxConnections: 0 }), { code: 'UPSTREAM_BAD_OPTIONS', message: /maxConnections/ })
  t.throws(() => new UpstreamPool({ ...base, host: '' }), { code: 'UPSTREAM_BAD_OPTIONS', message: /host/ })
  t.throws(() => new UpstreamPool({ ...base, dialTimeoutMs: -1 }), { code: 'UPSTREAM_BAD_OPTIONS', message: /dialTimeoutMs/ })
})

t.test('a body written while the request waits in the queue is sent once it gets a connection', async (t) => {
  const { port } = await server(t, (req, res) => {
    if (req.url === '/slow') return void setTimeout(() => res.end('slow'), 100)
    const parts: Buffer[] = []
    req.on('data', (d: Buffer) => parts.push(d))
    req.on('end', () => res.end(`${req.headers['transfer-encoding'] ?? 'length'}:${Buffer.concat(parts).toString()}`))
  })
  const p = pool(t, port, { maxConnections: 1 })
  const slow = get(p, { path: '/slow' })
  let drains = 0
  const cl = call(p, { method: 'POST', bodyMode: 1, headers: ['content-length', '11'], onDrain: () => drains++ })
  const chunked = call(p, { method: 'POST', bodyMode: 2, headers: ['transfer-encoding', 'chunked'] })
  t.same(p.stats().queued, 2)
  const mem = Buffer.from('hello world')
  t.equal(cl.ctl.write(mem), false, 'no connection yet: buffered, wait for drain')
  mem.fill(0) // the client kept a copy
  cl.ctl.end()
  chunked.ctl.write(Buffer.from('one,'))
  chunked.ctl.write(new Uint8Array(0))
  chunked.ctl.write(Buffer.from('two'))
  chunked.ctl.end()
  t.equal((await slow).body.toString(), 'slow')
  t.equal((await cl.done).body.toString(), 'length:hello world')
  t.equal(drains, 1, 'onRequestDrain once the buffered body went out')
  t.equal((await chunked.done).body.toString(), 'chunked:one,two')
})
