// TCP routers end to end: real pier, real backends on loopback, real TLS
// clients. Bytes both ways with half-closes, SNI routing of passed-through
// TLS, a server that is down, reloads that leave open connections alone, and
// a port handed between the TCP relay and the HTTP workers.
import t from 'tap'
import net from 'node:net'
import dgram from 'node:dgram'
import tls from 'node:tls'
import { mkdtempSync, writeFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPier } from '../helpers/pier.js'
import { freePort, waitFor } from '../helpers/net.js'
import { get, startBackend } from '../helpers/backends.js'
import { makeCA } from '../helpers/tls.js'

/** Echoes with a tag in front of its first reply, and ends its side only when the client has ended its own (half-close). */
async function echo(tag: string): Promise<{ port: number; close(): void; firstBytes: Buffer[] }> {
  const firstBytes: Buffer[] = []
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    let first = true
    s.on('data', (b: Buffer) => {
      if (first) firstBytes.push(b)
      s.write(first ? Buffer.concat([Buffer.from(tag), b]) : b)
      first = false
    })
    s.on('end', () => s.end(`<${tag} saw end>`))
    s.on('error', () => {})
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close(), firstBytes }
}

/** A UDP server that answers each datagram with its tag and the datagram, and keeps the source ports it saw. */
async function udpEcho(tag: string): Promise<{ port: number; peers: Set<number>; close(): void }> {
  const s = dgram.createSocket('udp4')
  const peers = new Set<number>()
  s.on('message', (m, r) => {
    peers.add(r.port)
    s.send(Buffer.concat([Buffer.from(tag), m]), r.port, r.address)
  })
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r))
  return { port: s.address().port, peers, close: () => s.close() }
}

/** A UDP client: each ask() sends one datagram and waits for one reply ('' after 500 ms). */
async function udpClient(port: number): Promise<{ ask(m: string): Promise<string>; close(): void }> {
  const s = dgram.createSocket('udp4')
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r))
  return {
    ask: (m) => new Promise((resolve) => {
      const timer = setTimeout(() => { s.off('message', on); resolve('') }, 500)
      const on = (reply: Buffer): void => { clearTimeout(timer); s.off('message', on); resolve(reply.toString()) }
      s.on('message', on)
      s.send(m, port, '127.0.0.1')
    }),
    close: () => s.close(),
  }
}

/** A TLS server that answers its name to whoever connects. */
async function tlsServer(name: string, cert: { cert: string; key: string }): Promise<{ port: number; close(): void }> {
  const server = tls.createServer({ ...cert }, (s) => {
    s.end(`hello from ${name}`)
    s.on('error', () => {})
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() }
}

/** Connects, sends, half-closes, and collects everything until the server closes. */
function exchange(port: number, payload: Buffer | string): Promise<{ data: string; ended: boolean }> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    const chunks: Buffer[] = []
    let ended = false
    c.on('data', (b: Buffer) => chunks.push(b))
    c.on('end', () => {
      ended = true
      c.end()
    })
    c.on('close', () => resolve({ data: Buffer.concat(chunks).toString('latin1'), ended }))
    c.on('error', () => {})
    c.end(payload)
  })
}

/** One live connection: send, and read what came back since. */
function openConn(port: number): Promise<{ say(s: string): Promise<string>; end(): Promise<string>; sock: net.Socket }> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
    let buf = ''
    c.on('data', (b: Buffer) => (buf += b.toString()))
    c.on('error', reject)
    c.once('connect', () =>
      resolve({
        sock: c,
        say: async (s) => {
          const from = buf.length
          c.write(s)
          await waitFor(() => buf.length >= from + s.length, 5000, `echo of ${s}`)
          return buf.slice(from)
        },
        end: () => new Promise((r) => { c.on('close', () => r(buf)); c.end() }),
      }),
    )
  })
}

function tlsHello(port: number, servername: string, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const c = tls.connect({ port, host: '127.0.0.1', servername, ca })
    let got = ''
    c.on('data', (b: Buffer) => (got += b.toString()))
    c.on('error', (e) => resolve(`error: ${(e as NodeJS.ErrnoException).code ?? e.message}`))
    c.on('close', () => resolve(got))
  })
}

