// Sticky sessions on the built pier, 2 workers, 3 real backends on
// loopback: the first response sets the cookie (after the backend's own
// Set-Cookie, with every attribute asked for); requests carrying it, each
// on a new connection (so on either worker), all reach the same backend;
// requests without it go round robin. When its server fails its health
// check, or leaves the file, the cookie's requests go elsewhere and get a
// new cookie. A router with middlewares and a WebSocket upgrade stick too.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'
import { get, startBackend, type Backend } from '../helpers/backends.js'
import { startWsBackend } from '../helpers/ws.js'
import { cookieValue } from '../../src/balancer/sticky-cookie.js'

const sick = new Set<string>()
const backend = (name: string): Promise<Backend> =>
  startBackend(name, (req, res) => {
    req.resume()
    if (req.url === '/health') {
      res.statusCode = sick.has(name) ? 503 : 200
      return res.end()
    }
    res.setHeader('set-cookie', [`app_${name}=1; Path=/`])
    res.end(name)
  })

const ATTRS = '; Path=/; Max-Age=300; HttpOnly; Secure; SameSite=Lax'

t.test('sticky sessions end to end', async (t) => {
  const bs = await Promise.all(['a', 'b', 'c'].map(backend))
  const ws = await Promise.all(['x', 'y'].map((n) => startWsBackend((sock) => sock.send(n))))
  t.teardown(() => Promise.all([...bs, ...ws].map((b) => b.close())))
  const dead = `http://127.0.0.1:${await freePort()}` // nothing listens: connections are refused
  const dir = t.testdir({})
  const routes = join(dir, 'routes.yml')
  const write = (servers: Backend[]): void =>
    writeFileSync(routes, `
http:
  middlewares:
    tag: { headers: { customResponseHeaders: { X-Chain: yes } } }
  routers:
    app: { rule: "Host(\`app.test\`)", service: app }
    chained: { rule: "Host(\`chain.test\`)", service: app, middlewares: [tag] }
    plain: { rule: "Host(\`plain.test\`)", service: plain }
    ws: { rule: "Host(\`ws.test\`)", service: ws }
    flaky: { rule: "Host(\`flaky.test\`)", service: flaky }
  services:
    flaky:
      loadBalancer:
        sticky: { cookie: { name: flaky_sticky } }
        servers: [{ url: "${dead}" }, { url: "${bs[1]!.url}" }]
    app:
      loadBalancer:
        sticky:
          cookie: { name: pier_sticky, secure: true, httpOnly: true, sameSite: lax, maxAge: 300 }
        healthCheck: { path: /health, interval: 200ms, timeout: 500ms }
        servers:
${servers.map((b) => `          - url: "${b.url}"`).join('\n')}
    plain:
      loadBalancer:
        servers:
${bs.map((b) => `          - url: "${b.url}"`).join('\n')}
    ws:
      loadBalancer:
        sticky: { cookie: {} }
        servers:
${ws.map((b) => `          - url: "${b.url}"`).join('\n')}
`)
  write(bs)
  const [web, api] = [await freePort(), await freePort()]
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${web}`, `--entrypoints.traefik.address=127.0.0.1:${api}`, '--api.insecure', `--providers.file.filename=${routes}`, '--workers=2'])
  t.teardown(() => pier.stop())

  /** The sticky Set-Cookie of a reply, if any. */
  const stickyOf = (h: Record<string, string | string[] | undefined>): string | undefined => ([h['set-cookie'] ?? []].flat() as string[]).find((c) => c.startsWith('pier_sticky='))
  const status = async (): Promise<Record<string, string>> => (await (await fetch(`http://127.0.0.1:${api}/api/http/services/app@file`)).json()).serverStatus

  await waitFor(async () => (await get(web, 'app.test')).status === 200, 5000, 'app served')

  t.test('the API shows the sticky settings, with the cookie name in use', async (t) => {
    const app = await (await fetch(`http://127.0.0.1:${api}/api/http/services/app@file`)).json()
    t.same(app.loadBalancer.sticky, { cookie: { name: 'pier_sticky', secure: true, httpOnly: true, sameSite: 'lax', maxAge: 300 } })
    const wsSvc = await (await fetch(`http://127.0.0.1:${api}/api/http/services/ws@file`)).json()
    t.match(wsSvc.loadBalancer.sticky.cookie.name, /^_[0-9a-f]{5}$/)
  })

  t.test('the first response sets the cookie after the backend’s own', async (t) => {
    const r = await get(web, 'app.test')
    const cookies = r.headers['set-cookie']!
    t.equal(cookies.length, 2)
    t.equal(cookies[0], `app_${r.body}=1; Path=/`, 'the backend’s Set-Cookie is kept, first')
    t.match(cookies[1], new RegExp(`^pier_sticky=[0-9a-f]{16}${ATTRS.replace(/[.;]/g, (c) => `\\${c}`)}$`), 'Secure, HttpOnly, SameSite, Max-Age, Path')
  })

  let cookie = ''
  let home = ''
  t.test('100 requests with the cookie, each on a new connection, reach one backend', async (t) => {
    const first = await get(web, 'app.test')
    cookie = stickyOf(first.headers)!.split(';')[0]!
    home = first.body
    const seen = new Set<string>()
    let reset = 0
    for (let i = 0; i < 100; i++) {
      const r = await get(web, 'app.test', '/', { headers: { cookie: `other=1; ${cookie}` } })
      seen.add(r.body)
      if (stickyOf(r.headers)) reset++
    }
    t.same([...seen], [home])
    t.equal(reset, 0, 'a valid cookie is not set again')
  })

  t.test('without the cookie: round robin, a cookie each time', async (t) => {
    const seen = new Set<string>()
    for (let i = 0; i < 30; i++) {
      const r = await get(web, 'app.test')
      t.ok(stickyOf(r.headers), 'cookie set')
      seen.add(r.body)
    }
    t.same([...seen].sort(), ['a', 'b', 'c'])
    const plain = await get(web, 'plain.test', '/', { headers: { cookie } })
    t.notOk(stickyOf(plain.headers), 'a service that is not sticky sets no cookie')
  })

  t.test('through a middleware chain too', async (t) => {
    const seen = new Set<string>()
    for (let i = 0; i < 20; i++) {
      const r = await get(web, 'chain.test', '/', { headers: { cookie } })
      t.equal(r.headers['x-chain'], 'yes')
      seen.add(r.body)
    }
    t.same([...seen], [home])
    const fresh = await get(web, 'chain.test')
    t.ok(stickyOf(fresh.headers)?.endsWith(ATTRS), 'a request without it gets one')
  })

  t.test('its server fails its health check: another one, and a new cookie', async (t) => {
    const url = bs[['a', 'b', 'c'].indexOf(home)]!.url
    sick.add(home)
    await waitFor(async () => (await status())[url] === 'DOWN', 5000, `${home} down`)
    const r = await get(web, 'app.test', '/', { headers: { cookie } })
    t.not(r.body, home)
    const next = stickyOf(r.headers)
    t.ok(next, 'a new cookie')
    t.not(next!.split(';')[0], cookie)
    const moved = next!.split(';')[0]!
    const seen = new Set<string>()
    for (let i = 0; i < 20; i++) seen.add((await get(web, 'app.test', '/', { headers: { cookie: moved } })).body)
    t.same([...seen], [r.body], 'the new cookie sticks')
    sick.delete(home)
    await waitFor(async () => (await status())[url] === 'UP', 5000, `${home} up`)
    const back = await get(web, 'app.test', '/', { headers: { cookie } })
    t.equal(back.body, home, 'back up: the old cookie names it again')
    t.notOk(stickyOf(back.headers))
  })

  t.test('its server leaves the configuration: another one, and a new cookie', async (t) => {
    const gone = bs[['a', 'b', 'c'].indexOf(home)]!
    // A cookie for a server that stays.
    const other = await waitFor(async () => {
      const r = await get(web, 'app.test')
      return r.body !== home ? { body: r.body, cookie: stickyOf(r.headers)!.split(';')[0]! } : undefined
    }, 5000, 'a reply from another server')
    write(bs.filter((b) => b !== gone))
    await waitFor(async () => (await get(web, 'app.test', '/', { headers: { cookie } })).body !== home, 5000, 'the file change taken')
    for (let i = 0; i < 10; i++) {
      const r = await get(web, 'app.test', '/', { headers: { cookie: other.cookie } })
      t.equal(r.body, other.body, 'a server that stays keeps its cookie across the table swap')
      t.notOk(stickyOf(r.headers))
    }
    const seen = new Set<string>()
    for (let i = 0; i < 10; i++) {
      const r = await get(web, 'app.test', '/', { headers: { cookie } })
      t.ok(stickyOf(r.headers), 'a new cookie each time the old one names nothing')
      seen.add(r.body)
    }
    t.notOk(seen.has(home))
    const r = await get(web, 'app.test', '/', { headers: { cookie } })
    const moved = stickyOf(r.headers)!.split(';')[0]!
    const stuck = new Set<string>()
    for (let i = 0; i < 20; i++) stuck.add((await get(web, 'app.test', '/', { headers: { cookie: moved } })).body)
    t.same([...stuck], [r.body])
    write(bs)
  })

  t.test('failover from the cookie’s server: the cookie then names the server that answered', async (t) => {
    const r = await get(web, 'flaky.test', '/', { headers: { cookie: `flaky_sticky=${cookieValue(dead)}` } })
    t.equal(r.status, 200)
    t.equal(r.body, 'b')
    t.equal(([r.headers['set-cookie'] ?? []].flat() as string[]).find((c) => c.startsWith('flaky_sticky=')), `flaky_sticky=${cookieValue(bs[1]!.url)}; Path=/`)
  })

  t.test('a WebSocket upgrade honours the cookie, and its 101 sets it', async (t) => {
    const open = (headers: Record<string, string>): Promise<{ headers: Record<string, string | string[] | undefined>; first: string }> =>
      new Promise((resolve, reject) => {
        const sock = new WebSocket(`ws://127.0.0.1:${web}/`, { headers: { host: 'ws.test', ...headers } })
        let h: Record<string, string | string[] | undefined> = {}
        sock.once('upgrade', (res) => (h = res.headers))
        sock.once('message', (d) => {
          resolve({ headers: h, first: d.toString() })
          sock.close()
        })
        sock.once('error', reject)
      })
    const first = await open({})
    const set = ([first.headers['set-cookie'] ?? []].flat() as string[])
    t.equal(set[0], 'sid=42; Path=/', 'the backend’s Set-Cookie kept')
    const sticky = set.find((c) => /^_[0-9a-f]{5}=/.test(c))
    t.match(sticky, /^_[0-9a-f]{5}=[0-9a-f]{16}; Path=\/$/, 'Traefik’s default name and Path=/')
    const seen = new Set<string>()
    for (let i = 0; i < 10; i++) {
      const r = await open({ cookie: sticky!.split(';')[0]! })
      seen.add(r.first)
      t.notOk(([r.headers['set-cookie'] ?? []].flat() as string[]).some((c) => c === sticky), 'not set again')
    }
    t.same([...seen], [first.first])
  })
})
