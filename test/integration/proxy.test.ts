// The proxy core end to end: the built pier, real backends on 127.0.0.1,
// the file provider, two worker threads.
import t from 'tap'
import { mkdtempSync, writeFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'node:http'
import { connect } from 'node:net'
import type { Writable } from 'node:stream'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { startBackend, get, type Backend } from '../helpers/backends.js'

const dir = mkdtempSync(join(tmpdir(), 'pier-proxy-'))
const routesFile = join(dir, 'routes.yml')
let n = 0
/** Replaces the routes file atomically (as editors and config tools do). */
function writeRoutes(http: object): void {
  const tmp = join(dir, `.routes-${n++}.tmp`)
  writeFileSync(tmp, JSON.stringify({ http }, null, 2))
  renameSync(tmp, routesFile)
}

const svc = (...servers: (Backend | { url: string; weight?: number })[]) => ({
  loadBalancer: { servers: servers.map((s) => ('port' in s ? { url: s.url } : s)) },
})

let a: Backend, b: Backend, c: Backend, slow: Backend
let pier: PierProcess
let port: number

t.before(async () => {
  a = await startBackend('a')
  b = await startBackend('b')
  c = await startBackend('c')
  slow = await startBackend('slow', (req, res) => {
    const ms = Number(new URL(req.url!, 'http://x').searchParams.get('ms') ?? 300)
    req.resume()
    setTimeout(() => res.end('slow'), ms)
  })
  port = await freePort()
  writeRoutes({
    routers: {
      wrr: { rule: 'Host(`wrr.test`)', service: 'wrr' },
      none: { rule: 'Host(`none.test`)', service: 'none' },
      slow: { rule: 'Host(`slow.test`)', service: 'slow' },
    },
    services: {
      wrr: svc({ url: a.url, weight: 5 }, { url: b.url }, { url: c.url }),
      none: { loadBalancer: { servers: [] } },
      slow: svc(slow),
    },
  })
  pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${port}`,
    `--providers.file.filename=${routesFile}`,
    '--workers=2',
    '--log.level=DEBUG',
    '--serversTransport.forwardingTimeouts.responseHeaderTimeout=1s',
  ])
})

t.teardown(async () => {
  await pier?.stop('SIGKILL')
  await Promise.all([a, b, c, slow].map((x) => x?.close()))
})

t.test('smooth WRR 5:1:1 over 700 requests on one keep-alive connection', async (t) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const seq: string[] = []
  for (let i = 0; i < 700; i++) seq.push((await get(port, 'wrr.test', '/', { agent })).body)
  agent.destroy()
  const count = (x: string) => seq.filter((s) => s === x).length
  t.same([count('a'), count('b'), count('c')], [500, 100, 100])
  t.equal(seq.slice(0, 7).join(' '), 'a a b a c a a', 'one connection stays on one worker: the exact smooth sequence')
})

t.test('errors: 404 no router, 503 no servers, 502 refused, 504 header timeout', async (t) => {
  const r404 = await get(port, 'nobody.test')
  t.equal(r404.status, 404)
  t.equal(r404.body, '404 page not found\n')
  t.equal((await get(port, 'none.test')).status, 503)
  t.equal((await get(port, 'slow.test', '/?ms=3000')).status, 504)
  const dead = await freePort()
  writeRoutes({
    routers: { dead: { rule: 'Host(`dead.test`)', service: 'dead' }, wrr: { rule: 'Host(`wrr.test`)', service: 'wrr' } },
    services: { dead: svc({ url: `http://127.0.0.1:${dead}` }), wrr: svc(a) },
  })
  await waitFor(async () => (await get(port, 'dead.test')).status !== 404, 2000, 'dead route')
  t.equal((await get(port, 'dead.test')).status, 502)
})

t.test('a changed file is routable within 0.5 s', async (t) => {
  const host = `fresh-${Date.now()}.test`
  writeRoutes({ routers: { fresh: { rule: `Host(\`${host}\`)`, service: 'fresh' } }, services: { fresh: svc(b) } })
  const t0 = Date.now()
  await waitFor(async () => (await get(port, host)).status === 200, 500, 'new route within 0.5 s', 5)
  t.ok(Date.now() - t0 <= 600)
  t.equal((await get(port, host)).body, 'b')
})

t.test('a bad file is reported and the last good configuration stays', async (t) => {
  writeRoutes({ routers: { keep: { rule: 'Host(`keep.test`)', service: 'keep' } }, services: { keep: svc(c) } })
  await waitFor(async () => (await get(port, 'keep.test')).status === 200, 2000, 'keep route')
  const before = pier.logs().length
  writeFileSync(routesFile, 'http:\n  routers: [unclosed\n')
  await pier.waitForLog(/routes\.yml/, 2000)
  t.match(pier.logs().slice(before), /routes\.yml/)
  writeRoutes({ routers: { keep: { rule: 'Host(`keep.test`', service: 'keep' } }, services: { keep: svc(c) } })
  await waitFor(() => /keep/.test(pier.logs().slice(before)) && /rule/i.test(pier.logs().slice(before)), 2000, 'bad rule reported')
  t.equal((await get(port, 'keep.test')).body, 'c', 'still routed by the last good configuration')
})

