// A Traefik 1.7 traefik.toml served by the built pier: [entryPoints] with
// compress and a whiteList, [file] with the [frontends] and [backends]
// inline. Requests are balanced by the servers' weights, a path strip and
// the Host header apply, a failing health check takes a server out, the
// entrypoint allow list refuses other sources and compresses answers, another
// entrypoint asks for basic auth, and a
// frontend asking for what pier lacks answers 404 and says why.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'
import { get, startBackend } from '../helpers/backends.js'

/** A GET from a chosen loopback source address. */
function getFrom(localAddress: string, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/', headers: { host }, localAddress, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode!))
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('a v1 traefik.toml with inline frontends and backends', async (t) => {
  let sick = false
  const big = 'x'.repeat(4096)
  const backend = (name: string) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    req.resume()
    if (req.url === '/health') {
      res.statusCode = name === 'a' && sick ? 503 : 200
      return res.end('ok')
    }
    if (req.url === '/big') return res.end(big)
    res.end(`${name} ${req.url} ${req.headers.host}`)
  }
  const a = await startBackend('a', backend('a'))
  const b = await startBackend('b', backend('b'))
  t.teardown(() => Promise.all([a.close(), b.close()]))
  const [web, api, admin] = [await freePort(), await freePort(), await freePort()]
  const dir = t.testdir({})
  const file = join(dir, 'traefik.toml')
  writeFileSync(file, `
defaultEntryPoints = ["http"]

[entryPoints]
  [entryPoints.http]
  address = "127.0.0.1:${web}"
  compress = true
    [entryPoints.http.whiteList]
    sourceRange = ["127.0.0.1/32"]
  [entryPoints.admin]
  address = "127.0.0.1:${admin}"
    [entryPoints.admin.auth.basic]
    users = ["bob:$apr1$gNMBMiJO$LbvLkhSPKodQzgp/hYSgH1"]
  [entryPoints.traefik]
  address = "127.0.0.1:${api}"

[api]

[file]

[backends]
  [backends.app]
    [backends.app.servers.server0]
    url = "${a.url}"
    weight = 3
    [backends.app.servers.server1]
    url = "${b.url}"
    weight = 1
    [backends.app.healthCheck]
    path = "/health"
    interval = "200ms"

[frontends]
  [frontends.app]
  backend = "app"
  passHostHeader = true
    [frontends.app.routes.main]
    rule = "Host:app.test;PathPrefixStrip:/api"
  [frontends.admin]
  backend = "app"
  entryPoints = ["admin"]
    [frontends.admin.routes.main]
    rule = "Host:admin.test"
  [frontends.locked]
  backend = "app"
  passTLSCert = true
    [frontends.locked.routes.main]
    rule = "Host:locked.test"
`)
  const pier = await startPier([`--configFile=${file}`, '--api.insecure', '--workers=1'])
  t.teardown(() => pier.stop())

  await waitFor(async () => (await get(web, 'app.test', '/api/x')).status === 200, 5000, 'the v1 frontend served')
  const first = await get(web, 'app.test', '/api/x')
  t.match(first.body, /^[ab] \/x app\.test$/, 'prefix stripped, Host passed')

  const count = { a: 0, b: 0 }
  for (let i = 0; i < 40; i++) count[(await get(web, 'app.test', '/api/x')).body[0] as 'a' | 'b']++
  t.same(count, { a: 30, b: 10 }, 'weights 3:1')

  const gz = await new Promise<Buffer>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: web, path: '/api/big', headers: { host: 'app.test', 'accept-encoding': 'gzip' }, agent: false }, (res) => {
      t.equal(res.headers['content-encoding'], 'gzip', 'the entrypoint compresses')
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve(Buffer.concat(chunks)))
    })
    req.on('error', reject)
    req.end()
  })
  t.equal(gunzipSync(gz).toString(), big)

  t.equal(await getFrom('127.0.0.2', web, 'app.test'), 403, 'the entrypoint allow list refuses 127.0.0.2')
  t.equal(await getFrom('127.0.0.1', web, 'app.test'), 200)

  const locked = await get(web, 'locked.test', '/')
  t.equal(locked.status, 404, 'a frontend pier cannot honour is not served')
  const router = await (await fetch(`http://127.0.0.1:${api}/api/http/routers/locked@file`)).json()
  t.equal(router.status, 'disabled')
  t.match(router.error.join('\n'), /passTLSCert: passing TLS client certificates is not supported yet/)

  t.equal((await get(admin, 'admin.test', '/')).status, 401, 'the admin entrypoint asks for credentials')
  const creds = `Basic ${Buffer.from('bob:b0b$pass').toString('base64')}`
  t.equal((await get(admin, 'admin.test', '/', { headers: { authorization: creds } })).status, 200, 'and lets bob in')
  t.equal((await get(web, 'admin.test', '/')).status, 404, 'the admin frontend is on the admin entrypoint only')

  sick = true
  await waitFor(async () => {
    const bodies = await Promise.all(Array.from({ length: 8 }, async () => (await get(web, 'app.test', '/api/x')).body[0]))
    return bodies.every((x) => x === 'b')
  }, 5000, 'a out of rotation after failing its health check')
  sick = false
  await waitFor(async () => (await get(web, 'app.test', '/api/x')).body[0] === 'a', 5000, 'a back')
})
