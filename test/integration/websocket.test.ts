// WebSocket through the built pier (two worker threads) to `ws` backends on
// 127.0.0.1: routing, handshake headers both ways, refusals as they are,
// messages of every kind, close codes either way, abnormal ends, size limits,
// backpressure both ways, idle connections, and 1,000 sockets at once.
import t from 'tap'
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { connect, once, startWsBackend, type Client, type WsBackend } from '../helpers/ws.js'

const dir = mkdtempSync(join(tmpdir(), 'pier-ws-'))
let pier: PierProcess
let small: PierProcess
let port: number
let smallPort: number
let main: WsBackend
let second: WsBackend
let idle: Client
let idleSince = 0
const broadcastRoom = new Set<WebSocket>()

function routes(file: string, services: Record<string, string>, routers: Record<string, { rule: string; service: string }>): string {
  const path = join(dir, file)
  writeFileSync(path, JSON.stringify({ http: { routers, services: Object.fromEntries(Object.entries(services).map(([n, url]) => [n, { loadBalancer: { servers: [{ url }] } }])) } }))
  return path
}

const rss = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024

t.before(async () => {
  main = await startWsBackend(
    (ws, req, wss) => {
      const path = req.url!
      if (path.startsWith('/broadcast')) {
        broadcastRoom.add(ws)
        ws.on('close', () => broadcastRoom.delete(ws))
        ws.on('message', (m, binary) => {
          for (const c of wss.clients) if (broadcastRoom.has(c)) c.send(m, { binary })
        })
        return
      }
      ws.on('message', (m, binary) => {
        const s = binary ? '' : m.toString()
        if (s.startsWith('close ')) return ws.close(Number(s.split(' ')[1]), s.split(' ')[2])
        if (s === 'fragments') {
          ws.send('frag', { fin: false })
          ws.send('men', { fin: false })
          return ws.send('ted', { fin: true })
        }
        if (s === 'ping me') return ws.ping('from backend')
        if (s.startsWith('big ')) return ws.send(Buffer.alloc(Number(s.split(' ')[1]), 1))
        ws.send(m, { binary })
      })
      ws.on('ping', (d) => ws.send(`backend saw ping ${d}`))
      ws.on('pong', (d) => ws.send(`backend saw pong ${d}`))
      ws.on('close', (code, reason) => backendCloses.set(path, { code, reason: reason.toString() }))
    },
    (req, socket) => {
      const m = /^\/deny\/(\d+)/.exec(req.url!)
      if (!m) return false
      const body = `denied ${m[1]}`
      socket.end(`HTTP/1.1 ${m[1]} Denied\r\nWWW-Authenticate: Bearer realm="x"\r\nX-Why: test\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
      return true
    },
  )
  second = await startWsBackend((ws) => ws.on('message', () => ws.send('second')))
  port = await freePort()
  const file = routes('routes.yml', { main: main.url, second: second.url }, {
    main: { rule: 'Host(`ws.test`)', service: 'main' },
    second: { rule: 'Host(`ws.test`) && PathPrefix(`/two`)', service: 'second' },
  })
  pier = await startPier([`--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${file}`, '--workers=2'])
  smallPort = await freePort()
  small = await startPier([`--entrypoints.web.address=127.0.0.1:${smallPort}`, `--providers.file.filename=${file}`, '--workers=1', '--webSocket.maxMessageSize=64KiB'])
  // Opened first and left silent through the other tests: uWS's HTTP idle timeout (10 s) must not cut it.
  idle = await connect(port, 'ws.test', '/idle')
  idleSince = Date.now()
})

t.teardown(async () => {
  await Promise.all([pier?.stop(), small?.stop()])
  await Promise.all([main?.close(), second?.close()])
})

/** How each backend connection closed, by its request path (each test uses its own). */
const backendCloses = new Map<string, { code: number; reason: string }>()
const backendClose = (path: string): Promise<{ code: number; reason: string }> => waitFor(() => backendCloses.get(path), 5000, `the backend side of ${path} to close`)

t.test('echo: text, binary, 1 MiB binary, fragments either way', async (t) => {
  const c = await connect(port, 'ws.test', '/echo')
  c.ws.send('hello')
  t.same(await c.nth(0), { data: Buffer.from('hello'), binary: false })
  c.ws.send(Buffer.from([0, 1, 255]))
  t.same(await c.nth(1), { data: Buffer.from([0, 1, 255]), binary: true })
  const big = Buffer.alloc(1 << 20)
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff
  c.ws.send(big)
  const back = await c.nth(2)
  t.ok(back.binary && back.data.equals(big), '1 MiB binary message intact')
  c.ws.send('frag', { fin: false })
  c.ws.send('mented é', { fin: true })
  t.equal((await c.nth(3)).data.toString(), 'fragmented é', 'a fragmented client message reaches the backend whole')
  c.ws.send('fragments')
  t.equal((await c.nth(4)).data.toString(), 'fragmented', "the backend's fragments reach the client as one message")
  c.ws.close()
  t.equal((await c.closed).code, 1005)
})

t.test('handshake: routed like HTTP, client headers forwarded, backend headers passed back', async (t) => {
  const c = await connect(port, 'ws.test', '/echo?x=1', { protocols: ['superchat', 'chat'], headers: { cookie: 'a=b', authorization: 'Bearer tok', origin: 'http://ws.test', 'x-forwarded-for': '10.0.0.1' } })
  t.equal(c.ws.protocol, 'chat', "the backend's chosen subprotocol")
  t.equal(c.ws.extensions, '', 'no extension negotiated (compression is off by default)')
  const h = main.seen.at(-1)!
  t.equal(h.url, '/echo?x=1')
  t.match(h.headers, {
    host: 'ws.test',
    cookie: 'a=b',
    authorization: 'Bearer tok',
    origin: 'http://ws.test',
    'sec-websocket-protocol': 'superchat,chat',
    'sec-websocket-version': '13',
    upgrade: 'websocket',
    connection: 'upgrade',
    'x-forwarded-for': '127.0.0.1',
    'x-forwarded-proto': 'ws',
    'x-forwarded-host': 'ws.test',
    'x-forwarded-port': String(port),
    'x-real-ip': '127.0.0.1',
  })
  t.notOk('sec-websocket-extensions' in h.headers, "the client's permessage-deflate offer is not forwarded")
  c.ws.close()
  const two = await connect(port, 'ws.test', '/two/x')
  two.ws.send('hi')
  t.equal((await two.nth(0)).data.toString(), 'second', 'the longer rule wins, as for HTTP')
  two.ws.close()
  const err = await connect(port, 'nobody.test', '/').catch((e) => e)
  t.equal(err.status, 404, 'no router: 404')
})

t.test('the 101 headers reach the client: Set-Cookie and the backend’s own', async (t) => {
  const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`, { headers: { host: 'ws.test' } })
    ws.once('upgrade', (res) => resolve(res.headers))
    ws.once('open', () => ws.close())
    ws.once('error', reject)
  })
  t.same(headers['set-cookie'], ['sid=42; Path=/'])
  t.equal(headers['x-backend'], 'yes')
})