t.test('hot reload under concurrent load: no failed request', async (t) => {
  writeRoutes({ routers: { hot: { rule: 'Host(`hot.test`)', service: 'hot' } }, services: { hot: svc(a, b) } })
  await waitFor(async () => (await get(port, 'hot.test')).status === 200, 2000, 'hot route')
  const agent = new Agent({ keepAlive: true, maxSockets: 20 })
  let ok = 0
  const failures: string[] = []
  let reloading = true
  const reloader = (async () => {
    for (let i = 0; reloading && i < 200; i++) {
      writeRoutes({
        routers: { hot: { rule: 'Host(`hot.test`)', service: 'hot' }, [`extra${i}`]: { rule: `Host(\`x${i}.test\`)`, service: 'hot' } },
        services: { hot: svc(...(i % 2 ? [a, b] : [b, c])) },
      })
      await new Promise((r) => setTimeout(r, 30))
    }
  })()
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let i = 0; i < 150; i++) {
        try {
          const r = await get(port, 'hot.test', '/', { agent })
          if (r.status === 200) ok++
          else failures.push(`status ${r.status}`)
        } catch (err) {
          failures.push(String(err))
        }
      }
    }),
  )
  reloading = false
  await reloader
  agent.destroy()
  t.same(failures, [])
  t.equal(ok, 3000)
  t.match(pier.logs(), /route table swapped/)
})

t.test('headers: X-Forwarded-*, hop-by-hop removed, Host passed through or not', async (t) => {
  const echo = await startBackend('echo', (req, res) => res.end(JSON.stringify(req.headers)))
  t.teardown(() => echo.close())
  writeRoutes({
    routers: { echo: { rule: 'Host(`echo.test`)', service: 'echo' }, nohost: { rule: 'Host(`nohost.test`)', service: 'nohost' } },
    services: { echo: svc(echo), nohost: { loadBalancer: { passHostHeader: false, servers: [{ url: echo.url }] } } },
  })
  await waitFor(async () => (await get(port, 'echo.test')).status === 200, 2000, 'echo route')
  const h = JSON.parse(
    (await get(port, 'echo.test:' + port, '/p?q=1', { headers: { 'x-forwarded-for': '203.0.113.9', connection: 'x-secret', 'x-secret': '1', 'keep-alive': 'timeout=5', 'proxy-authorization': 'nope', 'x-kept': 'yes' } })).body,
  )
  t.equal(h.host, `echo.test:${port}`)
  t.equal(h['x-forwarded-for'], '127.0.0.1', "an untrusted client's X-Forwarded-For is replaced, not appended to (test/integration/trust.test.ts)")
  t.equal(h['x-real-ip'], '127.0.0.1')
  t.equal(h['x-forwarded-proto'], 'http')
  t.equal(h['x-forwarded-host'], `echo.test:${port}`)
  t.equal(h['x-forwarded-port'], String(port))
  t.equal(h['x-kept'], 'yes')
  for (const gone of ['x-secret', 'keep-alive', 'proxy-authorization']) t.notOk(gone in h, `${gone} removed`)
  const nh = JSON.parse((await get(port, 'nohost.test')).body)
  t.equal(nh.host, `127.0.0.1:${echo.port}`)
})

t.test('HEAD, 204 and 304 carry no body; chunked responses stream through', async (t) => {
  const odd = await startBackend('odd', (req, res) => {
    if (req.url === '/204') return res.writeHead(204).end()
    if (req.url === '/304') return res.writeHead(304, { etag: '"x"' }).end()
    if (req.url === '/chunked') {
      res.write('one,')
      setTimeout(() => res.end('two'), 20)
      return
    }
    res.setHeader('content-length', '5')
    res.end(req.method === 'HEAD' ? undefined : 'hello')
  })
  t.teardown(() => odd.close())
  writeRoutes({ routers: { odd: { rule: 'Host(`odd.test`)', service: 'odd' } }, services: { odd: svc(odd) } })
  await waitFor(async () => (await get(port, 'odd.test')).status === 200, 2000, 'odd route')
  const head = await get(port, 'odd.test', '/', { method: 'HEAD' })
  t.equal(head.headers['content-length'], '5')
  t.equal(head.body, '')
  t.equal((await get(port, 'odd.test', '/204')).status, 204)
  const nm = await get(port, 'odd.test', '/304')
  t.equal(nm.status, 304)
  t.equal(nm.headers.etag, '"x"')
  const ch = await get(port, 'odd.test', '/chunked')
  t.equal(ch.body, 'one,two')
  t.equal(ch.headers['transfer-encoding'], 'chunked')
})

