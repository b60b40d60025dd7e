// HTTPS backends end to end: real node:https servers on loopback with
// certificates from a test CA, pier in front with serversTransports from a
// dynamic file. Verification is on unless asked off (an untrusted backend is
// a 502), serverName is the SNI and the name verified, a client certificate
// goes to a backend that requires one, connections are kept alive, bodies
// stream both ways, WebSockets reach a TLS backend, health checks speak TLS.
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { WebSocketServer } from 'ws'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { get } from '../helpers/backends.js'
import { connect as wsConnect } from '../helpers/ws.js'
import { makeCA } from '../helpers/tls.js'

const dir = mkdtempSync(join(tmpdir(), 'pier-https-'))
const ca = await makeCA('backend CA')
const other = await makeCA('someone else')
const clientCA = await makeCA('client CA')
const file = (name: string, text: string): string => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

interface TlsBackend {
  port: number
  server: Server
  /** TLS connections accepted, with the SNI each asked for (false: none). */
  sni: (string | false)[]
  /** Requests seen: url and the client certificate's CN ('' when none). */
  seen: { url: string; client: string }[]
}

async function tlsBackend(names: string[], opts: { clientCA?: string; handler?: (req: IncomingMessage, res: ServerResponse) => void } = {}): Promise<TlsBackend> {
  const issued = await ca.issue(names)
  const b = { sni: [], seen: [] } as unknown as TlsBackend
  const server = createServer({ ...issued, ...(opts.clientCA ? { ca: opts.clientCA, requestCert: true, rejectUnauthorized: true } : {}) }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate()
    b.seen.push({ url: req.url!, client: (peer?.subject?.CN as string | undefined) ?? '' })
    if (opts.handler) return opts.handler(req, res)
    req.resume()
    req.on('end', () => res.end(`tls ${req.url} ${(req.socket as TLSSocket).getProtocol()}`))
  })
  server.keepAliveTimeout = 60_000
  server.on('secureConnection', (s: TLSSocket) => b.sni.push((s as TLSSocket & { servername: string | false }).servername))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  b.port = (server.address() as { port: number }).port
  b.server = server
  return b
}

let ip: TlsBackend // certificate for 127.0.0.1 (an IP SAN)
let named: TlsBackend // certificate for proxmox.internal only
let mtls: TlsBackend // requires a client certificate from clientCA
let stream: TlsBackend // echoes and streams bodies
let health: TlsBackend // its /health fails while `sick`
let spiffe: TlsBackend // certificate for 127.0.0.1 and a URI SAN
let sick = false
/** What /down of the stream backend sends: 8 MiB whose bytes, period 251, show any reordering of TLS records. */
const DOWN = Buffer.alloc(8 << 20)
for (let i = 0; i < DOWN.length; i++) DOWN[i] = i % 251
let wsPort: number
let pier: PierProcess
let port: number
let api: number