t.test('a backend refusing the upgrade: its response reaches the client as it is', async (t) => {
  for (const status of [401, 403, 404]) {
    const err = await connect(port, 'ws.test', `/deny/${status}`).catch((e) => e)
    t.equal(err.status, status)
    t.equal(err.body, `denied ${status}`)
    t.equal(err.headers['www-authenticate'], 'Bearer realm="x"')
    t.equal(err.headers['x-why'], 'test')
  }
})

t.test('broadcast: one message reaches every socket of the room', async (t) => {
  const clients = await Promise.all([1, 2, 3].map(() => connect(port, 'ws.test', '/broadcast')))
  await waitFor(() => broadcastRoom.size === 3, 5000, 'three in the room')
  clients[0]!.ws.send('to all')
  for (const c of clients) t.equal((await c.nth(0)).data.toString(), 'to all')
  for (const c of clients) c.ws.close()
})

t.test('close codes and reasons pass either way', async (t) => {
  const a = await connect(port, 'ws.test', '/echo?close=a')
  a.ws.send('close 4001 bye')
  t.same(await a.closed, { code: 4001, reason: 'bye' }, "the backend's close code and reason reach the client")
  t.same(await backendClose('/echo?close=a'), { code: 4001, reason: 'bye' }, 'pier answered the close with its code')
  const b = await connect(port, 'ws.test', '/echo?close=b')
  b.ws.close(4002, 'client bye')
  await b.closed
  t.same(await backendClose('/echo?close=b'), { code: 4002, reason: 'client bye' }, "the client's close code and reason reach the backend")
  const c = await connect(port, 'ws.test', '/echo?close=c')
  c.ws.close(1000)
  t.equal((await backendClose('/echo?close=c')).code, 1000)
  const d = await connect(port, 'ws.test', '/echo?close=d')
  d.ws.terminate()
  t.equal((await backendClose('/echo?close=d')).code, 1006, 'a client that vanishes: the backend sees an abnormal close too')
})

