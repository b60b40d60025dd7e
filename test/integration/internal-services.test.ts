// Traefik's internal services behind ordinary routers, end to end: pier with
// --api (not insecure), --ping and --metrics.prometheus on manual routing, a
// file whose routers send a Host to api@internal behind basicAuth (plain and
// TLS), dashboard@internal behind a stripPrefix, ping@internal,
// prometheus@internal, and noop@internal behind a redirectScheme. Nothing of
// it is served on the traefik entrypoint, and nothing without its router.
import t from 'tap'
import bcrypt from 'bcryptjs'
import { mkdtempSync, rmSync, statSync, existsSync, writeFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { get } from '../helpers/backends.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'
import { makeCA } from '../helpers/tls.js'
import { keepScreenshot, launchChromium } from '../helpers/browser.js'

const AUTH = { authorization: `Basic ${Buffer.from('admin:s3cret').toString('base64')}` }
const WRONG = { authorization: `Basic ${Buffer.from('admin:guess').toString('base64')}` }
const dir = mkdtempSync(join(tmpdir(), 'pier-internal-test-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const ca = await makeCA()
const cert = await ca.issue(['traefik.test'])
writeFileSync(join(dir, 'cert.pem'), cert.cert)
writeFileSync(join(dir, 'key.pem'), cert.key)
const hash = bcrypt.hashSync('s3cret', 5)
const routes = join(dir, 'routes.yml')
writeFileSync(routes, JSON.stringify({
  http: {
    routers: {
      dashboard: { rule: 'Host(`traefik.localhost`)', service: 'api@internal', middlewares: ['auth'], entryPoints: ['web'] },
      'dashboard-tls': { rule: 'Host(`traefik.test`)', service: 'api@internal', middlewares: ['auth'], entryPoints: ['websecure'], tls: {} },
      board: { rule: 'Host(`board.localhost`) && PathPrefix(`/dashboard`)', service: 'dashboard@internal', middlewares: ['auth', 'strip'], entryPoints: ['web'] },
      ping: { rule: 'Host(`health.localhost`)', service: 'ping@internal', entryPoints: ['web'] },
      metrics: { rule: 'Host(`metrics.localhost`) && Path(`/metrics`)', service: 'prometheus@internal', middlewares: ['auth'], entryPoints: ['web'] },
      'to-https': { rule: 'Host(`redirect.localhost`)', service: 'noop@internal', middlewares: ['https'], entryPoints: ['web'] },
      teapot: { rule: 'Host(`noop.localhost`)', service: 'noop@internal', entryPoints: ['web'] },
      rest: { rule: 'Host(`rest.localhost`)', service: 'rest@internal', entryPoints: ['web'] },
      prefixed: { rule: 'Host(`lab.localhost`) && PathPrefix(`/traefik`)', service: 'api@internal', middlewares: ['auth', 'under-traefik'], entryPoints: ['web'] },
    },
    middlewares: {
      auth: { basicAuth: { users: [`admin:${hash}`] } },
      strip: { stripPrefix: { prefixes: ['/dashboard'] } },
      'under-traefik': { stripPrefix: { prefixes: ['/traefik'] } },
      https: { redirectScheme: { scheme: 'https', permanent: true } },
    },
    services: {},
  },
  tls: { certificates: [{ certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') }] },
}))

const [web, websecure, traefik] = [await freePort(), await freePort(), await freePort()]
const pier = await startPier([
  `--entrypoints.web.address=127.0.0.1:${web}`, `--entrypoints.websecure.address=127.0.0.1:${websecure}`, '--entrypoints.websecure.http.tls=true',
  `--entrypoints.traefik.address=127.0.0.1:${traefik}`, `--providers.file.filename=${routes}`,
  '--api', '--api.insecure=false', '--ping', '--ping.manualRouting=true', '--metrics.prometheus', '--metrics.prometheus.manualRouting=true', '--workers=1',
])
t.teardown(() => pier.stop())
await waitFor(async () => (await get(web, 'traefik.localhost', '/api/version')).status === 401, 10_000, 'the dashboard router')

function tlsRequest(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: websecure, path, servername: 'traefik.test', headers: { host: 'traefik.test', ...headers }, ca: ca.cert, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode!, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('api@internal behind basicAuth on a plain entrypoint', async (t) => {
  const none = await get(web, 'traefik.localhost', '/api/http/routers')
  t.equal(none.status, 401, 'no credentials: the middleware answers, the API is never asked')
  t.match(none.headers['www-authenticate'], /^Basic realm=/)
  t.equal((await get(web, 'traefik.localhost', '/api/http/routers', { headers: WRONG })).status, 401)
  const ok = await get(web, 'traefik.localhost', '/api/http/routers', { headers: AUTH })
  t.equal(ok.status, 200)
  t.match(ok.headers['content-type'], /^application\/json/)
  const routers = JSON.parse(ok.body) as Array<{ name: string; status: string; service: string; error?: string[] }>
  t.match(routers.find((r) => r.name === 'dashboard@file'), { status: 'enabled', service: 'api@internal' })
  t.match(routers.find((r) => r.name === 'rest@file'), { status: 'disabled', error: [/unknown internal service rest@internal/] })
  const services = JSON.parse((await get(web, 'traefik.localhost', '/api/http/services', { headers: AUTH })).body) as Array<{ name: string; usedBy: string[] }>
  t.same(services.find((s) => s.name === 'api@internal')?.usedBy.sort(), ['dashboard-tls@file', 'dashboard@file', 'prefixed@file'])
  t.equal((await get(web, 'traefik.localhost', '/api/nothing', { headers: AUTH })).status, 404)
  t.equal((await get(web, 'traefik.localhost', '/ping', { headers: AUTH })).status, 404, 'api@internal is not ping')
  t.equal((await get(web, 'other.localhost', '/api/http/routers', { headers: AUTH })).status, 404, 'another Host: no router')
})

t.test('the dashboard through api@internal: / redirects, /dashboard/ is the page', async (t) => {
  const root = await get(web, 'traefik.localhost', '/', { headers: AUTH })
  t.equal(root.status, 302)
  t.equal(root.headers.location, '/dashboard/')
  const page = await get(web, 'traefik.localhost', '/dashboard/', { headers: AUTH })
  t.equal(page.status, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, /<script src="dashboard\.js">/)
  t.equal((await get(web, 'traefik.localhost', '/dashboard/dashboard.js', { headers: AUTH })).status, 200)
  t.equal((await get(web, 'traefik.localhost', '/dashboard/', {})).status, 401, 'the page is behind the same auth')
})

t.test('api@internal under a path: the redirect keeps the prefix stripPrefix took (X-Forwarded-Prefix)', async (t) => {
  const root = await get(web, 'lab.localhost', '/traefik/', { headers: AUTH })
  t.equal(root.status, 302)
  t.equal(root.headers.location, '/traefik/dashboard/')
  t.equal((await get(web, 'lab.localhost', '/traefik/dashboard/', { headers: AUTH })).status, 200)
  t.equal((await get(web, 'lab.localhost', '/traefik/api/version', { headers: AUTH })).status, 200)
  const forged = await get(web, 'traefik.localhost', '/', { headers: { ...AUTH, 'x-forwarded-prefix': '//evil.example' } })
  t.equal(forged.headers.location, '/dashboard/', "a client's own X-Forwarded-Prefix is not believed")
})

t.test('dashboard@internal behind a stripPrefix serves the page at its root', async (t) => {
  const page = await get(web, 'board.localhost', '/dashboard/', { headers: AUTH })
  t.equal(page.status, 200)
  t.match(page.body, /<link rel="stylesheet" href="dashboard\.css">/)
  const css = await get(web, 'board.localhost', '/dashboard/dashboard.css', { headers: AUTH })
  t.equal(css.status, 200)
  t.match(css.headers['content-type'], /^text\/css/)
  t.equal((await get(web, 'board.localhost', '/dashboard/api/overview', { headers: AUTH })).status, 404, 'dashboard@internal has no API')
  t.equal((await get(web, 'board.localhost', '/dashboard/')).status, 401)
})

t.test('ping@internal and prometheus@internal through their routers', async (t) => {
  const ping = await get(web, 'health.localhost', '/anything')
  t.equal(ping.status, 200)
  t.equal(ping.body, 'OK')
  t.equal((await get(web, 'health.localhost', '/ping', { method: 'HEAD' })).status, 200)
  t.equal((await get(web, 'metrics.localhost', '/metrics')).status, 401, 'metrics behind basicAuth')
  let text = ''
  await waitFor(async () => /router="dashboard@file"/.test((text = (await get(web, 'metrics.localhost', '/metrics', { headers: AUTH })).body)), 10_000, 'router series')
  t.match(text, /traefik_router_requests_total\{[^}]*code="401"[^}]*router="dashboard@file"|traefik_router_requests_total\{[^}]*router="dashboard@file"/)
  t.match(text, /service="api@internal"/)
  t.equal((await get(web, 'metrics.localhost', '/other', { headers: AUTH })).status, 404, 'the rule is Path(`/metrics`)')
})

t.test('noop@internal: the redirect middleware answers; alone it is a teapot', async (t) => {
  const r = await get(web, 'redirect.localhost', '/x?y=1')
  t.equal(r.status, 301)
  t.equal(r.headers.location, 'https://redirect.localhost/x?y=1')
  t.equal((await get(web, 'noop.localhost', '/')).status, 418)
  t.equal((await get(web, 'rest.localhost', '/')).status, 404, 'a router to an internal service pier lacks is disabled')
})

t.test('api@internal on a TLS router', async (t) => {
  t.equal((await tlsRequest('/api/overview', {})).status, 401)
  const o = await tlsRequest('/api/overview', AUTH)
  t.equal(o.status, 200)
  t.match(JSON.parse(o.body), { http: { routers: { total: 9 } } })
  t.equal((await get(websecure, 'traefik.test', '/api/overview', { headers: AUTH }).catch((e: Error) => ({ status: e.message }))).status !== 200, true, 'never over plain HTTP there')
})

t.test('api.insecure=false: nothing on the traefik entrypoint, no port of the primary', async (t) => {
  for (const path of ['/api/rawdata', '/dashboard/', '/ping', '/metrics', '/']) {
    t.equal((await get(traefik, 'traefik.localhost', path, { headers: AUTH })).status, 404, `${path} on the traefik entrypoint`)
  }
  t.notMatch(pier.logs(), /API listening/, 'the primary listens on no port')
  t.match(pier.logs(), new RegExp(`pier ready .*traefik=127\\.0\\.0\\.1:${traefik}`), 'traefik is an ordinary entrypoint of the workers')
})

t.test('the dashboard in Chromium through the router, with basic auth credentials', async (t) => {
  const browser = await launchChromium()
  t.teardown(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, httpCredentials: { username: 'admin', password: 's3cret' } })
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(e.message))
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
  // *.localhost resolves to loopback in Chromium: the Host the router wants
  await page.goto(`http://traefik.localhost:${web}/`)
  t.equal(new URL(page.url()).pathname, '/dashboard/', 'redirected to the dashboard')
  await page.locator('[data-router="dashboard@file"]').waitFor({ timeout: 10_000 })
  await waitFor(async () => (await page.locator('#conn').textContent()) === 'live', 10_000, 'the live stream through the router')
  await keepScreenshot(page, 'internal-dashboard')
  t.same(problems, [])
})

t.test('the sockets live in a directory only pier\'s user can open, removed at exit', async (t) => {
  const services = JSON.parse((await get(web, 'traefik.localhost', '/api/http/services', { headers: AUTH })).body) as Array<{ name: string; loadBalancer?: { servers: Array<{ url: string }> } }>
  const raw = JSON.parse((await get(web, 'traefik.localhost', '/api/rawdata', { headers: AUTH })).body) as { services: Record<string, { loadBalancer: { servers: Array<{ url: string }> } }> }
  t.ok(services.some((s) => s.name === 'ping@internal'))
  const url = raw.services['api@internal']!.loadBalancer.servers[0]!.url
  t.match(url, /^unix:\/.*\/api\.sock$/)
  const socketDir = dirname(url.slice('unix:'.length))
  t.equal(statSync(socketDir).mode & 0o777, 0o700)
  t.ok(statSync(url.slice('unix:'.length)).isSocket())
  t.equal(await pier.stop(), 0)
  t.notOk(existsSync(socketDir), 'removed')
})
