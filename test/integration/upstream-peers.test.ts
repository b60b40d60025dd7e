// The upstream client against real third-party servers on 127.0.0.1:
// nginx (keep-alive reuse, static bodies, chunked gzip, HEAD/204/304, its
// keepalive_requests limit) and busybox httpd (HTTP/1.0 responses that close
// the connection; CGI output delimited by the close).
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import t, { type Test } from 'tap'
import { UpstreamPool } from '../../src/upstream/pool.js'
import { get } from '../fuzz/client.js'
import { freePort, waitFor } from '../helpers/net.js'

const header = (h: string[], name: string): string | undefined => {
  for (let i = 0; i < h.length; i += 2) if (h[i]!.toLowerCase() === name) return h[i + 1]
  return undefined
}

function tempDir(t: Test, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function run(t: Test, cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr!.on('data', (d) => (err += d))
  child.on('exit', (code) => {
    if (code) t.comment(`${cmd} exited with ${code}: ${err}`)
  })
  t.teardown(() => {
    child.kill('SIGKILL')
  })
  return child
}

async function ready(pool: UpstreamPool): Promise<void> {
  await waitFor(async () => (await get(pool, { path: '/' })).error === null, 10000, 'server up')
}

/** A body whose bytes depend on their position, so any shift or loss shows. */
const big = Buffer.alloc(3 * 1024 * 1024 + 17)
for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 11)) & 0xff
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

t.test('nginx', async (t) => {
  const dir = tempDir(t, 'pier-nginx-')
  const port = await freePort()
  mkdirSync(join(dir, 'html'))
  mkdirSync(join(dir, 'tmp'))
  writeFileSync(join(dir, 'html', 'index.html'), 'hello from nginx\n')
  writeFileSync(join(dir, 'html', 'big.bin'), big)
  writeFileSync(join(dir, 'html', 'text.txt'), 'compress me please '.repeat(5000))
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  types { text/plain txt; text/html html; }
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/html;
    add_header X-Conn $connection always;
    location = /empty { return 204; }
    location /text.txt { gzip on; gzip_types text/plain; gzip_min_length 0; gzip_http_version 1.0; }
    location /limited/ { keepalive_requests 3; alias ${dir}/html/; }
  }
}
`,
  )
  run(t, '/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')])
  const pool = new UpstreamPool({ host: '127.0.0.1', port, maxConnections: 4, dialTimeoutMs: 5000 })
  t.teardown(() => pool.destroy())
  await ready(pool)

  const conns = new Set<string>()
  for (let i = 0; i < 10; i++) {
    const r = await get(pool, { path: '/index.html' })
    t.equal(r.error, null)
    t.equal(r.body.toString(), 'hello from nginx\n')
    conns.add(header(r.headers, 'x-conn')!)
  }
  t.equal(conns.size, 1, 'nginx saw one connection for 10 sequential requests')

  const b = await get(pool, { path: '/big.bin' })
  t.same([b.error, b.contentLength, sha(b.body)], [null, big.length, sha(big)], '3 MiB static file intact')

  const gz = await get(pool, { path: '/text.txt', headers: ['accept-encoding', 'gzip'] })
  t.equal(header(gz.headers, 'transfer-encoding'), 'chunked', 'nginx chose chunked for gzip')
  t.equal(gunzipSync(gz.body).toString(), 'compress me please '.repeat(5000), 'de-chunked body is the whole gzip stream')

  const head = await get(pool, { method: 'HEAD', path: '/big.bin' })
  t.same([head.status, head.contentLength, head.body.length, header(head.headers, 'content-length')], [200, 0, 0, String(big.length)])
  const empty = await get(pool, { path: '/empty' })
  t.same([empty.status, empty.body.length], [204, 0])
  const etag = header(b.headers, 'etag')!
  const notModified = await get(pool, { path: '/big.bin', headers: ['if-none-match', etag] })
  t.same([notModified.status, notModified.body.length], [304, 0])
  const after = await get(pool, { path: '/index.html' })
  t.equal(header(after.headers, 'x-conn'), [...conns][0], 'still the same connection after HEAD/204/304')

  // keepalive_requests 3: nginx closes after the third response (Connection: close).
  const limited: string[] = []
  for (let i = 0; i < 7; i++) {
    const r = await get(pool, { path: '/limited/index.html' })
    t.equal(r.body.toString(), 'hello from nginx\n')
    limited.push(header(r.headers, 'x-conn')!)
  }
  t.equal(new Set(limited).size, 3, 'a new connection every 3 requests, no failures')
  t.ok(pool.stats().open <= 1)

  const parallel = await Promise.all(Array.from({ length: 20 }, () => get(pool, { path: '/big.bin' })))
  t.ok(parallel.every((r) => r.error === null && sha(r.body) === sha(big)), '20 concurrent 3 MiB downloads over 4 connections')
  t.equal(pool.stats().open, 4)
})

t.test('busybox httpd (HTTP/1.0, close after each response)', async (t) => {
  const dir = tempDir(t, 'pier-busybox-')
  const port = await freePort()
  mkdirSync(join(dir, 'cgi-bin'))
  writeFileSync(join(dir, 'index.html'), 'hello from busybox\n')
  writeFileSync(join(dir, 'big.bin'), big)
  writeFileSync(join(dir, 'cgi-bin', 'stream'), '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho line one\nsleep 0.1\necho line two\n')
  chmodSync(join(dir, 'cgi-bin', 'stream'), 0o755)
  run(t, 'busybox', ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', dir])
  const pool = new UpstreamPool({ host: '127.0.0.1', port, maxConnections: 2, dialTimeoutMs: 5000 })
  t.teardown(() => pool.destroy())
  await ready(pool)

  for (let i = 0; i < 3; i++) {
    const r = await get(pool, { path: '/index.html' })
    t.same([r.error, r.status, r.body.toString()], [null, 200, 'hello from busybox\n'])
    t.equal(pool.stats().idle, 0, 'HTTP/1.0 response: connection not kept')
  }
  const b = await get(pool, { path: '/big.bin' })
  t.same([b.error, sha(b.body)], [null, sha(big)], '3 MiB file intact')
  const cgi = await get(pool, { path: '/cgi-bin/stream' })
  t.same([cgi.error, cgi.contentLength, cgi.body.toString()], [null, -1, 'line one\nline two\n'], 'CGI output delimited by the close')
  const missing = await get(pool, { path: '/nope' })
  t.equal(missing.status, 404)
  await waitFor(() => pool.stats().open === 0, 10000, 'all connections closed')
})