t.test('ping and pong', async (t) => {
  const c = await connect(port, 'ws.test', '/echo')
  const [ping] = await Promise.all([once<[Buffer]>(c.ws, 'ping'), c.ws.send('ping me')])
  t.equal(ping[0].toString(), 'from backend', "the backend's ping reaches the client")
  t.equal((await c.nth(0)).data.toString(), 'backend saw pong from backend', "the client's pong reaches the backend")
  const [pong] = await Promise.all([once<[Buffer]>(c.ws, 'pong'), c.ws.ping('from client')])
  t.equal(pong[0].toString(), 'from client', 'the client gets its pong')
  t.equal((await c.nth(1)).data.toString(), 'backend saw ping from client', "the client's ping reaches the backend")
  c.ws.close()
})

t.test('the backend killed mid-stream: the client sees an abnormal close', async (t) => {
  const child = fork(new URL('../helpers/ws-streamer.mjs', import.meta.url).pathname, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const childPort = await new Promise<number>((r) => child.once('message', (m) => r(Number(m))))
  const p2 = await freePort()
  const file = routes('kill.yml', { s: `http://127.0.0.1:${childPort}` }, { s: { rule: 'Host(`kill.test`)', service: 's' } })
  const kp = await startPier([`--entrypoints.web.address=127.0.0.1:${p2}`, `--providers.file.filename=${file}`, '--workers=1'])
  try {
    const c = await connect(p2, 'kill.test', '/')
    await c.nth(5)
    child.kill('SIGKILL')
    t.equal((await c.closed).code, 1006)
  } finally {
    child.kill('SIGKILL')
    await kp.stop()
  }
})

t.test('message size limit (64 KiB here) both ways', async (t) => {
  const a = await connect(smallPort, 'ws.test', '/echo?size=a')
  a.ws.send(Buffer.alloc(64 * 1024, 2))
  t.equal((await a.nth(0)).data.length, 64 * 1024, 'a message at the limit passes')
  a.ws.send(Buffer.alloc(64 * 1024 + 1, 2))
  t.equal((await a.closed).code, 1006, 'a client message over the limit: uWS cuts the client')
  t.equal((await backendClose('/echo?size=a')).code, 1006, '... and the backend connection')
  const b = await connect(smallPort, 'ws.test', '/echo?size=b')
  b.ws.send(`big ${64 * 1024 + 1}`)
  const closed = await b.closed
  t.equal(closed.code, 1014, 'a backend message over the limit: the client gets 1014 (bad gateway)')
  t.match(closed.reason, /larger than 65536/)
  t.equal((await backendClose('/echo?size=b')).code, 1009, '... and the backend 1009 (too big)')
})

t.test('--webSocket.compression: permessage-deflate toward the client, plain frames toward the backend', async (t) => {
  const p2 = await freePort()
  const file = routes('deflate.yml', { main: main.url }, { main: { rule: 'Host(`ws.test`)', service: 'main' } })
  const dp = await startPier([`--entrypoints.web.address=127.0.0.1:${p2}`, `--providers.file.filename=${file}`, '--workers=1', '--webSocket.compression', '--accesslog'])
  try {
    const c = await connect(p2, 'ws.test', '/echo')
    t.match(c.ws.extensions, /permessage-deflate/, 'negotiated with the client')
    t.notOk('sec-websocket-extensions' in main.seen.at(-1)!.headers, 'not offered to the backend')
    const text = JSON.stringify({ entity: 'sensor.kitchen', state: 21.5 }).repeat(2000)
    c.ws.send(text)
    t.equal((await c.nth(0)).data.toString(), text, 'a compressible message both ways')
    c.ws.send('fragments')
    t.equal((await c.nth(1)).data.toString(), 'fragmented', "the backend's fragments")
    const bin = Buffer.alloc(1 << 20)
    for (let i = 0; i < bin.length; i++) bin[i] = (i * 13) & 0xff
    c.ws.send(bin)
    t.ok((await c.nth(2)).data.equals(bin), '1 MiB binary')
    c.ws.close(1000)
    t.equal((await c.closed).code, 1000)
    await dp.waitForLog(/"GET \/echo HTTP\/1\.1" 101 \d+/, 5000)
    t.pass('the WebSocket is logged as one request with status 101 once closed')
  } finally {
    await dp.stop()
  }
})

t.test('backpressure toward a client that does not read: the backend is paused, pier stays small', async (t) => {
  let backendBuffered = 0
  let sent = 0
  // Frames of exactly 64 KiB (4-byte header): each of pier's 64 KiB reads ends at a message's end.
  const chunk = Buffer.alloc(65532, 3)
  const total = 2048 * chunk.length
  const flood = await startWsBackend((ws) => {
    const pump = (): void => {
      while (sent < total && ws.bufferedAmount < 64 << 20) {
        ws.send(chunk)
        sent += chunk.length
      }
      backendBuffered = Math.max(backendBuffered, ws.bufferedAmount)
      if (sent < total) setTimeout(pump, 5)
    }
    ws.once('message', pump)
  })
  const p2 = await freePort()
  const file = routes('flood.yml', { f: flood.url }, { f: { rule: 'Host(`flood.test`)', service: 'f' } })
  const fp = await startPier([`--entrypoints.web.address=127.0.0.1:${p2}`, `--providers.file.filename=${file}`, '--workers=1'])
  try {
    const before = rss(fp.proc.pid!)
    const ws = new WebSocket(`ws://127.0.0.1:${p2}/`, { headers: { host: 'flood.test' } })
    await once(ws, 'open')
    let received = 0
    let ordered = true
    ws.on('message', (m: Buffer) => {
      received += m.length
      if (m[0] !== 3) ordered = false
    })
    const sock = (ws as unknown as { _socket: import('node:net').Socket })._socket
    sock.pause()
    ws.send('go')
    await waitFor(() => backendBuffered > 32 << 20, 20000, 'the backend to feel backpressure')
    const peak = rss(fp.proc.pid!)
    t.ok(peak - before < 48 << 20, `pier grew ${((peak - before) / 1048576).toFixed(1)} MB while the backend held ${(backendBuffered / 1048576).toFixed(0)} MB`)
    sock.resume()
    await waitFor(() => received === total, 60000, 'every byte')
    t.ok(ordered, 'all 128 MiB arrived')
    t.equal(received, total)
    ws.close()
  } finally {
    await fp.stop()
    await flood.close()
  }
})

t.test('backpressure toward a backend that does not read: the client is closed with 1013', async (t) => {
  const stuck = await startWsBackend((ws) => {
    ;(ws as unknown as { _socket: import('node:net').Socket })._socket.pause()
  })
  const p2 = await freePort()
  const file = routes('stuck.yml', { s: stuck.url }, { s: { rule: 'Host(`stuck.test`)', service: 's' } })
  const sp = await startPier([`--entrypoints.web.address=127.0.0.1:${p2}`, `--providers.file.filename=${file}`, '--workers=1', '--webSocket.maxMessageSize=64KiB'])
  try {
    const before = rss(sp.proc.pid!)
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, rss(sp.proc.pid!))), 20)
    const c = await connect(p2, 'stuck.test', '/')
    let sent = 0
    const chunk = Buffer.alloc(64 * 1024, 4)
    let code = 0
    c.closed.then((r) => (code = r.code))
    while (code === 0 && sent < 512 << 20) {
      if (c.ws.bufferedAmount < 1 << 20) {
        c.ws.send(chunk)
        sent += chunk.length
      } else await new Promise((r) => setTimeout(r, 2))
    }
    await c.closed
    clearInterval(sampler)
    t.equal(code, 1013)
    // Loopback sockets here may buffer up to 32 MB each way in the kernel; pier itself holds at most the largest message + 1 MiB.
    t.ok(peak - before < 32 << 20, `closed after ${(sent / 1048576).toFixed(1)} MiB sent; pier grew ${((peak - before) / 1048576).toFixed(1)} MB`)
  } finally {
    await sp.stop()
    await stuck.close()
  }
})

