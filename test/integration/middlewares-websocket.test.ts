// WebSocket upgrades through a router's middleware chain: the request phase
// applies (basicAuth refuses, stripPrefix rewrites the path, forwardAuth asks
// its server first), then the upgrade takes the client.
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import { freePort } from '../helpers/net.js'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { startBackend, type Backend } from '../helpers/backends.js'
import { startWsBackend, type WsBackend } from '../helpers/ws.js'

const dir = mkdtempSync(join(tmpdir(), 'pier-mwws-'))
let ws: WsBackend
let auth: Backend
let pier: PierProcess
let port: number

const BOB = 'Basic ' + Buffer.from('bob:b0b$pass').toString('base64')

t.before(async () => {
  ws = await startWsBackend((socket, req) => socket.on('message', (m) => socket.send(`${req.url} ${m.toString()}`)))
  auth = await startBackend('auth', (req, res) => res.writeHead(req.headers.cookie === 'session=good' ? 200 : 401, { 'Remote-User': 'john' }).end())
  const routes = join(dir, 'routes.yml')
  writeFileSync(
    routes,
    JSON.stringify({
      http: {
        routers: {
          basic: { rule: 'Host(`basic.test`)', service: 'ws', middlewares: ['strip', 'auth'] },
          forward: { rule: 'Host(`forward.test`)', service: 'ws', middlewares: ['forward'] },
        },
        services: { ws: { loadBalancer: { servers: [{ url: ws.url }] } } },
        middlewares: {
          strip: { stripPrefix: { prefixes: ['/live'] } },
          auth: { basicAuth: { users: ['bob:$apr1$gNMBMiJO$LbvLkhSPKodQzgp/hYSgH1'] } },
          forward: { forwardAuth: { address: `${auth.url}/check`, authResponseHeaders: ['Remote-User'] } },
        },
      },
    }),
  )
  port = await freePort()
  pier = await startPier([`--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, '--workers=2'])
})

t.teardown(async () => {
  await pier?.stop()
  await ws?.close()
  await auth?.close()
})

/** Opens a WebSocket through pier: the first message back, or the HTTP status that refused it. */
function open(host: string, path: string, headers: Record<string, string>): Promise<{ status: number; reply?: string }> {
  return new Promise((resolve, reject) => {
    const c = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { host, ...headers } })
    c.on('unexpected-response', (req, res) => {
      resolve({ status: res.statusCode! })
      req.destroy()
    })
    c.on('open', () => c.send('hello'))
    c.on('message', (m) => {
      resolve({ status: 101, reply: m.toString() })
      c.close()
    })
    c.on('error', (err) => (/Unexpected server response/.test(err.message) ? undefined : reject(err)))
  })
}

t.test('basicAuth and stripPrefix apply to an upgrade', async (t) => {
  t.same(await open('basic.test', '/live/chat', {}), { status: 401 }, 'no credentials: refused before any upgrade')
  t.same(await open('basic.test', '/live/chat', { authorization: BOB }), { status: 101, reply: '/chat hello' }, 'the backend saw the stripped path')
  t.equal(ws.seen.at(-1)!.url, '/chat')
})

t.test('forwardAuth (asynchronous) applies to an upgrade', async (t) => {
  t.same(await open('forward.test', '/socket', {}), { status: 401 })
  t.same(await open('forward.test', '/socket', { cookie: 'session=good', 'remote-user': 'mallory' }), { status: 101, reply: '/socket hello' })
  t.equal(ws.seen.at(-1)!.headers['remote-user'], 'john', "the auth server's header reached the backend's handshake")
})
