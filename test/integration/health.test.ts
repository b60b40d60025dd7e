// Health on the built pier with real backends: an active health check takes
// a failing server out of rotation within an interval and brings it back
// when it passes, as the API and /metrics report; a server that refuses
// connections leaves rotation at once (passive health) while its requests,
// GET and POST alike, go to the server that works.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { Agent } from 'node:http'
import { join } from 'node:path'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'
import { get, startBackend } from '../helpers/backends.js'

t.test('active health check: out within an interval, back when it passes, reported truthfully', async (t) => {
  let sick = false
  const a = await startBackend('a')
  const b = await startBackend('b', (req, res) => {
    req.resume()
    if (req.url === '/health') {
      res.statusCode = sick ? 503 : 200
      return res.end(sick ? 'sick' : 'ok')
    }
    res.end('b')
  })
  t.teardown(() => Promise.all([a.close(), b.close()]))
  const dir = t.testdir({})
  const routes = join(dir, 'routes.yml')
  writeFileSync(routes, `
http:
  routers:
    app: { rule: "Host(\`app.test\`)", service: app }
  services:
    app:
      loadBalancer:
        healthCheck: { path: /health, interval: 200ms, timeout: 500ms, headers: { X-Probe: pier } }
        servers: [{ url: "${a.url}" }, { url: "${b.url}" }]
`)
  const [web, api] = [await freePort(), await freePort()]
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${web}`, `--entrypoints.traefik.address=127.0.0.1:${api}`, '--api.insecure', '--metrics.prometheus', `--providers.file.filename=${routes}`, '--workers=2'])
  t.teardown(() => pier.stop())
  const who = async (n: number) => new Set(await Promise.all(Array.from({ length: n }, async () => (await get(web, 'app.test')).body)))
  const status = async () => (await (await fetch(`http://127.0.0.1:${api}/api/http/services/app@file`)).json()).serverStatus
  const upMetric = async (url: string) => new RegExp(`traefik_service_server_up\\{service="app@file",url="${url}"\\} (\\d)`).exec(await (await fetch(`http://127.0.0.1:${api}/metrics`)).text())?.[1]

  await waitFor(async () => (await who(8)).size === 2, 5000, 'both servers answering')
  await waitFor(() => b.seen.some((r) => r.url === '/health' && r.headers['x-probe'] === 'pier' && r.method === 'GET'), 3000, 'probes with the configured header')
  t.same(await status(), { [a.url]: 'UP', [b.url]: 'UP' })

  sick = true
  const since = Date.now()
  await waitFor(async () => (await status())[b.url] === 'DOWN', 3000, 'b reported down')
  t.ok(Date.now() - since < 1500, 'within a few intervals')
  t.same([...(await who(20))], ['a'], 'no request reaches b, on any worker')
  t.equal(await upMetric(b.url), '0')
  t.equal(await upMetric(a.url), '1')
  t.match(pier.logs(), /health check failed; server out of rotation.*status 503/)

  sick = false
  await waitFor(async () => (await status())[b.url] === 'UP', 3000, 'b back up')
  await waitFor(async () => (await who(8)).size === 2, 3000, 'b serving again')
  t.equal(await upMetric(b.url), '1')
})

t.test('passive health: a server refusing connections is out at once, and its requests go to the other', async (t) => {
  const a = await startBackend('a')
  t.teardown(() => a.close())
  const dead = await freePort() // nothing listens: connections are refused
  const dir = t.testdir({})
  const routes = join(dir, 'routes.yml')
  writeFileSync(routes, `
http:
  routers:
    app: { rule: "Host(\`app.test\`)", service: app }
  services:
    app: { loadBalancer: { servers: [{ url: "http://127.0.0.1:${dead}" }, { url: "${a.url}" }] } }
`)
  const [web, api] = [await freePort(), await freePort()]
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${web}`, `--entrypoints.traefik.address=127.0.0.1:${api}`, '--api.insecure', `--providers.file.filename=${routes}`, '--workers=1'])
  t.teardown(() => pier.stop())

  const replies = []
  for (let i = 0; i < 10; i++) replies.push(await get(web, 'app.test', '/', i % 2 ? { method: 'POST', body: `payload ${i}` } : {}))
  t.same(replies.map((r) => `${r.status} ${r.body}`), Array(10).fill('200 a'), 'every request answered by a')
  t.same(a.seen.filter((r) => r.method === 'POST').length, 5, 'each POST reached a once')
  const status = async () => (await (await fetch(`http://127.0.0.1:${api}/api/http/services/app@file`)).json()).serverStatus
  await waitFor(async () => (await status())[`http://127.0.0.1:${dead}`] === 'DOWN', 2000, 'the refusing server reported down')
  t.match(pier.logs(), /server out of rotation after failures on live traffic/)
})

t.test('failover keeps the client connection flowing: POSTs moved to a warm server, one keep-alive connection', async (t) => {
  const a = await startBackend('a')
  t.teardown(() => a.close())
  const dead = await freePort()
  const dir = t.testdir({})
  const routes = join(dir, 'routes.yml')
  // maxFailedAttempts high: the dead server stays in rotation, so every other request fails over.
  writeFileSync(routes, `
http:
  routers:
    app: { rule: "Host(\`app.test\`)", service: app }
  services:
    app:
      loadBalancer:
        passiveHealthCheck: { maxFailedAttempts: 1000 }
        servers: [{ url: "http://127.0.0.1:${dead}" }, { url: "${a.url}" }]
`)
  const web = await freePort()
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${web}`, `--providers.file.filename=${routes}`, '--workers=1'])
  t.teardown(() => pier.stop())
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const replies = []
  for (let i = 0; i < 12; i++) replies.push(await get(web, 'app.test', '/', { agent, method: 'POST', body: Buffer.alloc(2000, i) }))
  t.same(replies.map((r) => `${r.status} ${r.body}`), Array(12).fill('200 a'))
  t.same(a.seen.length, 12, 'each POST reached a once')
})
