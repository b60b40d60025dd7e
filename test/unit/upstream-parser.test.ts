// Response parser: every framing HTTP/1.1 allows, and each malformed case
// reported with its code and reason. Split-point and mutation fuzzing is in
// test/fuzz/.
import t from 'tap'
import { parse } from '../fuzz/feed.js'

const R = (s: string): string => s.replace(/\n/g, '\r\n')

t.test('content-length body', async (t) => {
  const r = parse(R('HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 5\n\nhello'))
  t.same(r.heads, [{ status: 200, statusText: 'OK', headers: ['Content-Type', 'text/plain', 'Content-Length', '5'], contentLength: 5 }])
  t.equal(r.body, 'hello')
  t.same(r.trailers, [])
  t.equal(r.keepAlive, true)
  t.equal(r.error, null)
})

t.test('header names keep their case and order; values lose surrounding whitespace', async (t) => {
  const r = parse(R('HTTP/1.1 200 OK\nX-B:  two \nx-a:\tone\t\nX-Empty:\nContent-Length: 0\n\n'))
  t.same(r.heads[0]!.headers, ['X-B', 'two', 'x-a', 'one', 'X-Empty', '', 'Content-Length', '0'])
  t.equal(r.heads[0]!.contentLength, 0)
})

t.test('status line without reason phrase, obs-text in reason', async (t) => {
  t.equal(parse(R('HTTP/1.1 204\n\n')).heads[0]!.statusText, '')
  t.equal(parse(Buffer.from('HTTP/1.1 200 \xe9t\xe9\r\ncontent-length: 0\r\n\r\n', 'latin1')).heads[0]!.statusText, '\xe9t\xe9')
})

t.test('chunked with extensions and trailers', async (t) => {
  const r = parse(R('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5;name=val;q="a;b"\nhello\n1 ;x\n,\n6\n world\n0\nX-Sum: abc\nX-Two: 2\n\n'))
  t.equal(r.heads[0]!.contentLength, -1)
  t.equal(r.body, 'hello, world')
  t.same(r.trailers, ['X-Sum', 'abc', 'X-Two', '2'])
  t.equal(r.keepAlive, true)
})

t.test('chunked: upper-case hex, leading zeros, no trailers', async (t) => {
  const r = parse(R('HTTP/1.1 200 OK\ntransfer-encoding: Chunked\n\n00A\n0123456789\n0\n\n'))
  t.equal(r.body, '0123456789')
  t.same(r.trailers, [])
})

t.test('close-delimited bodies end at EOF and are not reused', async (t) => {
  const r = parse(R('HTTP/1.1 200 OK\nContent-Type: text/plain\n\nall of it'), [20, 30])
  t.equal(r.heads[0]!.contentLength, -1)
  t.equal(r.body, 'all of it')
  t.equal(r.keepAlive, false)
  const r10 = parse(R('HTTP/1.0 200 OK\n\nold'))
  t.equal(r10.body, 'old')
})

t.test('HTTP/1.0 keeps alive only when asked; Connection: close ends 1.1', async (t) => {
  t.equal(parse(R('HTTP/1.0 200 OK\nContent-Length: 0\n\n')).keepAlive, false)
  t.equal(parse(R('HTTP/1.0 200 OK\nConnection: Keep-Alive\nContent-Length: 0\n\n')).keepAlive, true)
  t.equal(parse(R('HTTP/1.1 200 OK\nConnection: close\nContent-Length: 0\n\n')).keepAlive, false)
  t.equal(parse(R('HTTP/1.1 200 OK\nConnection: x-foo, Close\nContent-Length: 0\n\n')).keepAlive, false)
})

t.test('no body for HEAD, 204 and 304 whatever the headers say', async (t) => {
  const head = parse(R('HTTP/1.1 200 OK\nContent-Length: 1000\n\n'), [], { isHead: true, eof: false })
  t.same([head.heads[0]!.contentLength, head.body, head.error, head.keepAlive], [0, '', null, true])
  const chunkedHead = parse(R('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n'), [], { isHead: true, eof: false })
  t.same([chunkedHead.heads[0]!.contentLength, chunkedHead.trailers], [0, []])
  for (const status of [204, 304]) {
    const r = parse(R(`HTTP/1.1 ${status} X\nContent-Length: 10\n\n`), [], { eof: false })
    t.same([r.heads[0]!.contentLength, r.body, r.error], [0, '', null], `${status}`)
  }
})

