// writeHead (upstream/head-write.ts) writes past net.Socket's stream: bytes
// must still reach the peer whole and in order, whether the kernel takes
// them at once, libuv has to queue them, or net.Socket has writes pending.
import t from 'tap'
import { createServer, connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeHead } from '../../src/upstream/head-write.js'

/** A loopback server that collects everything one client sends until it ends; and that client, connected. */
async function pair(path?: string): Promise<{ client: Socket; received: Promise<string> }> {
  const server = createServer()
  if (path) server.listen(path)
  else server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const received = new Promise<string>((resolve) => {
    server.once('connection', (s) => {
      const parts: Buffer[] = []
      s.on('data', (d: Buffer) => parts.push(d))
      s.on('end', () => {
        server.close()
        resolve(Buffer.concat(parts).toString('utf8'))
      })
    })
  })
  const client = path ? connect(path) : connect((server.address() as { port: number }).port, '127.0.0.1')
  await once(client, 'connect')
  return { client, received }
}

t.test('heads written one after another arrive whole and in order, UTF-8 encoded', async (t) => {
  const { client, received } = await pair()
  const heads = Array.from({ length: 200 }, (_, i) => `GET /${i} HTTP/1.1\r\nx-name: č${i}\r\n\r\n`)
  for (const h of heads) writeHead(client, h)
  client.end()
  t.equal(await received, heads.join(''))
})

t.test('over a Unix socket too (internal services)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'head-write-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const { client, received } = await pair(join(dir, 's.sock'))
  writeHead(client, 'one ')
  writeHead(client, 'two')
  client.end()
  t.equal(await received, 'one two')
})

t.test('a head larger than the kernel takes at once is queued, and later writes follow it', async (t) => {
  const { client, received } = await pair()
  const big = 'x'.repeat(8 << 20)
  writeHead(client, big)
  writeHead(client, 'second')
  client.write('third')
  client.end()
  const got = await received
  t.equal(got.length, big.length + 'secondthird'.length)
  t.equal(got.slice(big.length), 'secondthird')
})

t.test('with net.Socket writes still queued, the head waits behind them', async (t) => {
  const { client, received } = await pair()
  const big = Buffer.alloc(8 << 20, 'y')
  client.write(big)
  t.ok(client.writableLength > 0, 'the stream has bytes queued')
  writeHead(client, 'head')
  client.end()
  const got = await received
  t.equal(got.length, big.length + 4)
  t.equal(got.slice(big.length), 'head')
})