t.test('TCP routers through pier', async (t) => {
  const a = await echo('A:')
  const b = await echo('B:')
  const ca = await makeCA()
  const mqtt = await tlsServer('mqtt', await ca.issue(['mqtt.example.test']))
  const other = await tlsServer('other', await ca.issue(['other.example.test']))
  const http = await startBackend('http-backend')
  const u1 = await udpEcho('U1:')
  const u2 = await udpEcho('U2:')
  const dead = await freePort()
  const [web, pg, mqtts, redis, down, pp, dns, mixed] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort()])
  // A server that speaks first (SMTP, MySQL): its clients send nothing until greeted.
  const greeter = net.createServer((s) => {
    s.write('220 greeter ready\r\n')
    s.on('data', () => s.end('221 bye\r\n'))
    s.on('error', () => {})
  })
  await new Promise<void>((r) => greeter.listen(0, '127.0.0.1', r))
  const pp1: string[] = []
  const ppServer = net.createServer((s) => {
    let got = ''
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1')
      if (!got.endsWith('payload')) return
      pp1.push(got)
      s.end('ok')
    })
  })
  await new Promise<void>((r) => ppServer.listen(0, '127.0.0.1', r))
  const dir = mkdtempSync(join(tmpdir(), 'pier-tcp-'))
  const routes = join(dir, 'routes.yml')
  const write = (pgService: string, httpOnPg = false): void => {
    const tmp = `${routes}.tmp`
    writeFileSync(tmp, JSON.stringify({
      http: {
        routers: { site: { rule: 'Host(`site.test`)', service: 'site', entryPoints: httpOnPg ? ['web', 'pg'] : ['web'] } },
        services: { site: { loadBalancer: { servers: [{ url: http.url }] } } },
      },
      tcp: {
        routers: {
          pg: { rule: 'HostSNI(`*`)', service: pgService, entryPoints: ['pg'] },
          mqtt: { rule: 'HostSNI(`mqtt.example.test`)', service: 'mqtt', entryPoints: ['mqtts'], tls: { passthrough: true } },
          other: { rule: 'HostSNIRegexp(`^other\\.`)', service: 'other', entryPoints: ['mqtts'], tls: { passthrough: true } },
          redis: { rule: 'HostSNI(`*`)', service: 'weighted', entryPoints: ['redis'] },
          down: { rule: 'HostSNI(`*`)', service: 'dead', entryPoints: ['down'] },
          pp: { rule: 'HostSNI(`*`)', service: 'pp', entryPoints: ['pp'] },
          onweb: { rule: 'HostSNI(`*`)', service: 'a', entryPoints: ['web'] },
          mixedTls: { rule: 'HostSNI(`mqtt.example.test`)', service: 'mqtt', entryPoints: ['mixed'], tls: { passthrough: true } },
          mixedPlain: { rule: 'HostSNI(`*`)', service: 'greeter', entryPoints: ['mixed'] },
        },
        services: {
          a: { loadBalancer: { servers: [{ address: `127.0.0.1:${a.port}` }] } },
          b: { loadBalancer: { servers: [{ address: `127.0.0.1:${b.port}` }] } },
          weighted: { loadBalancer: { servers: [{ address: `127.0.0.1:${a.port}`, weight: 3 }, { address: `127.0.0.1:${b.port}`, weight: 1 }] } },
          mqtt: { loadBalancer: { servers: [{ address: `127.0.0.1:${mqtt.port}` }] } },
          other: { loadBalancer: { servers: [{ address: `127.0.0.1:${other.port}` }] } },
          greeter: { loadBalancer: { servers: [{ address: `127.0.0.1:${(greeter.address() as net.AddressInfo).port}` }] } },
          dead: { loadBalancer: { servers: [{ address: `127.0.0.1:${dead}` }] } },
          pp: { loadBalancer: { servers: [{ address: `127.0.0.1:${(ppServer.address() as net.AddressInfo).port}` }], proxyProtocol: { version: 1 } } },
        },
      },
      udp: {
        routers: { dns: { entryPoints: ['dns'], service: 'dns' } },
        services: { dns: { loadBalancer: { servers: [{ address: `127.0.0.1:${u1.port}` }, { address: `127.0.0.1:${u2.port}` }] } } },
      },
    }))
    renameSync(tmp, routes)
  }
  write('a')
  const api = await freePort()
  const pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${web}`, `--entrypoints.pg.address=127.0.0.1:${pg}/tcp`, `--entrypoints.mqtts.address=127.0.0.1:${mqtts}`,
    `--entrypoints.redis.address=127.0.0.1:${redis}`, `--entrypoints.down.address=127.0.0.1:${down}`, `--entrypoints.pp.address=127.0.0.1:${pp}`, `--entrypoints.dns.address=127.0.0.1:${dns}/udp`, '--entrypoints.dns.udp.timeout=600ms', `--entrypoints.mixed.address=127.0.0.1:${mixed}`,
    `--entrypoints.traefik.address=127.0.0.1:${api}`, '--api.insecure=true', `--providers.file.filename=${routes}`, '--providers.file.watch=true', '--workers=2',
  ])
  t.teardown(async () => {
    await pier.stop()
    for (const s of [a, b, mqtt, other, u1, u2]) s.close()
    ppServer.close()
    greeter.close()
    await http.close()
  })
  await waitFor(async () => (await exchange(pg, 'ping')).data.startsWith('A:'), 10_000, 'the pg entrypoint relays')

  await t.test('bytes both ways, the client half-closes, the server ends after', async (t) => {
    const big = Buffer.alloc(4 << 20, 'x')
    const r = await exchange(pg, big)
    t.equal(r.data.length, 2 + big.length + '<A: saw end>'.length, 'every byte back, then the end')
    t.ok(r.data.endsWith('<A: saw end>'), 'the server saw the half-close and still wrote after it')
    t.ok(r.ended)
  })

  await t.test('SNI routing of passed-through TLS, verified by the client against the servers\' own certificates', async (t) => {
    t.equal(await tlsHello(mqtts, 'mqtt.example.test', ca.cert), 'hello from mqtt')
    t.equal(await tlsHello(mqtts, 'other.example.test', ca.cert), 'hello from other')
    t.match(await tlsHello(mqtts, 'nobody.example.test', ca.cert), /^(error: ECONNRESET|error: .*socket disconnected.*|)$/i, 'no router for the name: closed')
    t.equal((await exchange(mqtts, 'not tls')).data, '', 'plain TCP on a TLS-only entrypoint: closed')
  })

  await t.test('TLS and plain routers on one entrypoint; a server that speaks first is reached after the 1 s peek', async (t) => {
    t.equal(await tlsHello(mixed, 'mqtt.example.test', ca.cert), 'hello from mqtt')
    const t0 = Date.now()
    const greeting = await new Promise<string>((resolve) => {
      const c = net.connect(mixed, '127.0.0.1')
      c.once('data', (b: Buffer) => {
        resolve(b.toString())
        c.destroy()
      })
      c.on('error', () => resolve(''))
    })
    t.equal(greeting, '220 greeter ready\r\n')
    t.ok(Date.now() - t0 >= 900, `greeted after the peek (${Date.now() - t0} ms)`)
  })

  await t.test('weighted servers: 3 to 1', async (t) => {
    const seen = { A: 0, B: 0 }
    for (let i = 0; i < 8; i++) seen[(await exchange(redis, 'x')).data.slice(0, 1) as 'A' | 'B']++
    t.same(seen, { A: 6, B: 2 })
  })

  await t.test('server down: the client connection is closed', async (t) => {
    const r = await exchange(down, 'hello?')
    t.equal(r.data, '')
  })

  await t.test('PROXY protocol v1 toward the server', async (t) => {
    const r = await exchange(pp, 'payload')
    t.equal(r.data, 'ok')
    t.match(pp1[0], /^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 \d+ \d+\r\npayload$/)
  })

  await t.test('a TCP router on an HTTP entrypoint is disabled, saying why; HTTP there still works', async (t) => {
    const routers = await (await fetch(`http://127.0.0.1:${api}/api/tcp/routers`)).json() as { name: string; status: string; error?: string[] }[]
    const onweb = routers.find((r) => r.name === 'onweb@file')!
    t.equal(onweb.status, 'disabled')
    t.match(onweb.error!.join(), /entrypoint "web" also serves HTTP routers \(site@file\)/)
    t.equal(routers.filter((r) => r.status === 'enabled').length, 8)
    const udp = await (await fetch(`http://127.0.0.1:${api}/api/udp/routers`)).json() as { name: string; status: string }[]
    t.match(udp, [{ name: 'dns@file', status: 'enabled', using: ['dns'] }])
    t.equal((await get(web, 'site.test')).body, 'http-backend')
  })

  await t.test('the API lists TCP and UDP services as Traefik does, with the routers using them', async (t) => {
    const api1 = async (p: string): Promise<any> => (await fetch(`http://127.0.0.1:${api}${p}`)).json()
    const tcp = await api1('/api/tcp/services') as { name: string; usedBy: string[] }[]
    t.same(tcp.map((s) => s.name), ['a@file', 'b@file', 'dead@file', 'greeter@file', 'mqtt@file', 'other@file', 'pp@file', 'weighted@file'])
    t.same(tcp.find((s) => s.name === 'mqtt@file')!.usedBy, ['mixedTls@file', 'mqtt@file'])
    t.same(await api1('/api/tcp/services/weighted@file'), {
      loadBalancer: { servers: [{ address: `127.0.0.1:${a.port}`, weight: 3 }, { address: `127.0.0.1:${b.port}`, weight: 1 }] },
      status: 'enabled', usedBy: ['redis@file'], name: 'weighted@file', provider: 'file', type: 'loadbalancer',
    })
    t.match(await api1('/api/tcp/services/pp@file'), { loadBalancer: { proxyProtocol: { version: 1 } } })
    t.match(await api1('/api/udp/services'), [{ name: 'dns@file', status: 'enabled', usedBy: ['dns@file'], loadBalancer: { servers: [{ address: `127.0.0.1:${u1.port}` }, { address: `127.0.0.1:${u2.port}` }] } }])
    t.match(await api1('/api/overview'), { tcp: { services: { total: 8, errors: 0 } }, udp: { services: { total: 1 } } })
    t.match(await api1('/api/rawdata'), { tcpServices: { 'b@file': { status: 'enabled', usedBy: [] } }, udpServices: { 'dns@file': { status: 'enabled' } } })
    t.equal((await fetch(`http://127.0.0.1:${api}/api/tcp/services/nope@file`)).status, 404)
  })

  await t.test('UDP: a session per client, each on one server, replies back to the right client', async (t) => {
    const c1 = await udpClient(dns)
    const c2 = await udpClient(dns)
    t.teardown(() => { c1.close(); c2.close() })
    const first = await waitFor(async () => (await c1.ask('q1')) || undefined, 5000, 'a UDP reply')
    t.match(first, /^U[12]:q1$/)
    const tag1 = first.slice(0, 3)
    for (let i = 0; i < 5; i++) t.equal(await c1.ask(`again${i}`), `${tag1}again${i}`, 'the session stays on its server')
    const second = await c2.ask('q2')
    t.equal(second, `${tag1 === 'U1:' ? 'U2:' : 'U1:'}q2`, 'the next client goes to the other server')
  })

  await t.test('UDP: a session idle for udp.timeout is closed; the client\'s next datagram opens another', async (t) => {
    const c = await udpClient(dns)
    t.teardown(() => c.close())
    const sockets = (): number => u1.peers.size + u2.peers.size
    t.match(await waitFor(async () => (await c.ask('a')) || undefined, 5000, 'a UDP reply'), /^U[12]:a$/)
    const before = sockets()
    t.match(await c.ask('b'), /^U[12]:b$/)
    t.equal(sockets(), before, 'within the timeout: the same session and socket')
    await new Promise((r) => setTimeout(r, 1500))
    t.match(await c.ask('c'), /^U[12]:c$/)
    t.equal(sockets(), before + 1, 'after 1.5 s idle (timeout 600ms): a new session, from a new socket')
  })

  await t.test('reloads leave established connections alone; new ones follow the new service', async (t) => {
    const conn = await openConn(pg)
    t.equal(await conn.say('one'), 'A:one')
    write('b')
    await waitFor(async () => (await exchange(pg, 'x')).data.startsWith('B:'), 10_000, 'new connections go to b')
    t.equal(await conn.say('two'), 'two', 'the open connection still reaches a')
    // The port goes to the HTTP workers (an HTTP router now names it), and comes back.
    write('b', true)
    await waitFor(async () => (await get(pg, 'site.test').catch(() => ({ body: '' }))).body === 'http-backend', 10_000, 'HTTP served on the pg port')
    t.equal(await conn.say('three'), 'three', 'the open connection survives the handover')
    write('a')
    await waitFor(async () => (await exchange(pg, 'y')).data.startsWith('A:'), 10_000, 'TCP again on the pg port')
    t.equal(await conn.say('four'), 'four')
    t.match(await conn.end(), /<A: saw end>$/)
  })
})
