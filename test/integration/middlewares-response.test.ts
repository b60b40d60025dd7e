// Middlewares that work on the response, end to end: compress, errors,
// buffering, contentType, circuitBreaker, on the built pier with two worker
// threads and real backends on 127.0.0.1.
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, brotliDecompressSync } from 'node:zlib'
import { request } from 'node:http'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { startBackend, get, type Backend } from '../helpers/backends.js'

const dir = mkdtempSync(join(tmpdir(), 'pier-mwr-'))
let app: Backend
let pages: Backend
let flaky: Backend
let pier: PierProcess
let port: number
let flakyStatus = 200

const big = 'pier compresses this line. '.repeat(200)

/** A raw response: status, headers and the body bytes as they came (no decoding). */
function raw(host: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

t.before(async () => {
  app = await startBackend('app', (req, res) => {
    const u = new URL(req.url!, 'http://x')
    req.resume()
    req.on('end', () => {
      const status = Number(u.searchParams.get('status') ?? 200)
      if (u.pathname === '/big') {
        res.writeHead(status, { 'Content-Type': u.searchParams.get('type') ?? 'text/plain', ...(u.searchParams.has('encoded') ? { 'Content-Encoding': 'gzip' } : {}) })
        return void res.end(big)
      }
      if (u.pathname === '/small') return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('tiny')
      if (u.pathname === '/range') return void res.writeHead(206, { 'Content-Type': 'text/plain', 'Content-Range': `bytes 0-${big.length - 1}/9999` }).end(big)
      if (u.pathname === '/events') return void res.writeHead(200, { 'Content-Type': 'text/event-stream' }).end(big)
      if (u.pathname === '/stream') {
        // A chunked response in two parts, the second after a pause: compressed, it still streams.
        res.writeHead(200, { 'Content-Type': 'text/plain' })
        res.write(big)
        return void setTimeout(() => res.end(big), 100)
      }
      if (u.pathname === '/untyped') {
        const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')
        return void res.end(u.searchParams.has('png') ? png : '<html><body>hi</body></html>')
      }
      res.writeHead(status, { 'Content-Type': 'text/plain', 'X-App': 'yes' }).end(`app ${status}`)
    })
  })
  pages = await startBackend('pages', (req, res) => {
    req.resume()
    res.writeHead(200, { 'Content-Type': 'text/html', 'X-Page': req.url! }).end(`<h1>error page ${req.url}</h1>`)
  })
  flaky = await startBackend('flaky', (req, res) => {
    req.resume()
    res.writeHead(flakyStatus).end(`flaky ${flakyStatus}`)
  })
  const r = (name: string, mw: string[], service = 'app') => ({ rule: `Host(\`${name}.test\`)`, service, middlewares: mw })
  const routes = join(dir, 'routes.yml')
  writeFileSync(
    routes,
    JSON.stringify({
      http: {
        routers: {
          gz: r('gz', ['gz']),
          brfirst: r('brfirst', ['br-first']),
          only: r('only', ['gz-json-only']),
          errors: r('errors', ['pages']),
          rewritten: r('rewritten', ['pages-418']),
          buffered: r('buffered', ['limits']),
          sniffed: r('sniffed', ['sniff']),
          breaker: r('breaker', ['breaker'], 'flaky'),
        },
        services: {
          app: { loadBalancer: { servers: [{ url: app.url }] } },
          pages: { loadBalancer: { servers: [{ url: pages.url }] } },
          flaky: { loadBalancer: { servers: [{ url: flaky.url }] } },
        },
        middlewares: {
          gz: { compress: {} },
          'br-first': { compress: { encodings: ['br', 'gzip'] } },
          'gz-json-only': { compress: { includedContentTypes: ['application/json'] } },
          pages: { errors: { status: ['500-599', '404'], service: 'pages', query: '/{status}.html?from={url}' } },
          'pages-418': { errors: { status: ['418'], service: 'pages', query: '/{status}-{originalStatus}.html', statusRewrites: { '418': 404 } } },
          limits: { buffering: { maxRequestBodyBytes: 1000, maxResponseBodyBytes: 3000 } },
          sniff: { contentType: {} },
          breaker: { circuitBreaker: { expression: 'ResponseCodeRatio(500, 600, 0, 600) > 0.5 && NetworkErrorRatio() < 1', checkPeriod: '10ms', fallbackDuration: '1s', recoveryDuration: '1s' } },
        },
      },
    }),
  )
  port = await freePort()
  pier = await startPier([`--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, '--workers=1'])
})

t.teardown(async () => {
  await pier?.stop()
  for (const b of [app, pages, flaky]) await b?.close()
})

t.test('compress: gzip or brotli as accepted, Vary, streamed', async (t) => {
  let r = await raw('gz.test', '/big', { 'Accept-Encoding': 'gzip' })
  t.equal(r.headers['content-encoding'], 'gzip')
  t.equal(r.headers.vary, 'Accept-Encoding')
  t.notOk('content-length' in r.headers, 'no length of the uncompressed body')
  t.equal(gunzipSync(r.body).toString(), big)
  t.ok(r.body.length < big.length / 4, `compressed (${r.body.length} of ${big.length} bytes)`)
  r = await raw('gz.test', '/big', { 'Accept-Encoding': 'br;q=1.0, gzip;q=0.5' })
  t.equal(r.headers['content-encoding'], 'br')
  t.equal(brotliDecompressSync(r.body).toString(), big)
  r = await raw('gz.test', '/big', { 'Accept-Encoding': 'gzip, br' })
  t.equal(r.headers['content-encoding'], 'gzip', 'equal weights: the configured order (gzip, br, zstd)')
  r = await raw('brfirst.test', '/big', { 'Accept-Encoding': 'gzip, br' })
  t.equal(r.headers['content-encoding'], 'br', 'equal weights: br first when configured first')
  r = await raw('gz.test', '/big', { 'Accept-Encoding': '*' })
  t.equal(r.headers['content-encoding'], 'gzip', 'a wildcard takes the first encoding')
  r = await raw('gz.test', '/big', { 'Accept-Encoding': 'gzip;q=0, deflate' })
  t.notOk(r.headers['content-encoding'], 'q=0 refuses; deflate is not offered')
  t.equal(r.body.toString(), big)
  r = await raw('gz.test', '/stream', { 'Accept-Encoding': 'gzip' })
  t.equal(gunzipSync(r.body).toString(), big + big, 'a streamed response, compressed as it comes')
})

t.test('compress: never small, encoded, ranged, event-stream or HEAD responses', async (t) => {
  let r = await raw('gz.test', '/small', { 'Accept-Encoding': 'gzip' })
  t.notOk(r.headers['content-encoding'], 'under minResponseBodyBytes')
  t.equal(r.body.toString(), 'tiny')
  t.equal(r.headers['content-length'], '4')
  r = await raw('gz.test', '/big?encoded=1', { 'Accept-Encoding': 'gzip' })
  t.equal(r.headers['content-encoding'], 'gzip')
  t.equal(r.body.toString(), big, 'already encoded: passed as is')
  r = await raw('gz.test', '/range', { 'Accept-Encoding': 'gzip' })
  t.equal(r.status, 206)
  t.notOk(r.headers['content-encoding'])
  r = await raw('gz.test', '/events', { 'Accept-Encoding': 'gzip' })
  t.notOk(r.headers['content-encoding'], 'text/event-stream')
  r = await raw('gz.test', '/big', { 'Accept-Encoding': 'gzip' }, 'HEAD')
  t.notOk(r.headers['content-encoding'], 'HEAD')
  r = await raw('only.test', '/big', { 'Accept-Encoding': 'gzip' })
  t.notOk(r.headers['content-encoding'], 'includedContentTypes: text/plain is not listed')
  r = await raw('only.test', '/big?type=application/json;%20charset=utf-8', { 'Accept-Encoding': 'gzip' })
  t.equal(r.headers['content-encoding'], 'gzip', 'application/json (with a charset) is')
  r = await raw('gz.test', '/big')
  t.notOk(r.headers['content-encoding'], 'no Accept-Encoding, no defaultEncoding')
})

t.test('errors: a page from another service with the original status', async (t) => {
  let r = await get(port, 'errors.test', '/x?status=503')
  t.equal(r.status, 503)
  t.equal(r.headers['x-page'], `/503.html?from=${encodeURIComponent('http://errors.test/x?status=503')}`)
  t.match(r.body, /^<h1>error page \/503\.html/)
  t.notOk('x-app' in r.headers, "the backend's headers are gone")
  r = await get(port, 'errors.test', '/x?status=404')
  t.equal(r.status, 404)
  t.match(r.headers['x-page'], /^\/404\.html/)
  r = await get(port, 'errors.test', '/x?status=403')
  t.equal(r.status, 403, 'a status out of the ranges passes')
  t.equal(r.body, 'app 403')
  r = await get(port, 'rewritten.test', '/x?status=418')
  t.equal(r.status, 404, 'statusRewrites')
  t.equal(r.headers['x-page'], '/404-418.html')
})

t.test('buffering: 413 for a large request body, 500 for a large response', async (t) => {
  t.equal((await get(port, 'buffered.test', '/', { method: 'POST', body: 'x'.repeat(500) })).status, 200)
  t.equal((await get(port, 'buffered.test', '/', { method: 'POST', body: 'x'.repeat(1001) })).status, 413, 'Content-Length over the limit')
  t.equal((await get(port, 'buffered.test', '/', { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: 'x'.repeat(5000) })).status, 413, 'a chunked body over the limit')
  t.equal((await get(port, 'buffered.test', '/big')).status, 500, `a ${big.length}-byte response over maxResponseBodyBytes 3000`)
  t.equal((await get(port, 'buffered.test', '/small')).body, 'tiny')
})

t.test('contentType: a response without Content-Type gets the sniffed one', async (t) => {
  t.equal((await get(port, 'sniffed.test', '/untyped')).headers['content-type'], 'text/html; charset=utf-8')
  t.equal((await get(port, 'sniffed.test', '/untyped?png=1')).headers['content-type'], 'image/png')
  t.equal((await get(port, 'sniffed.test', '/small')).headers['content-type'], 'text/plain', "the backend's own is kept")
})

t.test('circuitBreaker: trips on errors, answers 503 itself, recovers', async (t) => {
  const before = flaky.seen.length
  flakyStatus = 500
  const seen: number[] = []
  for (let i = 0; i < 20; i++) seen.push((await get(port, 'breaker.test', '/')).status)
  t.ok(seen.includes(500), 'errors pass until the breaker trips')
  t.equal(seen[seen.length - 1], 503, `then it answers itself: ${seen.join(' ')}`)
  const reached = flaky.seen.length - before
  t.ok(reached < 20, `the service saw ${reached} of 20`)
  flakyStatus = 200
  await waitFor(async () => (await get(port, 'breaker.test', '/')).status === 200, 5000, 'recovering lets some through')
  await waitFor(async () => {
    const r = await Promise.all([1, 2, 3, 4, 5].map(() => get(port, 'breaker.test', '/')))
    return r.every((x) => x.status === 200)
  }, 6000, 'back to standby: all through')
})