t.test('bytes after a complete response are reported as extra', async (t) => {
  t.equal(parse(R('HTTP/1.1 204 No Content\n\nHTTP/1.1 200 OK\n\n')).extra, 19)
  t.equal(parse(R('HTTP/1.1 200 OK\nContent-Length: 2\n\nokjunk')).extra, 4)
})

t.test('1xx interim responses are skipped; 101 is an error', async (t) => {
  const r = parse(R('HTTP/1.1 100 Continue\n\nHTTP/1.1 103 Early Hints\nLink: </a.css>; rel=preload\n\nHTTP/1.1 200 OK\nContent-Length: 2\n\nok'))
  t.equal(r.heads.length, 1)
  t.equal(r.heads[0]!.status, 200)
  t.equal(r.body, 'ok')
  const up = parse(R('HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n\n'))
  t.same(up.error, { code: 'UPSTREAM_BAD_RESPONSE', reason: 'UNEXPECTED_UPGRADE' })
})

t.test('an upgrade request: 101 ends the exchange with the bytes after it left over; other answers are responses', async (t) => {
  const raw = R('HTTP/1.1 100 Continue\n\nHTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: Upgrade\n\n') + '\x81\x02hi'
  for (const splits of [[], [5], [40], [raw.length - 4]]) {
    const up = parse(raw, splits, { upgrade: true, eof: false })
    t.equal(up.error, null)
    t.equal(up.upgraded, true)
    t.equal(up.heads.length, 0, 'a 101 is not reported as a response')
    t.equal(up.extra, 4, `frame bytes after the head are not consumed (split at ${splits})`)
  }
  const refused = parse(R('HTTP/1.1 401 Unauthorized\nContent-Length: 4\n\nnope'), [], { upgrade: true })
  t.equal(refused.upgraded, false)
  t.equal(refused.heads[0]!.status, 401)
  t.equal(refused.body, 'nope')
})

t.test('identical duplicate Content-Length values are one value', async (t) => {
  t.equal(parse(R('HTTP/1.1 200 OK\nContent-Length: 3\nContent-Length: 3\n\nabc')).body, 'abc')
  t.equal(parse(R('HTTP/1.1 200 OK\nContent-Length: 3, 3\n\nabc')).body, 'abc')
})

