// Responses without a body (HEAD, 204, 304) go out with the right framing
// headers and leave the connection usable; a backend head beyond the limit
// (16 KiB, or serversTransport.maxResponseHeaderBytes) is a 502.
import t, { type Test } from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../helpers/net.js'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { startBackend, type Backend } from '../helpers/backends.js'
import { rawExchange } from '../helpers/raw.js'
import { createServer, type AddressInfo } from 'node:net'

let backend: Backend
let routes: string

t.before(async () => {
  backend = await startBackend('odd', (req, res) => {
    const url = new URL(req.url!, 'http://x')
    req.resume()
    if (url.pathname === '/204') return res.writeHead(204, { 'x-kind': 'none' }).end()
    if (url.pathname === '/304') return res.writeHead(304, { etag: '"v1"', 'content-length': '5' }).end()
    if (url.pathname === '/big') {
      // One header of about n bytes in the response head.
      const n = Number(url.searchParams.get('n'))
      return res.writeHead(200, { 'x-filler': 'f'.repeat(n - 100), 'content-length': '2' }).end('ok')
    }
    res.writeHead(200, { 'content-length': '5', 'x-kind': 'five' })
    res.end(req.method === 'HEAD' ? undefined : 'hello')
  })
  const dir = mkdtempSync(join(tmpdir(), 'pier-response-'))
  routes = join(dir, 'routes.yml')
  writeFileSync(routes, JSON.stringify({ http: { routers: { odd: { rule: 'Host(`odd.test`)', service: 'odd' } }, services: { odd: { loadBalancer: { servers: [{ url: backend.url }] } } } } }))
})

t.teardown(() => backend?.close())

async function pierWith(t: Test, ...flags: string[]): Promise<{ pier: PierProcess; port: number }> {
  const port = await freePort()
  const file = flags.some((f) => f.startsWith('--providers.file.filename=')) ? [] : [`--providers.file.filename=${routes}`]
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${port}`, ...file, '--workers=1', ...flags])
  t.teardown(() => pier.stop('SIGKILL'))
  return { pier, port }
}

const req = (method: string, path: string): string => `${method} ${path} HTTP/1.1\r\nHost: odd.test\r\n\r\n`
const AFTER = req('GET', '/after')

/** The response to the first request on a connection, and whether a second one on it was answered. */
async function thenAnother(port: number, first: string): Promise<{ head: string; rest: string; statuses: number[] }> {
  const r = await rawExchange(port, [first, AFTER], { gapMs: 300, until: /\r\n\r\nhello$/ })
  const second = r.text.indexOf('HTTP/1.1', 1)
  const firstPart = second < 0 ? r.text : r.text.slice(0, second)
  const end = firstPart.indexOf('\r\n\r\n')
  return { head: firstPart.slice(0, end + 2), rest: firstPart.slice(end + 4), statuses: r.statuses }
}

t.test('HEAD, 204 and 304: no body, right headers, the connection serves the next request', async (t) => {
  const { port } = await pierWith(t)
  const head = await thenAnother(port, req('HEAD', '/five'))
  t.match(head.head, /^HTTP\/1\.1 200 OK\r\n/)
  t.match(head.head, /\r\ncontent-length: 5\r\n/i, 'HEAD: the length the backend announced')
  t.match(head.head, /\r\nx-kind: five\r\n/i)
  t.equal(head.rest, '', 'HEAD: no body')
  t.same(head.statuses, [200, 200], 'HEAD: the next request on the connection is answered')

  const nc = await thenAnother(port, req('GET', '/204'))
  t.match(nc.head, /^HTTP\/1\.1 204 No Content\r\n/)
  t.notMatch(nc.head, /content-length|transfer-encoding/i, '204: no framing headers')
  t.match(nc.head, /\r\nx-kind: none\r\n/i)
  t.equal(nc.rest, '')
  t.same(nc.statuses, [204, 200], '204: the next request is answered')

  const nm = await thenAnother(port, req('GET', '/304'))
  t.match(nm.head, /^HTTP\/1\.1 304 Not Modified\r\n/)
  t.match(nm.head, /\r\netag: "v1"\r\n/i)
  t.notMatch(nm.head, /content-length|transfer-encoding/i, '304: no framing headers')
  t.equal(nm.rest, '')
  t.same(nm.statuses, [304, 200], '304: the next request is answered')
})

t.test('header bytes 0x80-0xff reach the client as the backend sent them', async (t) => {
  // A backend writing exact bytes: é as one latin1 byte, and é in UTF-8.
  const raw = createServer((sock) => {
    sock.on('error', () => {})
    sock.once('data', () => sock.write(Buffer.from('HTTP/1.1 200 OK caf\xe9\r\nX-Latin: caf\xe9\r\nX-Utf8: caf\xc3\xa9\r\nContent-Length: 2\r\n\r\nok', 'latin1')))
  })
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r))
  t.teardown(() => raw.close())
  const dir = mkdtempSync(join(tmpdir(), 'pier-response-'))
  const file = join(dir, 'routes.yml')
  writeFileSync(file, JSON.stringify({ http: { routers: { raw: { rule: 'Host(`odd.test`)', service: 'raw' } }, services: { raw: { loadBalancer: { servers: [{ url: `http://127.0.0.1:${(raw.address() as AddressInfo).port}` }] } } } } }))
  const { port } = await pierWith(t, `--providers.file.filename=${file}`)
  const r = await rawExchange(port, [req('GET', '/bytes')], { until: /\r\n\r\nok$/ })
  t.match(r.text, /^HTTP\/1\.1 200 OK caf\xe9\r\n/, 'the reason phrase')
  t.match(r.text, /\r\nx-latin: caf\xe9\r\n/i, 'one latin1 byte')
  t.match(r.text, /\r\nx-utf8: caf\xc3\xa9\r\n/i, 'UTF-8, not encoded twice')
})

t.test('a backend head beyond 16 KiB is a 502; serversTransport.maxResponseHeaderBytes moves the limit', async (t) => {
  const { port } = await pierWith(t)
  const within = await rawExchange(port, [req('GET', '/big?n=15000')], { until: /\r\n\r\nok$/ })
  t.same(within.statuses, [200], '15 KB head: passed')
  const beyond = await rawExchange(port, [req('GET', '/big?n=17000')], { until: /Bad Gateway$/ })
  t.same(beyond.statuses, [502], '17 KB head: 502')
  const wider = await pierWith(t, '--serversTransport.maxResponseHeaderBytes=32768')
  const fits = await rawExchange(wider.port, [req('GET', '/big?n=30000')], { until: /\r\n\r\nok$/ })
  t.same(fits.statuses, [200], '30 KB head within a 32 KiB limit')
  const over = await rawExchange(wider.port, [req('GET', '/big?n=34000')], { until: /Bad Gateway$/ })
  t.same(over.statuses, [502], '34 KB head beyond it')
})
