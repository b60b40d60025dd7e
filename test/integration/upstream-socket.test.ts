// pier's client to a server on a Unix socket (host = path, port 0), as the
// workers reach the primary's internal services: keep-alive reuse, and what
// the pool refuses to take for one.
import t from 'tap'
import { createServer } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UpstreamPool, type ResponseHandler, type UpstreamError } from '../../src/upstream/pool.js'

function fetchVia(pool: UpstreamPool, path: string): Promise<{ status: number; body: string; error?: UpstreamError }> {
  return new Promise((resolve) => {
    let status = 0
    let body = ''
    const handler: ResponseHandler = {
      onHeaders: (s) => (status = s),
      onData: (chunk) => ((body += chunk.toString()), true),
      onComplete: () => resolve({ status, body }),
      onError: (error) => resolve({ status, body, error }),
    }
    pool.request(`GET ${path} HTTP/1.1\r\nhost: internal\r\n\r\n`, 0, handler, { headersTimeoutMs: 0, isHead: false, idempotent: true })
  })
}

t.test('requests over a Unix socket, on one kept-alive connection', async (t) => {
  // not t.testdir(): a socket path must stay under 108 bytes
  const dir = mkdtempSync(join(tmpdir(), 'pier-sock-'))
  const path = join(dir, 'api.sock')
  const peers = new Set<unknown>()
  const server = createServer((req, res) => {
    peers.add(req.socket)
    res.end(`at ${req.url}`)
  })
  await new Promise<void>((r) => server.listen(path, r))
  const pool = new UpstreamPool({ host: path, port: 0, maxConnections: 4, dialTimeoutMs: 1000 })
  t.teardown(() => {
    pool.destroy()
    server.close()
    server.closeAllConnections()
    rmSync(dir, { recursive: true, force: true })
  })
  t.same(await fetchVia(pool, '/a'), { status: 200, body: 'at /a' })
  t.same(await fetchVia(pool, '/b'), { status: 200, body: 'at /b' })
  t.equal(peers.size, 1, 'the connection was reused')
  t.same(pool.stats(), { open: 1, idle: 1, queued: 0 })
})

t.test('a socket that is not there fails like a refused connection', async (t) => {
  const pool = new UpstreamPool({ host: join(tmpdir(), 'pier-no-such-dir', 'gone.sock'), port: 0, maxConnections: 1, dialTimeoutMs: 1000 })
  t.teardown(() => pool.destroy())
  const r = await fetchVia(pool, '/')
  t.equal(r.error?.code, 'UPSTREAM_CONNECT_FAILED')
})

t.test('port 0 is a socket only with an absolute path', async (t) => {
  t.throws(() => new UpstreamPool({ host: 'api.sock', port: 0, maxConnections: 1, dialTimeoutMs: 1000 }), { code: 'UPSTREAM_BAD_OPTIONS' })
  t.throws(() => new UpstreamPool({ host: '127.0.0.1', port: 0, maxConnections: 1, dialTimeoutMs: 1000 }), { code: 'UPSTREAM_BAD_OPTIONS' })
})
