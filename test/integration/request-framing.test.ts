// Requests pier refuses for their framing, from raw sockets against the built
// pier and a real backend: each gets its status and then the connection
// closes, so that nothing behind it (a request smuggled in its body, or sent
// after the answer) is ever read as a request; the backend sees none of it.
// Then what pier accepts and forwards, the size limits, Expect, and what
// uWS 20.30 itself refuses or leaves unanswered (README: limits).
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../helpers/net.js'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { startBackend, type Backend } from '../helpers/backends.js'
import { rawExchange } from '../helpers/raw.js'

let pier: PierProcess
let app: Backend
let port: number
let small: number

t.before(async () => {
  app = await startBackend('app', (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => res.end(`ok ${Buffer.concat(chunks).toString('latin1')}`))
  })
  const dir = mkdtempSync(join(tmpdir(), 'pier-framing-'))
  const routes = join(dir, 'routes.yml')
  writeFileSync(routes, JSON.stringify({ http: { routers: { app: { rule: 'Host(`app.test`)', service: 'app' } }, services: { app: { loadBalancer: { servers: [{ url: app.url }] } } } } }))
  port = await freePort()
  small = await freePort()
  pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${port}`,
    `--entrypoints.small.address=127.0.0.1:${small}`,
    '--entrypoints.small.http.maxHeaderBytes=4096',
    '--entrypoints.small.http.maxRequestLineBytes=1024',
    '--entrypoints.small.transport.respondingTimeouts.readTimeout=2s',
    `--providers.file.filename=${routes}`,
    '--workers=2',
  ])
})

t.teardown(async () => {
  await pier?.stop('SIGKILL')
  await app?.close()
})

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n'
const get = (path: string, headers = ''): string => `GET ${path} HTTP/1.1\r\nHost: app.test\r\n${headers}\r\n`
const bytes = (...parts: Array<string | number[]>): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))))

/** [what, request, status, the same request with SMUGGLED inside or right behind it] */
const refused: Array<[string, string | Buffer, number, string | Buffer]> = [
  ['differing Content-Length values', 'POST /r HTTP/1.1\r\nHost: app.test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx', 400, `POST /r HTTP/1.1\r\nHost: app.test\r\nContent-Length: 0\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`],
  ['empty Content-Length', 'POST /r HTTP/1.1\r\nHost: app.test\r\nContent-Length:\r\n\r\n', 400, `POST /r HTTP/1.1\r\nHost: app.test\r\nContent-Length:\r\n\r\n${SMUGGLED}`],
  ['transfer coding xchunked', 'POST /r HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n', 501, `POST /r HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ['transfer codings chunked twice', 'POST /r HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 501, `POST /r HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ['two Host headers', 'GET /r HTTP/1.1\r\nHost: app.test\r\nHost: other.test\r\n\r\n', 400, `GET /r HTTP/1.1\r\nHost: app.test\r\nHost: other.test\r\n\r\n${SMUGGLED}`],
  ['empty Host', 'GET /r HTTP/1.1\r\nHost:\r\n\r\n', 400, `GET /r HTTP/1.1\r\nHost:\r\n\r\n${SMUGGLED}`],
  ['Host list', get('/r').replace('app.test', 'app.test, other.test'), 400, get('/r').replace('app.test', 'app.test, other.test') + SMUGGLED],
  ['Host with /', get('/r').replace('app.test', 'app.test/x'), 400, get('/r').replace('app.test', 'app.test/x') + SMUGGLED],
  ['Host with ..', get('/r').replace('app.test', 'app..test'), 400, get('/r').replace('app.test', 'app..test') + SMUGGLED],
  ['Host with a control character', get('/r').replace('app.test', 'app\x7ftest'), 400, get('/r').replace('app.test', 'app\x7ftest') + SMUGGLED],
  ['Host port 0', get('/r').replace('app.test', 'app.test:0'), 400, get('/r').replace('app.test', 'app.test:0') + SMUGGLED],
  ['Host port 65536', get('/r').replace('app.test', 'app.test:65536'), 400, get('/r').replace('app.test', 'app.test:65536') + SMUGGLED],
  ['Host port not a number', get('/r').replace('app.test', 'app.test:8o'), 400, get('/r').replace('app.test', 'app.test:8o') + SMUGGLED],
  ['target with bytes 0x80 and above', bytes('GET /caf', [0xc3, 0xa9], ' HTTP/1.1\r\nHost: app.test\r\n\r\n'), 400, bytes('GET /caf', [0xc4, 0x8d, 0xc4, 0x8a], 'X-Evil:%20y HTTP/1.1\r\nHost: app.test\r\n\r\n', SMUGGLED)],
  ['target with "', get('/r?q="x"'), 400, get('/r?q="x"') + SMUGGLED],
  ['target with DEL', get('/r\x7f'), 400, get('/r\x7f') + SMUGGLED],
  ['DEL in a header value', get('/r', 'X-A: a\x7fb\r\n'), 400, get('/r', 'X-A: a\x7fb\r\n') + SMUGGLED],
  ['an expectation other than 100-continue', get('/r', 'Expect: something\r\n'), 417, get('/r', 'Expect: something\r\n') + SMUGGLED],
  ['request line over 8 KiB', get(`/${'a'.repeat(9000)}`), 414, get(`/${'a'.repeat(9000)}`) + SMUGGLED],
  ['header block over 16 KiB', get('/r', `X-Big: ${'b'.repeat(17000)}\r\n`), 431, get('/r', `X-Big: ${'b'.repeat(17000)}\r\n`) + SMUGGLED],
]

t.test('refused requests: their status, Connection: close, and the connection closes; nothing behind them is forwarded', async (t) => {
  await Promise.all(
    refused.map(async ([what, request, status, smuggling]) => {
      const alone = await rawExchange(port, [request, SMUGGLED], { gapMs: 300 })
      t.same(alone.statuses, [status], `${what}: answered ${status}, the request sent after it is not`)
      t.match(alone.text, /\r\nConnection: close\r\n/i, `${what}: says Connection: close`)
      t.ok(alone.closed, `${what}: then closed`)
      const smuggled = await rawExchange(port, [smuggling])
      t.ok(smuggled.closed, `${what}, with a request behind it in the same packet: closed`)
      t.ok(smuggled.statuses.every((s) => s === status), `${what}, with a request behind it: nothing but its own answer (${smuggled.statuses})`)
    }),
  )
  t.same(app.seen.map((r) => r.url).filter((u) => u.startsWith('/r') || u.startsWith('/smuggled') || u.startsWith('/caf')), [], 'the backend saw none of them')
})

t.test('limits are the entrypoint\'s own', async (t) => {
  const header = await rawExchange(small, [get('/r', `X-Big: ${'b'.repeat(5000)}\r\n`)])
  t.same([header.statuses, header.closed], [[431], true], 'header block over maxHeaderBytes=4096')
  const line = await rawExchange(small, [get(`/${'a'.repeat(2000)}`)])
  t.same([line.statuses, line.closed], [[414], true], 'request line over maxRequestLineBytes=1024')
  const fine = await rawExchange(small, [get('/fine', `X-Big: ${'b'.repeat(3000)}\r\n`)], { until: /ok $/ })
  t.same(fine.statuses, [200], 'within them')
})

t.test('accepted: forwarded, answered, the connection stays open', async (t) => {
  const cases: Array<[string, string | Buffer, RegExp]> = [
    ['a port in Host', get('/a1').replace('app.test', 'app.test:8080'), /ok $/],
    ['Host in upper case', get('/a2').replace('app.test', 'APP.TEST'), /ok $/],
    ['a trailing dot in Host', get('/a3').replace('app.test', 'app.test.'), /ok $/],
    ['an IPv6 literal in Host (no router: 404)', get('/a4').replace('app.test', '[::1]:80'), /404 page not found\n$/],
    ['the same Content-Length twice', 'POST /a5 HTTP/1.1\r\nHost: app.test\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi', /ok hi$/],
    ['Transfer-Encoding: Chunked', 'POST /a6 HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n', /ok hi$/],
    ['{ } | ^ in the query', get('/a7?f={a}|b^c'), /ok $/],
    ['a request line of 8000 bytes', get(`/a8${'a'.repeat(7970)}`), /ok $/],
    ['a header block of 15 KiB in one read', get('/a9', `X-Big: ${'b'.repeat(15000)}\r\n`), /ok $/],
    ['48 header fields', get('/a10', Array.from({ length: 47 }, (_, i) => `X-H${i}: v\r\n`).join('')), /ok $/],
  ]
  await Promise.all(
    cases.map(async ([what, request, body]) => {
      const r = await rawExchange(port, [request], { until: body })
      t.same([r.statuses.length, r.closed], [1, false], `${what}: one answer, connection open`)
    }),
  )
  const urls = app.seen.map((r) => r.url)
  for (const u of ['/a1', '/a2', '/a3', '/a5', '/a6', '/a7?f={a}|b^c', `/a8${'a'.repeat(7970)}`, '/a9', '/a10']) t.ok(urls.includes(u), `${u.slice(0, 20)} reached the backend`)
})

t.test('header values reach the backend as their bytes: UTF-8 cannot turn into CR or LF', async (t) => {
  // uWS decodes values as UTF-8: U+010D and U+010A (C4 8D, C4 8A) would go out as CR LF if written as latin1.
  const value = bytes('a', [0xc4, 0x8d, 0xc4, 0x8a], 'X-Injected: yes')
  const r = await rawExchange(port, [bytes('GET /h1 HTTP/1.1\r\nHost: app.test\r\nX-V: ', value.toString('latin1'), '\r\nX-Bad: caf', [0xe9], '!\r\n\r\n')], { until: /ok $/ })
  t.same(r.statuses, [200])
  const seen = app.seen.find((s) => s.url === '/h1')!
  t.equal(seen.headers['x-injected'], undefined, 'no header injected')
  t.same(Buffer.from(seen.headers['x-v'] as string, 'latin1'), value, 'the value, byte for byte')
  t.same(Buffer.from(seen.headers['x-bad'] as string, 'latin1'), bytes('caf', [0xef, 0xbf, 0xbd], '!'), 'a byte that is not UTF-8 arrives as U+FFFD (README: limits)')
})

t.test('Expect: 100-continue gets one 100 Continue and is never forwarded', async (t) => {
  const before = app.seen.length
  const post = (path: string, expect: string): string => `POST ${path} HTTP/1.1\r\nHost: app.test\r\nExpect: ${expect}\r\nContent-Length: 4\r\n\r\n`
  const lower = await rawExchange(port, [post('/e1', '100-continue'), 'body'], { gapMs: 200, until: /ok body$/ })
  t.same(lower.statuses, [100, 200], '100 Continue, then the answer')
  // uWS answers the expectation only in lower case; pier forwards the body without it (README: limits).
  const mixed = await rawExchange(port, [post('/e2', '100-Continue'), 'body'], { gapMs: 200, until: /ok body$/ })
  t.same(mixed.statuses, [200], 'another letter case: forwarded, answered')
  const unrouted = await rawExchange(port, [post('/e3', '100-continue').replace('app.test', 'nowhere.test'), 'body'], { gapMs: 200, until: /404 page not found/ })
  t.same(unrouted.statuses, [100, 404], 'pier\'s own answer after the 100')
  const seen = app.seen.slice(before)
  t.same(seen.map((r) => r.url), ['/e1', '/e2'])
  t.same(seen.map((r) => r.headers.expect), [undefined, undefined], 'Expect not forwarded')
})

t.test('what uWS 20.30 refuses or leaves unanswered: closed, never forwarded, never hanging', async (t) => {
  // Each waits for uWS's own timeout (10-14 s) at most; they run together.
  const cases: Array<[string, Array<string | Buffer>, number]> = [
    ['HTTP/1.0', ['GET /u1 HTTP/1.0\r\nHost: app.test\r\n\r\n'], 0],
    ['49 header fields', [get('/u2', Array.from({ length: 48 }, (_, i) => `X-H${i}: v\r\n`).join(''))], 0],
    ['a 6 KiB head in two reads', [`GET /u3 HTTP/1.1\r\nHost: app.test\r\nX-Big: ${'b'.repeat(3000)}`, `${'b'.repeat(3000)}\r\n\r\n`], 200],
    ['a header name with _', [get('/u4', 'X_A: b\r\n')], 0],
    ['an absolute-form target', ['GET http://app.test/u5 HTTP/1.1\r\nHost: app.test\r\n\r\n'], 0],
    ['no Host', ['GET /u6 HTTP/1.1\r\nX-A: b\r\n\r\n'], 0],
    ['a method uWS does not route (PROPFIND)', ['PROPFIND /u7 HTTP/1.1\r\nHost: app.test\r\n\r\n'], 0],
    ['Content-Length with Transfer-Encoding', ['POST /u8 HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'], 0],
    // uWS closes it once pier's handler has run: pier refuses it rather than forward a head whose body never comes.
    ['a Content-Length of 10 digits', ['POST /u9 HTTP/1.1\r\nHost: app.test\r\nContent-Length: 1000000000\r\n\r\n'], 0],
  ]
  await Promise.all(
    cases.map(async ([what, parts, gapMs]) => {
      const r = await rawExchange(port, parts, { gapMs, waitMs: 16000 })
      t.same([r.statuses, r.closed], [[], true], `${what}: closed without an answer (${r.ms} ms)`)
    }),
  )
  t.same(app.seen.map((r) => r.url).filter((u) => u.startsWith('/u')), [], 'none forwarded')
})

t.test('what uWS 20.30 makes of odd chunked bodies: pier forwards what it decoded, re-chunked', async (t) => {
  const post = (path: string, body: string): string => `POST ${path} HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n${body}`
  const cases: Array<[string, string, RegExp, number]> = [
    ['size G read as 16', post('/c1', `G\r\n${'g'.repeat(16)}\r\n0\r\n\r\n`), /ok g{16}$/, 200],
    ['size : read as 10', post('/c2', `:\r\n${'c'.repeat(10)}\r\n0\r\n\r\n`), /ok c{10}$/, 200],
    ['a leading space ends the body', post('/c3', ' 5\r\nhello\r\n0\r\n\r\n'), /ok $/, 200],
    ['an empty size line ends the body', post('/c4', '\r\nhello\r\n0\r\n\r\n'), /ok $/, 200],
    ['an extension read as more digits: the request waits for bytes until readTimeout', post('/c5', '5;a=b\r\nhello\r\n0\r\n\r\n'), /Request Timeout/, 408],
  ]
  await Promise.all(
    cases.map(async ([what, request, until, status]) => {
      const r = await rawExchange(small, [request], { until, waitMs: 6000 })
      t.same(r.statuses, [status], `${what}: ${status}`)
    }),
  )
})

t.test('two requests in one packet: uWS closes the connection; nothing is answered out of order', async (t) => {
  const r = await rawExchange(port, [get('/p1') + get('/p2')], { waitMs: 3000 })
  t.ok(r.closed, 'closed')
  t.ok(r.statuses.length <= 1 && !/ok $/.test(r.text.split('HTTP/1.1').slice(2).join('')), `no second answer (${r.statuses})`)
  t.notOk(app.seen.some((s) => s.url === '/p2'), 'the second request never reached the backend')
})
