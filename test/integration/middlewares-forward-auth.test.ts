// forwardAuth end to end, against a small real auth server in this test
// that answers the way Authelia and Authentik do: a session cookie lets the
// request in with the user in response headers, otherwise a redirect to the
// login portal (Authelia) or a 401 (Authentik). Also over TLS.
import t from 'tap'
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer as createHttpsServer } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { freePort } from '../helpers/net.js'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { startBackend, get, type Backend } from '../helpers/backends.js'

const dir = mkdtempSync(join(tmpdir(), 'pier-fa-'))
const FIXTURES = fileURLToPath(new URL('../fixtures/middlewares/', import.meta.url))
let echo: Backend
let auth: Backend
let pier: PierProcess
let port: number
let tlsPort: number
const tlsServer = { close: () => {} }

/** What the auth server saw of the last call. */
let lastAuth: { method: string; url: string; headers: IncomingMessage['headers']; body: string } | null = null

function authHandler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    lastAuth = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() }
    const h = req.headers
    const original = `${h['x-forwarded-proto']}://${h['x-forwarded-host']}${h['x-forwarded-uri']}`
    const session = /(?:^|; )session=good(?:;|$)/.test(String(h.cookie ?? ''))
    if (req.url!.startsWith('/api/authz/forward-auth')) {
      // Authelia
      if (String(h['x-forwarded-uri']).startsWith('/public')) return void res.end()
      if (!session) {
        res.writeHead(302, { Location: `https://auth.example.test/?rd=${encodeURIComponent(original)}`, 'Content-Type': 'text/html' })
        return void res.end('<a href="...">Found</a>')
      }
      res.writeHead(200, { 'Remote-User': 'john', 'Remote-Groups': 'admins,dev', 'Remote-Email': 'john@example.test', 'Remote-Name': 'John', 'Set-Cookie': ['authelia_session=refreshed; Path=/', 'other=ignored'] })
      return void res.end()
    }
    if (req.url!.startsWith('/outpost.goauthentik.io/auth/traefik')) {
      // Authentik
      if (!session) {
        res.writeHead(401, { 'Content-Type': 'text/plain' })
        return void res.end('login at /outpost.goauthentik.io/start')
      }
      res.writeHead(200, { 'X-authentik-username': 'akadmin', 'X-authentik-groups': 'authentik Admins', 'X-authentik-uid': 'abc123' })
      return void res.end()
    }
    if (req.url!.startsWith('/relative')) {
      res.writeHead(302, { Location: '/login?x=1' })
      return void res.end()
    }
    if (req.url!.startsWith('/body')) return void res.writeHead(Buffer.concat(chunks).toString() === 'let me in' ? 200 : 403).end()
    res.writeHead(404).end()
  })
}