t.test('connection closing early is a reset, not a response', async (t) => {
  const cases: Array<[string, string]> = [
    ['', 'before any response'],
    ['HTTP/1.1 200 OK\r\nContent-', 'in the response head'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', 'in the response body'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab', 'in the response body'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n', 'in the response body'],
  ]
  for (const [raw, what] of cases) t.same(parse(raw).error, { code: 'UPSTREAM_RESET', reason: undefined }, what)
})

t.test('malformed responses: code and reason', async (t) => {
  const bad: Array<[string, string]> = [
    ['HTTX/1.1 200 OK\n\n', 'BAD_STATUS_LINE'],
    ['HTTP/2.0 200 OK\n\n', 'BAD_STATUS_LINE'],
    ['HTTP/1.2 200 OK\n\n', 'BAD_STATUS_LINE'],
    ['HTTP/1.1 20 OK\n\n', 'BAD_STATUS_LINE'],
    ['HTTP/1.1 2000 OK\n\n', 'BAD_STATUS_LINE'],
    ['HTTP/1.1 099 OK\n\n', 'BAD_STATUS_LINE'],
    ['HTTP/1.1  200 OK\n\n', 'BAD_STATUS_LINE'],
    ['HTTP/1.1 200 O\x00K\n\n', 'BAD_STATUS_LINE'],
    ['garbage without any line end', 'BAD_STATUS_LINE'],
    ['HTTP/1.1 200 OK\nBad Name: x\n\n', 'BAD_HEADER'],
    ['HTTP/1.1 200 OK\nName : x\n\n', 'BAD_HEADER'],
    ['HTTP/1.1 200 OK\n: x\n\n', 'BAD_HEADER'],
    ['HTTP/1.1 200 OK\nNoColon\n\n', 'BAD_HEADER'],
    ['HTTP/1.1 200 OK\nA: b\n folded\n\n', 'BAD_HEADER'],
    ['HTTP/1.1 200 OK\nA: b\x00c\n\n', 'BAD_HEADER'],
    ['HTTP/1.1 200 OK\nA: b\rc\n\n', 'BAD_HEADER'],
    ['HTTP/1.1 200 OK\nContent-Length: -1\n\n', 'BAD_CONTENT_LENGTH'],
    ['HTTP/1.1 200 OK\nContent-Length: 1x\n\n', 'BAD_CONTENT_LENGTH'],
    ['HTTP/1.1 200 OK\nContent-Length:\n\n', 'BAD_CONTENT_LENGTH'],
    ['HTTP/1.1 200 OK\nContent-Length: 99999999999999999999\n\n', 'BAD_CONTENT_LENGTH'],
    ['HTTP/1.1 200 OK\nContent-Length: 1\nContent-Length: 2\n\nab', 'DUPLICATE_CONTENT_LENGTH'],
    ['HTTP/1.1 200 OK\nContent-Length: 1, 2\n\nab', 'DUPLICATE_CONTENT_LENGTH'],
    ['HTTP/1.1 200 OK\nContent-Length: 3\nTransfer-Encoding: chunked\n\n', 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nContent-Length: 3\n\n', 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: gzip, chunked\n\n', 'UNSUPPORTED_TRANSFER_ENCODING'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: xchunked\n\n', 'UNSUPPORTED_TRANSFER_ENCODING'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nTransfer-Encoding: chunked\n\n', 'UNSUPPORTED_TRANSFER_ENCODING'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\nG\nx\n0\n\n', 'BAD_CHUNK_SIZE'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n\n', 'BAD_CHUNK_SIZE'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n-1\n', 'BAD_CHUNK_SIZE'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n0x5\n', 'BAD_CHUNK_SIZE'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5 \nhello\n', 'BAD_CHUNK_SIZE'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\nffffffffffffffff\n', 'BAD_CHUNK_SIZE'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5\rhello', 'BAD_CHUNK_SIZE'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5;a\x00b\nhello\n', 'BAD_CHUNK_EXTENSION'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5\nhello!\n', 'BAD_CHUNK_DATA'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5\nhello\rx', 'BAD_CHUNK_DATA'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n0\nBad Trailer: x\n\n', 'BAD_TRAILER'],
    ['HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n0\nX: y\rz\n\n', 'BAD_TRAILER'],
  ]
  for (const [raw, reason] of bad) {
    const r = parse(R(raw))
    t.same(r.error, { code: 'UPSTREAM_BAD_RESPONSE', reason }, JSON.stringify(raw))
  }
})

t.test('head lines may end in a bare LF (as nginx and Go accept); a lone CR is an error', async (t) => {
  const lf = parse('HTTP/1.1 200 OK\nContent-Length: 2\nX-A: b\n\nok')
  t.same([lf.error, lf.heads[0]!.headers, lf.body], [null, ['Content-Length', '2', 'X-A', 'b'], 'ok'])
  const mixed = parse('HTTP/1.0 200 OK\r\nContent-Type: text/plain\n\r\nbody', [], { eof: true })
  t.same([mixed.error, mixed.body], [null, 'body'])
  t.equal(parse('HTTP/1.1 204\n\n').heads[0]!.status, 204)
  t.same(parse('HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n').error?.reason, 'BAD_STATUS_LINE')
  t.same(parse('HTTP/1.1 200 OK\r\nA: b\r\r\n\r\n').error?.reason, 'BAD_HEADER')
  t.same(parse('HTTP/1.1 200 OK\r\n\rX').error?.reason, 'BAD_HEADER')
  t.same(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n').error?.reason, 'BAD_CHUNK_SIZE', 'chunked framing stays strict')
})

t.test('head and trailer size limits', async (t) => {
  const big = 'X-Big: ' + 'a'.repeat(70 * 1024)
  t.same(parse(R(`HTTP/1.1 200 OK\n${big}\n\n`)).error?.reason, 'HEADERS_TOO_LARGE')
  t.same(parse(R(`HTTP/1.1 200 OK\n${big}`), [1000, 2000, 40000]).error?.reason, 'HEADERS_TOO_LARGE')
  const okBig = 'X-Big: ' + 'a'.repeat(60 * 1024)
  t.equal(parse(R(`HTTP/1.1 200 OK\n${okBig}\nContent-Length: 0\n\n`), [100, 30000]).error, null)
  t.same(parse(R(`HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n0\n${big}\n\n`)).error?.reason, 'BAD_TRAILER')
  t.same(parse(R(`HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n1;${'e'.repeat(17 * 1024)}\nx\n0\n\n`)).error?.reason, 'BAD_CHUNK_EXTENSION')
})