t.before(async () => {
  ip = await tlsBackend(['127.0.0.1'])
  named = await tlsBackend(['proxmox.internal'])
  mtls = await tlsBackend(['127.0.0.1'], { clientCA: clientCA.cert })
  spiffe = await tlsBackend(['127.0.0.1', 'spiffe://lan/app'])
  stream = await tlsBackend(['127.0.0.1'], {
    handler: (req, res) => {
      if (req.url === '/down') {
        // DOWN in 64 KiB pieces
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        let i = 0
        const more = (): void => {
          while (i < 128) {
            i++
            if (!res.write(DOWN.subarray((i - 1) << 16, i << 16))) return void res.once('drain', more)
          }
          res.end()
        }
        return more()
      }
      const h = createHash('sha256')
      let n = 0
      req.on('data', (c: Buffer) => (h.update(c), (n += c.length)))
      req.on('end', () => res.end(`${n} ${h.digest('hex')}`))
    },
  })
  health = await tlsBackend(['127.0.0.1'], { handler: (req, res) => res.writeHead(req.url === '/health' && sick ? 500 : 200).end(req.url === '/health' ? 'ok' : 'served') })
  // A wss backend: ws on an https server.
  const wsIssued = await ca.issue(['127.0.0.1'])
  const wsServer = createServer(wsIssued)
  const wss = new WebSocketServer({ server: wsServer })
  wss.on('connection', (ws, req) => {
    // /greet speaks first: its first frame follows the 101 at once, likely in the same read at pier.
    if (req.url === '/greet') ws.send('welcome')
    ws.on('message', (m, binary) => ws.send(binary ? m : `echo ${m.toString()}`))
  })
  await new Promise<void>((r) => wsServer.listen(0, '127.0.0.1', r))
  wsPort = (wsServer.address() as { port: number }).port
  t.teardown(() => {
    for (const c of wss.clients) c.terminate()
    wsServer.close()
  })

  const caFile = file('ca.pem', ca.cert)
  const client = await clientCA.issue(['pier.client'], { cn: 'pier-client', client: true })
  const svc = (url: string, serversTransport?: string, extra: object = {}) => ({ loadBalancer: { servers: [{ url }], ...(serversTransport ? { serversTransport } : {}), ...extra } })
  const routes = {
    http: {
      routers: Object.fromEntries(
        ['verified', 'unverified', 'insecure', 'other-ca', 'sni', 'sni-wrong', 'mtls', 'mtls-none', 'missing', 'stream', 'ws', 'health', 'uri', 'uri-wrong', 'uri-insecure', 'uri-untrusted'].map((n) => [n, { rule: `Host(\`${n}.test\`)`, service: n }]),
      ),
      services: {
        verified: svc(`https://127.0.0.1:${ip.port}`, 'ca'),
        unverified: svc(`https://127.0.0.1:${ip.port}`),
        insecure: svc(`https://127.0.0.1:${ip.port}`, 'skip'),
        'other-ca': svc(`https://127.0.0.1:${ip.port}`, 'other'),
        sni: svc(`https://127.0.0.1:${named.port}`, 'proxmox'),
        'sni-wrong': svc(`https://127.0.0.1:${named.port}`, 'ca'),
        mtls: svc(`https://127.0.0.1:${mtls.port}`, 'mtls'),
        'mtls-none': svc(`https://127.0.0.1:${mtls.port}`, 'ca'),
        missing: svc(`https://127.0.0.1:${ip.port}`, 'nope'),
        stream: svc(`https://127.0.0.1:${stream.port}`, 'ca'),
        uri: svc(`https://127.0.0.1:${spiffe.port}`, 'uri'),
        'uri-wrong': svc(`https://127.0.0.1:${spiffe.port}`, 'uri-wrong'),
        'uri-insecure': svc(`https://127.0.0.1:${spiffe.port}`, 'uri-insecure'),
        'uri-untrusted': svc(`https://127.0.0.1:${spiffe.port}`, 'uri-untrusted'),
        ws: svc(`https://127.0.0.1:${wsPort}`, 'ca'),
        health: {
          loadBalancer: {
            servers: [{ url: `https://127.0.0.1:${health.port}` }],
            serversTransport: 'ca',
            healthCheck: { path: '/health', interval: '100ms', timeout: '1s' },
          },
        },
      },
      serversTransports: {
        ca: { rootCAs: [caFile] },
        skip: { insecureSkipVerify: true },
        uri: { rootCAs: [caFile], peerCertURI: 'spiffe://lan/app' },
        'uri-wrong': { rootCAs: [caFile], peerCertURI: 'spiffe://lan/other' },
        'uri-insecure': { rootCAs: [caFile], peerCertURI: 'spiffe://lan/app', serverName: 'not.the.name', insecureSkipVerify: true },
        'uri-untrusted': { rootCAs: [other.cert], peerCertURI: 'spiffe://lan/app', insecureSkipVerify: true },
        other: { rootCAs: [other.cert] },
        proxmox: { serverName: 'proxmox.internal', rootCAs: [ca.cert], disableHTTP2: true },
        mtls: { rootCAs: [caFile], certificates: [{ certFile: file('client.pem', client.cert), keyFile: client.key }] },
      },
    },
  }
  const routesFile = file('routes.yml', JSON.stringify(routes))
  port = await freePort()
  api = await freePort()
  pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${port}`,
    `--entrypoints.traefik.address=127.0.0.1:${api}`,
    '--api.insecure=true',
    `--providers.file.filename=${routesFile}`,
    '--workers=1',
  ])
})

t.teardown(async () => {
  if (process.env.SHOW_LOGS) console.error(pier?.logs())
  await pier?.stop()
  for (const b of [ip, named, mtls, stream, health, spiffe]) {
    b?.server.closeAllConnections()
    b?.server.close()
  }
})

t.test('verified with rootCAs; unverified, or by another CA, is a 502; insecureSkipVerify works', async (t) => {
  const ok = await get(port, 'verified.test', '/a')
  t.equal(ok.status, 200)
  t.equal(ok.body, 'tls /a TLSv1.3')
  t.equal((await get(port, 'unverified.test')).status, 502, 'the default transport verifies: a certificate from an unknown CA is refused')
  t.equal((await get(port, 'other-ca.test')).status, 502, 'rootCAs replace the roots: only that CA is trusted')
  t.equal((await get(port, 'insecure.test')).status, 200)
  t.ok(ip.sni.every((s) => s === false), 'no SNI for an IP address')
})

t.test('serverName is the SNI and the name verified', async (t) => {
  const r = await get(port, 'sni.test', '/')
  t.equal(r.status, 200)
  t.same(named.sni, ['proxmox.internal'])
  t.equal((await get(port, 'sni-wrong.test')).status, 502, 'without serverName the IP is checked, and the certificate does not carry it')
})

t.test('a client certificate for a backend that requires one', async (t) => {
  t.equal((await get(port, 'mtls.test', '/who')).status, 200)
  t.same(mtls.seen.map((s) => s.client), ['pier-client'])
  t.equal((await get(port, 'mtls-none.test')).status, 502, 'no certificate: the backend refuses the handshake')
})

t.test('peerCertURI: the URI SAN must match; insecureSkipVerify then skips the name check only, never the chain', async (t) => {
  t.equal((await get(port, 'uri.test')).status, 200)
  t.equal((await get(port, 'uri-wrong.test')).status, 502)
  t.equal((await get(port, 'uri-insecure.test')).status, 200, 'a name the certificate lacks, with insecureSkipVerify')
  t.equal((await get(port, 'uri-untrusted.test')).status, 502, 'a chain from an untrusted CA, even with insecureSkipVerify')
})

t.test('a serversTransport that does not exist disables the routers, naming it', async (t) => {
  t.equal((await get(port, 'missing.test')).status, 404)
  const r = (await (await fetch(`http://127.0.0.1:${api}/api/http/routers/missing@file`)).json()) as { status: string; error: string[] }
  t.equal(r.status, 'disabled')
  t.match(r.error.join(' '), /serversTransport "nope@file" does not exist/)
})