t.test('1,000 concurrent WebSockets through 2 workers', async (t) => {
  const clients = await Promise.all(Array.from({ length: 1000 }, () => connect(port, 'ws.test', '/echo')))
  clients.forEach((c, i) => c.ws.send(`n${i}`))
  // uWS 20.30's cork() now and then closes a socket right after its 101 (README, "Known defect";
  // fixed upstream in uWebSockets fe7c01a, not in any build that runs here). Such a socket ends
  // 1006 without a message: it is counted, held to a bound far above the defect's measured rate
  // (about 1 in 80,000) and far below any failure of pier's own, and must succeed when retried.
  const outcomes = await Promise.all(clients.map((c) => Promise.race([c.nth(0, 30000), c.closed])))
  const dropped = outcomes.flatMap((o, i) => ('code' in o ? [{ i, code: o.code, messages: clients[i]!.messages.length }] : []))
  t.same(dropped.filter((d) => d.code !== 1006 || d.messages !== 0), [], 'no socket closed any other way')
  t.ok(dropped.length <= 5, `${dropped.length} of 1,000 closed 1006 right after the handshake (the uWS defect)`)
  if (dropped.length) t.comment(`known uWS 20.30 defect: sockets ${dropped.map((d) => d.i).join(', ')} closed 1006 after their 101`)
  for (const { i } of dropped) {
    const again = await connect(port, 'ws.test', '/echo')
    again.ws.send(`n${i}`)
    t.equal((await again.nth(0)).data.toString(), `n${i}`, `socket ${i} retried: echoed`)
    again.ws.close()
    await again.closed
  }
  const echoed = outcomes.flatMap((o, i) => ('data' in o ? [o.data.toString() === `n${i}`] : []))
  t.equal(echoed.length + dropped.length, 1000, 'every socket echoed or was dropped')
  t.ok(echoed.every(Boolean), 'each socket got its own echo')
  for (const c of clients) c.ws.close()
  await Promise.all(clients.map((c) => c.closed))
})