/** Sends raw bytes and collects the reply until the server closes or ms pass. */
function raw(bytes: string, ms = 1000): Promise<string> {
  return new Promise((resolve) => {
    let out = ''
    const s = connect(port, '127.0.0.1', () => s.write(bytes))
    s.setEncoding('latin1').on('data', (d: string) => (out += d))
    const done = () => resolve(out)
    s.on('close', done)
    s.on('error', done)
    setTimeout(() => {
      s.destroy()
    }, ms)
  })
}

t.test('malformed requests get 400/501 and the worker keeps serving', async (t) => {
  writeRoutes({ routers: { wrr: { rule: 'Host(`wrr.test`)', service: 'wrr' } }, services: { wrr: svc(a) } })
  await waitFor(async () => (await get(port, 'wrr.test')).body === 'a', 2000, 'route')
  t.match(await raw('GET / HTTP/1.1\r\nHost: wrr.test\r\nHost: other.test\r\n\r\n'), /^HTTP\/1\.1 400/)
  t.match(await raw('POST / HTTP/1.1\r\nHost: wrr.test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx'), /^HTTP\/1\.1 400/)
  t.match(await raw('POST / HTTP/1.1\r\nHost: wrr.test\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n'), /^HTTP\/1\.1 501/)
  t.equal((await get(port, 'wrr.test')).body, 'a')
})

t.test('a client that goes away cancels the upstream request', async (t) => {
  let closed = false
  const hang = await startBackend('hang', (req, res) => {
    res.on('close', () => (closed = true))
    req.resume()
  })
  t.teardown(() => hang.close())
  writeRoutes({ routers: { hang: { rule: 'Host(`hang.test`)', service: 'hang' } }, services: { hang: svc(hang) } })
  // Each try hangs at the backend (once routed) and is abandoned after 200 ms.
  await waitFor(async () => {
    await raw('GET / HTTP/1.1\r\nHost: hang.test\r\n\r\n', 200)
    return hang.seen.length > 0
  }, 3000, 'hang route')
  await waitFor(() => closed, 3000, 'upstream request closed after client abort')
  t.ok(closed)
})

t.test('streaming: a 64 MiB upload and download pass through intact', async (t) => {
  const size = 64 * 1024 * 1024
  let received = 0
  const big = await startBackend('big', (req, res) => {
    if (req.method === 'POST') {
      let n = 0
      req.on('data', (c: Buffer) => ((n += c.length), (received = n)))
      req.on('end', () => res.end(String(n)))
      return
    }
    res.setHeader('content-length', String(size))
    pump(res, size, 64 * 1024)
  })
  t.teardown(() => big.close())
  writeRoutes({ routers: { big: { rule: 'Host(`big.test`)', service: 'big' } }, services: { big: svc(big) } })
  await waitFor(async () => (await get(port, 'big.test', '/', { method: 'POST', body: 'x' })).body === '1', 2000, 'big route')
  // Each direction fails on its own after 45 s, saying how far it got, so that a stall names its side.
  const stalled = (what: string, got: () => number, reject: (e: Error) => void): NodeJS.Timeout =>
    setTimeout(() => reject(new Error(`${what} stalled: ${got()} of ${size} bytes after 45 s`)), 45_000)
  const down = await new Promise<number>((resolve, reject) => {
    let n = 0
    const timer = stalled('download (bytes the client received)', () => n, reject)
    request({ host: '127.0.0.1', port, headers: { host: 'big.test' } }, (res) => {
      res.on('data', (c: Buffer) => (n += c.length))
      res.on('end', () => (clearTimeout(timer), resolve(n)))
    })
      .on('error', reject)
      .end()
  })
  t.equal(down, size)
  const up = await new Promise<string>((resolve, reject) => {
    const timer = stalled('upload (bytes the backend received)', () => received, reject)
    const req = request({ host: '127.0.0.1', port, method: 'POST', headers: { host: 'big.test', 'content-length': String(size) } }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c))
      res.on('end', () => (clearTimeout(timer), resolve(body)))
    })
    req.on('error', reject)
    pump(req, size, 256 * 1024)
  })
  t.equal(up, String(size))
})

/** Writes size bytes in chunks of chunkSize, honouring backpressure, then ends. */
function pump(out: Writable, size: number, chunkSize: number): void {
  const chunk = Buffer.alloc(chunkSize, 120)
  let sent = 0
  const more = (): void => {
    while (sent < size) {
      sent += chunk.length
      if (!out.write(chunk)) return void out.once('drain', more)
    }
    out.end()
  }
  more()
}