t.test('keep-alive: one TLS connection for many requests', async (t) => {
  const before = ip.sni.length
  for (let i = 0; i < 20; i++) t.equal((await get(port, 'verified.test', `/k${i}`)).status, 200)
  t.equal(ip.sni.length - before, 0, 'the connection of the first test is reused')
})

t.test('bodies stream up and down through TLS', async (t) => {
  const up = Buffer.alloc(5 << 20)
  for (let i = 0; i < up.length; i++) up[i] = i % 251
  const r = await get(port, 'stream.test', '/up', { method: 'POST', body: up })
  t.equal(r.body, `${up.length} ${createHash('sha256').update(up).digest('hex')}`)
  const down = await new Promise<{ n: number; hash: string }>((resolve, reject) => {
    import('node:http').then(({ request }) => {
      const req = request({ host: '127.0.0.1', port, path: '/down', headers: { host: 'stream.test' }, agent: false }, (res) => {
        const h = createHash('sha256')
        let n = 0
        res.on('data', (c: Buffer) => (h.update(c), (n += c.length)))
        res.on('end', () => resolve({ n, hash: h.digest('hex') }))
      })
      req.on('error', reject)
      req.end()
    }, reject)
  })
  t.equal(down.n, 8 << 20)
  t.equal(down.hash, createHash('sha256').update(DOWN).digest('hex'))
  // A client that stops reading: pier stops reading the TLS backend, then resumes where it was.
  const slow = await new Promise<{ n: number; hash: string }>((resolve, reject) => {
    import('node:http').then(({ request }) => {
      const req = request({ host: '127.0.0.1', port, path: '/down', headers: { host: 'stream.test' }, agent: false }, (res) => {
        const h = createHash('sha256')
        let n = 0
        res.pause()
        setTimeout(() => res.resume(), 500)
        res.on('data', (c: Buffer) => (h.update(c), (n += c.length)))
        res.on('end', () => resolve({ n, hash: h.digest('hex') }))
      })
      req.on('error', reject)
      req.end()
    }, reject)
  })
  t.same(slow, down, 'the same bytes after a stall')
})

t.test('WebSocket through to a TLS backend', async (t) => {
  const c = await wsConnect(port, 'ws.test', '/socket')
  c.ws.send('hello')
  t.equal((await c.nth(0)).data.toString(), 'echo hello')
  const g = await wsConnect(port, 'ws.test', '/greet')
  t.equal((await g.nth(0)).data.toString(), 'welcome', 'a frame right behind the 101 is delivered')
  g.ws.send('hi')
  t.equal((await g.nth(1)).data.toString(), 'echo hi')
  c.ws.send(Buffer.alloc(200_000, 1))
  t.equal((await c.nth(1)).data.length, 200_000)
  c.ws.close()
  await c.closed
})

t.test('health checks speak TLS with the service transport', async (t) => {
  await waitFor(() => health.seen.some((s) => s.url === '/health'), 5000, 'a TLS probe')
  t.equal((await get(port, 'health.test')).status, 200)
  sick = true
  await waitFor(async () => (await get(port, 'health.test')).status === 503, 5000, 'the server out of rotation')
  sick = false
  await waitFor(async () => (await get(port, 'health.test')).status === 200, 5000, 'the server back')
})

t.test('the static serversTransport: rootCAs and insecureSkipVerify for services naming no transport', async (t) => {
  const routes = file('static.yml', JSON.stringify({ http: { routers: { r: { rule: 'Host(`s.test`)', service: 's' } }, services: { s: { loadBalancer: { servers: [{ url: `https://127.0.0.1:${ip.port}` }] } } } } }))
  for (const [flags, want] of [
    [[`--serversTransport.rootCAs=${join(dir, 'ca.pem')}`], 200],
    [['--serversTransport.insecureSkipVerify=true'], 200],
    [['--InsecureSkipVerify=true'], 200],
    [[`--RootCAs=${file('other.pem', other.cert)}`], 502],
  ] as const) {
    const p = await freePort()
    const one = await startPier([`--entrypoints.web.address=127.0.0.1:${p}`, `--providers.file.filename=${routes}`, '--workers=1', ...flags])
    try {
      t.equal((await get(p, 's.test')).status, want, flags.join(' '))
    } finally {
      await one.stop()
    }
  }
})
