// ping as Traefik serves it: on an ordinary entrypoint beside proxied traffic
// (its own PathPrefix(`/ping`) router, above a catch-all), and answering its
// terminating status while pier stops.
import t from 'tap'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { get, startBackend } from '../helpers/backends.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'

const dir = mkdtempSync(join(tmpdir(), 'pier-ping-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const routes = join(dir, 'routes.yml')

t.test('--ping.entryPoint=web: /ping there, everything else proxied', async (t) => {
  const a = await startBackend('a')
  writeFileSync(routes, JSON.stringify({ http: { routers: { all: { rule: 'PathPrefix(`/`)', service: 'sa' } }, services: { sa: { loadBalancer: { servers: [{ url: a.url }] } } } } }))
  const web = await freePort()
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${web}`, `--providers.file.filename=${routes}`, '--ping', '--ping.entryPoint=web', '--workers=1'])
  t.teardown(async () => {
    await pier.stop()
    await a.close()
  })
  await waitFor(async () => (await get(web, 'x.local', '/')).body === 'a', 10_000, 'route')
  const ping = await get(web, 'x.local', '/ping')
  t.equal(ping.status, 200)
  t.equal(ping.body, 'OK')
  t.equal((await get(web, 'x.local', '/pingpong')).body, 'OK', "Traefik's rule is PathPrefix(`/ping`)")
  t.equal((await get(web, 'x.local', '/pin')).body, 'a', 'the rest is proxied')
  t.notMatch(pier.logs(), /API listening/, 'no entrypoint of the primary')
})

t.test('while pier stops, /ping answers ping.terminatingStatusCode', async (t) => {
  let release: () => void = () => {}
  let arrived = false
  const slow = await startBackend('slow', (req, res) => {
    if (req.url === '/ready') return void res.end('ready')
    arrived = true
    release = () => res.end('late')
  })
  writeFileSync(routes, JSON.stringify({ http: { routers: { all: { rule: 'PathPrefix(`/`)', service: 'slow' } }, services: { slow: { loadBalancer: { servers: [{ url: slow.url }] } } } } }))
  const [web, traefik] = [await freePort(), await freePort()]
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${web}`, `--entrypoints.traefik.address=127.0.0.1:${traefik}`, `--providers.file.filename=${routes}`, '--ping', '--ping.terminatingStatusCode=418', '--workers=1', '--lifecycle.graceTimeOut=5s'])
  t.teardown(async () => {
    release()
    await pier.stop()
    await slow.close()
  })
  t.equal((await get(traefik, 'x', '/ping')).status, 200)
  await waitFor(async () => (await get(web, 'x.local', '/ready')).body === 'ready', 10_000, 'route')
  const inFlight = get(web, 'x.local', '/slow')
  await waitFor(() => arrived, 5000, 'the slow request at the backend')
  pier.proc.kill('SIGTERM')
  await pier.waitForLog(/stopping/)
  const during = await get(traefik, 'x', '/ping')
  t.equal(during.status, 418, 'terminating status while requests drain')
  t.equal(during.body, "I'm a Teapot", 'its reason phrase as the body, as Traefik writes it')
  release()
  t.equal((await inFlight).body, 'late')
})

t.test('no writable temporary directory: pier runs, routers to internal services are disabled saying why', async (t) => {
  const a = await startBackend('a')
  writeFileSync(routes, JSON.stringify({ http: {
    routers: { app: { rule: 'Host(`app.local`)', service: 'sa' }, ping: { rule: 'Host(`ping.local`)', service: 'ping@internal' } },
    services: { sa: { loadBalancer: { servers: [{ url: a.url }] } } },
  } }))
  const [web, traefik] = [await freePort(), await freePort()]
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${web}`, `--entrypoints.traefik.address=127.0.0.1:${traefik}`, `--providers.file.filename=${routes}`, '--api.insecure', '--ping.manualRouting', '--workers=1'], { env: { TMPDIR: '/nonexistent/pier' } })
  t.teardown(async () => {
    await pier.stop()
    await a.close()
  })
  await waitFor(async () => (await get(web, 'app.local', '/')).body === 'a', 10_000, 'the app still routes')
  t.equal((await get(web, 'ping.local', '/')).status, 404)
  const routers = JSON.parse((await get(traefik, 'x', '/api/http/routers')).body) as Array<{ name: string; status: string; error?: string[] }>
  t.match(routers.find((r) => r.name === 'ping@file'), { status: 'disabled', error: [/service "ping@internal" is disabled: pier cannot serve its internal services: no directory for their sockets in \/nonexistent\/pier \(ENOENT; set TMPDIR/] })
})

t.test('a start that fails after the sockets were made leaves no directory behind', async (t) => {
  const busy = await startBackend('busy')
  const port = Number(new URL(busy.url).port)
  t.teardown(() => busy.close())
  const before = readdirSync(tmpdir()).filter((n) => n.startsWith('pier-internal-')).length
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${port}`, '--api', '--workers=1'], { ready: false })
  t.not(await pier.stop('SIGCONT'), 0, 'pier could not listen and exited')
  t.equal(readdirSync(tmpdir()).filter((n) => n.startsWith('pier-internal-')).length, before)
})