t.test('an idle WebSocket outlives the HTTP idle timeout', async (t) => {
  const wait = 16000 - (Date.now() - idleSince)
  if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  t.equal(idle.ws.readyState, WebSocket.OPEN, `open after ${((Date.now() - idleSince) / 1000).toFixed(0)} s of silence`)
  idle.ws.send('still here')
  t.equal((await idle.nth(0)).data.toString(), 'still here')
  idle.ws.close()
})

t.test('SIGTERM: WebSockets stay through the grace period, then close with 1001; counted as open connections', async (t) => {
  const p2 = await freePort()
  const api = await freePort()
  const file = routes('term.yml', { main: main.url }, { main: { rule: 'Host(`ws.test`)', service: 'main' } })
  const tp = await startPier([`--entrypoints.web.address=127.0.0.1:${p2}`, `--entrypoints.traefik.address=127.0.0.1:${api}`, '--metrics.prometheus', `--providers.file.filename=${file}`, '--workers=2', '--lifecycle.graceTimeOut=2s'])
  const clients = await Promise.all([1, 2, 3].map((i) => connect(p2, 'ws.test', `/echo?term=${i}`)))
  const metric = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${api}/metrics`)).text()
    return Number(/^traefik_open_connections\{entrypoint="web",protocol="TCP"\} (\d+)$/m.exec(text)?.[1])
  }
  t.equal(await waitFor(() => metric().then((n) => (n === 3 ? n : 0)), 5000, '3 open connections'), 3, 'traefik_open_connections counts the WebSockets')
  const stopped = Date.now()
  const exit = tp.stop('SIGTERM')
  await new Promise((r) => setTimeout(r, 500))
  clients[0]!.ws.send('during grace')
  t.equal((await clients[0]!.nth(0)).data.toString(), 'during grace', 'messages still flow during the grace period')
  const closes = await Promise.all(clients.map((c) => c.closed))
  const after = Date.now() - stopped
  t.same(closes.map((c) => c.code), [1001, 1001, 1001], 'closed with 1001 (going away)')
  t.ok(after >= 1900, `closed after the grace period (${after} ms)`)
  const backendCodes = await Promise.all([1, 2, 3].map((i) => backendClose(`/echo?term=${i}`)))
  t.same(backendCodes.map((c) => c.code), [1001, 1001, 1001], 'the backends get 1001 too')
  t.equal(await exit, 0, 'pier exits cleanly')
  t.match(tp.logs(), /WebSockets closed \(1001\)/)
})