t.before(async () => {
  echo = await startBackend('echo', (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      res.setHeader('Set-Cookie', ['authelia_session=stale-from-backend', 'app=1'])
      res.end(JSON.stringify({ url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }))
    })
  })
  auth = await startBackend('auth', authHandler)
  // An https auth server with a self-signed certificate for 127.0.0.1 (made with openssl req -x509, valid 100 years).
  const https = createHttpsServer({ key: readFileSync(join(FIXTURES, 'auth-key.pem')), cert: readFileSync(join(FIXTURES, 'auth-cert.pem')) }, authHandler)
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r))
  tlsPort = (https.address() as { port: number }).port
  tlsServer.close = () => {
    https.closeAllConnections()
    https.close()
  }
  const dead = await freePort()
  const routes = join(dir, 'routes.yml')
  const router = (name: string, mw: string) => ({ rule: `Host(\`${name}.test\`)`, service: 'echo', middlewares: [mw] })
  const fa = (path: string, extra: object = {}) => ({ forwardAuth: { address: `${auth.url}${path}`, ...extra } })
  writeFileSync(
    routes,
    JSON.stringify({
      http: {
        routers: {
          authelia: router('authelia', 'authelia'),
          authentik: router('authentik', 'authentik'),
          cookies: router('cookies', 'cookies'),
          only: router('only', 'only-some-headers'),
          down: router('down', 'down'),
          relative: router('relative', 'relative'),
          body: router('body', 'body'),
          tls: router('tls', 'tls'),
          untrusted: router('untrusted', 'tls-untrusted'),
          insecure: router('insecure', 'tls-insecure'),
        },
        services: { echo: { loadBalancer: { servers: [{ url: echo.url }] } } },
        middlewares: {
          // As Authelia's documentation writes it (forwardAuth.address, trustForwardHeader, authResponseHeaders).
          authelia: fa('/api/authz/forward-auth', { trustForwardHeader: true, authResponseHeaders: ['Remote-User', 'Remote-Groups', 'Remote-Email', 'Remote-Name'] }),
          authentik: fa('/outpost.goauthentik.io/auth/traefik', { trustForwardHeader: true, authResponseHeadersRegex: '^X-Authentik-' }),
          cookies: fa('/api/authz/forward-auth', { authResponseHeaders: ['Remote-User'], addAuthCookiesToResponse: ['authelia_session'] }),
          'only-some-headers': fa('/api/authz/forward-auth', { authRequestHeaders: ['Cookie'] }),
          down: { forwardAuth: { address: `http://127.0.0.1:${dead}/` } },
          relative: fa('/relative'),
          body: fa('/body', { forwardBody: true, maxBodySize: 20 }),
          tls: { forwardAuth: { address: `https://127.0.0.1:${tlsPort}/api/authz/forward-auth`, authResponseHeaders: ['Remote-User'], tls: { ca: join(FIXTURES, 'auth-cert.pem') } } },
          'tls-untrusted': { forwardAuth: { address: `https://127.0.0.1:${tlsPort}/api/authz/forward-auth` } },
          'tls-insecure': { forwardAuth: { address: `https://127.0.0.1:${tlsPort}/api/authz/forward-auth`, authResponseHeaders: ['Remote-User'], tls: { insecureSkipVerify: true } } },
        },
      },
    }),
  )
  port = await freePort()
  pier = await startPier([`--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, '--workers=2'])
})

t.teardown(async () => {
  await pier?.stop()
  await echo?.close()
  await auth?.close()
  tlsServer.close()
})

const good = { Cookie: 'session=good' }

t.test('Authelia: no session, the portal; a session, the user to the backend', async (t) => {
  const r = await get(port, 'authelia.test', '/secret?a=1')
  t.equal(r.status, 302)
  t.equal(r.headers.location, `https://auth.example.test/?rd=${encodeURIComponent('http://authelia.test/secret?a=1')}`)
  t.equal(r.body, '<a href="...">Found</a>', "the auth server's body")
  t.equal(lastAuth!.method, 'GET')
  t.equal(lastAuth!.url, '/api/authz/forward-auth')
  t.match(lastAuth!.headers, { 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'authelia.test', 'x-forwarded-uri': '/secret?a=1', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-port': '80', host: `127.0.0.1:${auth.port}` })
  const ok = await get(port, 'authelia.test', '/secret', { headers: { ...good, 'Remote-User': 'admin', 'Remote-Email': 'spoof' } })
  t.equal(ok.status, 200)
  const seen = JSON.parse(ok.body)
  t.match(seen.headers, { 'remote-user': 'john', 'remote-groups': 'admins,dev', 'remote-email': 'john@example.test', 'remote-name': 'John' })
  t.equal((await get(port, 'authelia.test', '/public/x')).status, 200, 'what the auth server allows without a session')
  const noUser = JSON.parse((await get(port, 'authelia.test', '/public/x', { headers: { 'Remote-User': 'admin' } })).body)
  t.notOk('remote-user' in noUser.headers, 'a client-sent user header is removed when the auth server sends none')
})

t.test("X-Forwarded-* a client sends never reach the auth server, even with trustForwardHeader", async (t) => {
  const r = await get(port, 'authelia.test', '/secret', { headers: { 'X-Forwarded-Uri': '/public/x', 'X-Forwarded-Host': 'other.test', 'X-Forwarded-For': '10.0.0.1', 'X-Forwarded-Proto': 'https' } })
  t.equal(r.status, 302, 'the spoofed /public path did not let the request in')
  t.match(lastAuth!.headers, { 'x-forwarded-uri': '/secret', 'x-forwarded-host': 'authelia.test', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http' })
})

t.test('Authentik: 401 with its body; authResponseHeadersRegex copies its headers', async (t) => {
  const denied = await get(port, 'authentik.test', '/')
  t.equal(denied.status, 401)
  t.equal(denied.body, 'login at /outpost.goauthentik.io/start')
  const ok = await get(port, 'authentik.test', '/', { headers: { ...good, 'X-Authentik-Uid': 'spoof' } })
  t.match(JSON.parse(ok.body).headers, { 'x-authentik-username': 'akadmin', 'x-authentik-groups': 'authentik Admins', 'x-authentik-uid': 'abc123' })
})

t.test('addAuthCookiesToResponse: the named auth cookies replace the backend ones', async (t) => {
  const r = await get(port, 'cookies.test', '/', { headers: good })
  t.same(r.headers['set-cookie'], ['app=1', 'authelia_session=refreshed; Path=/'])
})

t.test('authRequestHeaders: only those go, with the X-Forwarded ones', async (t) => {
  await get(port, 'only.test', '/', { headers: { ...good, 'X-Other': 'x' } })
  t.equal(lastAuth!.headers.cookie, 'session=good')
  t.notOk('x-other' in lastAuth!.headers)
  t.equal(lastAuth!.headers['x-forwarded-uri'], '/')
})

t.test('a relative Location is resolved against the auth address; an unreachable server is 500', async (t) => {
  const r = await get(port, 'relative.test', '/')
  t.equal(r.status, 302)
  t.equal(r.headers.location, `${auth.url}/login?x=1`)
  t.equal((await get(port, 'down.test', '/')).status, 500)
})

t.test('forwardBody: the auth server reads the body, the backend gets it too; a larger one is 401', async (t) => {
  const r = await get(port, 'body.test', '/up', { method: 'POST', body: 'let me in' })
  t.equal(r.status, 200)
  t.equal(JSON.parse(r.body).body, 'let me in')
  t.equal(lastAuth!.body, 'let me in')
  t.equal((await get(port, 'body.test', '/up', { method: 'POST', body: 'no' })).status, 403)
  t.equal((await get(port, 'body.test', '/up', { method: 'POST', body: 'x'.repeat(21) })).status, 401)
})

t.test('a request body waits while the auth server is asked', async (t) => {
  const r = await get(port, 'authelia.test', '/upload', { method: 'POST', headers: good, body: 'y'.repeat(300_000) })
  t.equal(r.status, 200)
  t.equal(JSON.parse(r.body).body.length, 300_000)
})

t.test('TLS to the auth server: its CA trusted, or insecureSkipVerify; not trusted is 500', async (t) => {
  const r = await get(port, 'tls.test', '/', { headers: good })
  t.equal(r.status, 200)
  t.equal(JSON.parse(r.body).headers['remote-user'], 'john')
  t.equal((await get(port, 'untrusted.test', '/', { headers: good })).status, 500, 'a certificate no CA vouches for')
  t.equal((await get(port, 'insecure.test', '/', { headers: good })).status, 200)
})
