// Path, redirect and header middlewares end to end: the built pier with two
// worker threads, the file provider, a real backend on 127.0.0.1 that echoes
// what it received. Checked against Traefik's documented behaviour.
import t from 'tap'
import { mkdtempSync, writeFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { startBackend, get, type Backend } from '../helpers/backends.js'

const dir = mkdtempSync(join(tmpdir(), 'pier-mw-'))
const routesFile = join(dir, 'routes.yml')
let n = 0
function writeRoutes(http: object): void {
  const tmp = join(dir, `.routes-${n++}.tmp`)
  writeFileSync(tmp, JSON.stringify({ http }, null, 2))
  renameSync(tmp, routesFile)
}

let echo: Backend
let dead: number
let pier: PierProcess
let port: number
let api: number

/** What the backend saw of the last request: method, target and headers. */
interface Seen {
  method: string
  url: string
  headers: Record<string, string>
  body: string
}

const router = (name: string, middlewares: string[], extra: object = {}) => ({ rule: `Host(\`${name}.test\`)`, service: 'echo', middlewares, ...extra })

const routes = (backend: Backend) => ({
  routers: {
    strip: router('strip', ['strip']),
    stripre: router('stripre', ['stripre']),
    add: router('add', ['add']),
    chained: router('chained', ['strip-then-add']),
    replace: router('replace', ['replace']),
    replacere: router('replacere', ['replacere']),
    https: router('https', ['to-https']),
    httpsperm: router('httpsperm', ['to-https-perm']),
    regex: router('regex', ['to-www']),
    hdr: router('hdr', ['hdr']),
    secure: router('secure', ['secure']),
    cors: router('cors', ['cors']),
    wrapped: router('wrapped', ['tag', 'to-https']),
    missing: router('missing', ['nope']),
    looped: router('looped', ['loop-a']),
    plain: { rule: 'Host(`plain.test`)', service: 'echo' },
    failover: { rule: 'Host(`failover.test`)', service: 'half-dead', middlewares: ['strip', 'tag'] },
  },
  services: {
    echo: { loadBalancer: { servers: [{ url: backend.url }] } },
    'half-dead': { loadBalancer: { servers: [{ url: `http://127.0.0.1:${dead}` }, { url: backend.url }] } },
  },
  middlewares: {
    strip: { stripPrefix: { prefixes: ['/api', '/v1/'] } },
    stripre: { stripPrefixRegex: { regex: ['/users/[0-9]+'] } },
    add: { addPrefix: { prefix: '/base' } },
    'strip-then-add': { chain: { middlewares: ['strip', 'add'] } },
    replace: { replacePath: { path: '/fixed' } },
    replacere: { replacePathRegex: { regex: '^/old/(.*)', replacement: '/new/${1}x/$1x' } },
    'to-https': { redirectScheme: { scheme: 'https' } },
    'to-https-perm': { redirectScheme: { scheme: 'https', port: '8443', permanent: true } },
    'to-www': { redirectRegex: { regex: '^http://regex\\.test/(.*)', replacement: 'http://www.regex.test/${1}' } },
    hdr: { headers: { customRequestHeaders: { 'X-Script-Name': 'test', 'X-Drop': '', 'X-Forwarded-Proto': 'https', 'X-Real-Ip': '' }, customResponseHeaders: { 'X-Custom-Response': 'yes', 'X-Backend': '' } } },
    secure: { headers: { frameDeny: true, contentTypeNosniff: true, browserXssFilter: true, referrerPolicy: 'no-referrer', stsSeconds: 315360000, forceSTSHeader: true, stsIncludeSubdomains: true } },
    cors: { headers: { accessControlAllowMethods: ['GET', 'OPTIONS', 'PUT'], accessControlAllowOriginList: ['https://a.test'], accessControlAllowHeaders: ['X-Token'], accessControlMaxAge: 100, addVaryHeader: true } },
    tag: { headers: { customResponseHeaders: { 'X-Tag': 'outer' } } },
    'loop-a': { chain: { middlewares: ['loop-b'] } },
    'loop-b': { chain: { middlewares: ['loop-a'] } },
  },
})

t.before(async () => {
  echo = await startBackend('echo', (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      res.setHeader('x-backend', 'echo')
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }))
    })
  })
  port = await freePort()
  api = await freePort()
  dead = await freePort()
  writeRoutes(routes(echo))
  pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${port}`,
    `--entrypoints.traefik.address=127.0.0.1:${api}`,
    '--api.insecure=true',
    `--providers.file.filename=${routesFile}`,
    '--workers=2',
  ])
})

t.teardown(async () => {
  await pier?.stop()
  await echo?.close()
})

async function seen(host: string, path: string, opts: Parameters<typeof get>[3] = {}): Promise<Seen> {
  const r = await get(port, host, path, opts)
  t.equal(r.status, 200, `${host}${path} is proxied`)
  return JSON.parse(r.body) as Seen
}

t.test('stripPrefix: the first matching prefix goes, X-Forwarded-Prefix tells it', async (t) => {
  let s = await seen('strip.test', '/api/users?x=1')
  t.equal(s.url, '/users?x=1')
  t.equal(s.headers['x-forwarded-prefix'], '/api')
  t.equal((await seen('strip.test', '/api')).url, '/', 'an emptied path goes out as /')
  t.equal((await seen('strip.test', '/api/')).url, '/')
  t.equal((await seen('strip.test', '/apix')).url, '/x', 'the prefix is text, not a path segment (as in Traefik)')
  s = await seen('strip.test', '/v1/items')
  t.equal(s.url, '/items', 'a prefix with a trailing slash leaves the leading slash')
  t.equal(s.headers['x-forwarded-prefix'], '/v1/')
  t.equal((await seen('strip.test', '/api%2Fx')).url, '/%2Fx', 'matched on the decoded path, cut in the raw one')
  s = await seen('strip.test', '/other')
  t.equal(s.url, '/other', 'no prefix, no change')
  t.notOk('x-forwarded-prefix' in s.headers)
  const bad = await get(port, 'strip.test', '/api//etc')
  t.equal(bad.status, 400, 'a result that path cleaning would change is refused')
})

t.test('stripPrefixRegex strips what the regex matches at the start', async (t) => {
  const s = await seen('stripre.test', '/users/42/profile')
  t.equal(s.url, '/profile')
  t.equal(s.headers['x-forwarded-prefix'], '/users/42')
  t.equal((await seen('stripre.test', '/x/users/42/profile')).url, '/x/users/42/profile', 'a match that is not a prefix strips nothing')
})

t.test('addPrefix, chains, replacePath, replacePathRegex', async (t) => {
  t.equal((await seen('add.test', '/x?y=1')).url, '/base/x?y=1')
  t.equal((await seen('chained.test', '/api/x')).url, '/base/x', 'chain: strip then add')
  let s = await seen('replace.test', '/anything?q=1')
  t.equal(s.url, '/fixed?q=1')
  t.equal(s.headers['x-replaced-path'], '/anything')
  s = await seen('replacere.test', '/old/abc')
  t.equal(s.url, '/new/abcx/', '${1}x is group 1 then x; $1x (no braces) is the absent group "1x", as in Go')
  t.equal(s.headers['x-replaced-path'], '/old/abc')
  t.equal((await seen('replacere.test', '/keep')).url, '/keep')
})

t.test('redirectScheme and redirectRegex', async (t) => {
  let r = await get(port, 'https.test', '/a?b=1')
  t.equal(r.status, 302)
  t.equal(r.headers.location, 'https://https.test/a?b=1')
  t.equal(r.body, 'Found')
  r = await get(port, 'https.test:80', '/a', { method: 'POST', body: 'x' })
  t.equal(r.status, 307, 'not GET: 307')
  t.equal(r.headers.location, 'https://https.test/a', 'the default port of the old scheme is dropped')
  r = await get(port, 'httpsperm.test:8080', '/p')
  t.equal(r.status, 301)
  t.equal(r.headers.location, 'https://httpsperm.test:8443/p')
  r = await get(port, 'httpsperm.test', '/p', { method: 'PUT' })
  t.equal(r.status, 308, 'permanent, not GET: 308')
  r = await get(port, 'regex.test', '/some/path?x=1')
  t.equal(r.status, 302)
  t.equal(r.headers.location, 'http://www.regex.test/some/path?x=1')
})

t.test('headers: custom request and response headers, an empty value removes', async (t) => {
  const r = await get(port, 'hdr.test', '/', { headers: { 'X-Drop': 'gone', 'X-Script-Name': 'client' } })
  const s = JSON.parse(r.body) as Seen
  t.equal(s.headers['x-script-name'], 'test', 'set, replacing the client value')
  t.notOk('x-drop' in s.headers, 'removed')
  t.equal(s.headers['x-forwarded-proto'], 'https', "a header pier sets itself takes the middleware's value")
  t.notOk('x-real-ip' in s.headers, 'or goes when it sets an empty one')
  t.equal(s.headers['x-forwarded-host'], 'hdr.test', 'the others stay as pier sets them')
  t.equal(r.headers['x-custom-response'], 'yes')
  t.notOk('x-backend' in r.headers, 'the backend header is removed')
})

t.test('headers: the security set', async (t) => {
  const r = await get(port, 'secure.test', '/')
  t.equal(r.headers['x-frame-options'], 'DENY')
  t.equal(r.headers['x-content-type-options'], 'nosniff')
  t.equal(r.headers['x-xss-protection'], '1; mode=block')
  t.equal(r.headers['referrer-policy'], 'no-referrer')
  t.equal(r.headers['strict-transport-security'], 'max-age=315360000; includeSubDomains', 'forceSTSHeader: on plain HTTP too')
})

t.test('headers: CORS preflight answered by pier, CORS headers on responses', async (t) => {
  const before = echo.seen.length
  const pre = await get(port, 'cors.test', '/r', { method: 'OPTIONS', headers: { Origin: 'https://a.test', 'Access-Control-Request-Method': 'PUT' } })
  t.equal(pre.status, 200)
  t.equal(pre.headers['content-length'], '0')
  t.equal(pre.headers['access-control-allow-origin'], 'https://a.test')
  t.equal(pre.headers['access-control-allow-methods'], 'GET,OPTIONS,PUT')
  t.equal(pre.headers['access-control-allow-headers'], 'X-Token')
  t.equal(pre.headers['access-control-max-age'], '100')
  t.equal(echo.seen.length, before, 'the backend never saw the preflight')
  const plainOptions = await get(port, 'cors.test', '/r', { method: 'OPTIONS' })
  t.equal(plainOptions.status, 200)
  t.equal(echo.seen.length, before + 1, 'an OPTIONS request without Origin is forwarded')
  const r = await get(port, 'cors.test', '/r', { headers: { Origin: 'https://a.test' } })
  t.equal(r.headers['access-control-allow-origin'], 'https://a.test')
  t.equal(r.headers.vary, 'Origin')
  const other = await get(port, 'cors.test', '/r', { headers: { Origin: 'https://evil.test' } })
  t.notOk('access-control-allow-origin' in other.headers, 'an origin not on the list gets none')
})

t.test('an answer from a middleware passes the filters of those before it', async (t) => {
  const r = await get(port, 'wrapped.test', '/')
  t.equal(r.status, 302)
  t.equal(r.headers['x-tag'], 'outer')
})

t.test('a request body goes through a chain', async (t) => {
  const body = 'x'.repeat(200_000)
  const s = await seen('strip.test', '/api/upload', { method: 'POST', body })
  t.equal(s.url, '/upload')
  t.equal(s.body.length, body.length)
})

t.test('failover works under a chain: a dead server is skipped, the middlewares apply once', async (t) => {
  for (let i = 0; i < 6; i++) {
    const r = await get(port, 'failover.test', '/api/x', { method: i % 2 ? 'POST' : 'GET', body: i % 2 ? 'payload' : undefined })
    t.equal(r.status, 200, `request ${i} reached the live server`)
    const s = JSON.parse(r.body) as Seen
    t.equal(s.url, '/x')
    t.equal(s.headers['x-forwarded-prefix'], '/api', 'one X-Forwarded-Prefix: the retry did not run the chain again')
    if (i % 2) t.equal(s.body, 'payload', 'the body went to the second server')
    t.equal(r.headers['x-tag'], 'outer')
  }
})

t.test('a missing middleware or a chain loop disables the router, named in the API', async (t) => {
  t.equal((await get(port, 'missing.test', '/')).status, 404)
  t.equal((await get(port, 'looped.test', '/')).status, 404)
  t.equal((await get(port, 'plain.test', '/')).status, 200)
  const routerOf = async (name: string): Promise<any> => (await fetch(`http://127.0.0.1:${api}/api/http/routers/${name}@file`)).json()
  t.match(await routerOf('missing'), { status: 'disabled', error: ['middleware "nope@file" does not exist'] })
  t.match(await routerOf('looped'), { status: 'disabled', error: [/chain loop loop-a@file -> loop-b@file -> loop-a@file/] })
  const mw = (await (await fetch(`http://127.0.0.1:${api}/api/http/middlewares/strip@file`)).json()) as any
  t.match(mw, { stripPrefix: { prefixes: ['/api', '/v1/'] }, status: 'enabled', usedBy: ['chained@file', 'failover@file', 'strip@file'], name: 'strip@file', provider: 'file', type: 'stripprefix' })
  const list = (await (await fetch(`http://127.0.0.1:${api}/api/http/middlewares?search=loop`)).json()) as any[]
  t.same(list.map((m) => [m.name, m.status]), [['loop-a@file', 'disabled'], ['loop-b@file', 'disabled']])
  const overview = (await (await fetch(`http://127.0.0.1:${api}/api/overview`)).json()) as any
  t.match(overview.http.middlewares, { total: 15, errors: 2 })
  t.equal((await fetch(`http://127.0.0.1:${api}/api/http/middlewares/nope@file`)).status, 404)
})

t.test('a changed definition applies on the next table; a router keeps its chain', async (t) => {
  const next = routes(echo)
  next.middlewares.add = { addPrefix: { prefix: '/v2' } }
  writeRoutes(next)
  await waitFor(async () => JSON.parse((await get(port, 'add.test', '/x')).body).url === '/v2/x', 5000, 'the new prefix')
  t.equal((await seen('strip.test', '/api/a')).url, '/a')
})
