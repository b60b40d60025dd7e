// Traefik 1.x dialect: the v1 file format ([frontends], [backends]) as
// Traefik 1.7 read it, [file] inline in traefik.toml, v1 entrypoint words,
// segment labels and tag constraints. Shapes from real 1.7 files.
import t from 'tap'
import { buildFileConfig, type Built } from '../../src/providers/file/build.js'
import { formatProblem } from '../../src/providers/file/problems.js'
import { parseStaticConfig } from '../../src/config/parse.js'
import { buildConfig } from '../../src/providers/docker/builder.js'
import { compileV1Constraints } from '../../src/providers/docker/v1-constraints.js'
import { engineBuildOptions } from '../../src/providers/docker/settings.js'
import { buildOptions, ctr } from '../helpers/containers.js'
import { mkdtempSync, writeFileSync } from 'node:fs'
import type { DynamicConfig } from '../../src/config/dynamic.js'
import { EntryPointMiddlewares } from '../../src/providers/entrypoint-middlewares.js'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const one = (text: string, isStatic = false): Built => buildFileConfig([{ file: 'rules.toml', text, ...(isStatic ? { static: true } : {}) }])
const problems = (b: Built): string[] => [...b.errors, ...b.warnings].map(formatProblem)

// The reference file of Traefik 1.7's docs, trimmed to what pier serves.
const rules = `
[backends]
  [backends.backend1]
    [backends.backend1.servers]
      [backends.backend1.servers.server0]
        url = "http://10.10.10.1:80"
        weight = 1
      [backends.backend1.servers.server1]
        url = "http://10.10.10.2:80"
        weight = 2
    [backends.backend1.circuitBreaker]
      expression = "NetworkErrorRatio() > 0.5"
    [backends.backend1.loadBalancer]
      method = "wrr"
    [backends.backend1.maxConn]
      amount = 10
      extractorfunc = "request.host"
    [backends.backend1.healthCheck]
      path = "/health"
      port = 88
      interval = "10s"
      hostname = "myhost.com"
      [backends.backend1.healthcheck.headers]
        My-Custom-Header = "foo"
  [backends.backend2]
    [backends.backend2.servers.server0]
      url = "http://10.10.10.3:80"

[frontends]
  [frontends.frontend1]
    entryPoints = ["http", "https"]
    backend = "backend1"
    passHostHeader = true
    priority = 42
    [frontends.frontend1.auth.basic]
      users = ["test:$2y$05$6nPAfm8D0DnU5GdUrEr8YudaZZkqTX2IpNvb9Pf/dN.tEWtJnOlBW"]
    [frontends.frontend1.whiteList]
      sourceRange = ["10.42.0.0/16", "152.89.1.33/32"]
    [frontends.frontend1.routes]
      [frontends.frontend1.routes.route0]
        rule = "Host:test.localhost"
      [frontends.frontend1.routes.Route1]
        rule = "Method:GET"
    [frontends.frontend1.headers]
      SSLRedirect = true
      [frontends.frontend1.headers.customRequestHeaders]
        X-Foo-Bar-01 = "foobar"
  [frontends.frontend2]
    backend = "backend2"
    [frontends.frontend2.routes.test_1]
      rule = "Host:b.localhost,c.localhost;PathPrefixStrip:/api"
`

t.test('the Traefik 1.7 reference file', async (t) => {
  const b = one(rules)
  t.same(problems(b), [])
  const http = b.config!.http
  t.same(http.routers.frontend1, {
    rule: '(Host(`test.localhost`)) && (Method(`GET`))',
    service: 'backend1',
    entryPoints: ['http', 'https'],
    priority: 42,
    middlewares: ['frontend1-allowlist', 'frontend1-headers', 'frontend1-auth', 'backend1-maxconn', 'backend1-breaker'],
  })
  // no priority: 1.7's, the length of the rules
  t.same(http.routers.frontend2, { rule: 'Host(`b.localhost`,`c.localhost`) && PathPrefix(`/api`)', service: 'backend2', priority: 49, middlewares: ['frontend2-strip'] })
  const lb = http.services.backend1!.loadBalancer!
  t.same(lb.servers, [{ url: 'http://10.10.10.1:80', weight: 1 }, { url: 'http://10.10.10.2:80', weight: 2 }])
  t.equal(lb.passHostHeader, true)
  t.match(lb.healthCheck, { path: '/health', port: 88, hostname: 'myhost.com', interval: 10_000, headers: { 'My-Custom-Header': 'foo' } })
  // file frontends pass the Host header only when asked to (1.7's zero value)
  t.equal(http.services.backend2!.loadBalancer!.passHostHeader, false)
  t.same(http.middlewares!['backend1-breaker'], { type: 'circuitBreaker', options: { expression: 'NetworkErrorRatio() > 0.5' } })
  t.match(http.middlewares!['backend1-maxconn'], { type: 'inFlightReq', options: { amount: 10, sourceCriterion: { requestHost: true } } })
  t.match(http.middlewares!['frontend1-allowlist'], { type: 'ipWhiteList', options: { sourceRange: ['10.42.0.0/16', '152.89.1.33/32'] } })
  t.match(http.middlewares!['frontend1-headers'], { type: 'headers', options: { sslRedirect: true, customRequestHeaders: { 'X-Foo-Bar-01': 'foobar' } } })
  t.same(http.middlewares!['frontend2-strip'], { type: 'stripPrefix', options: { prefixes: ['/api'] } })
})

t.test('path modifiers in the rules: middlewares next to the backend', async (t) => {
  const b = one(`
[backends.b.servers.s]
url = "http://127.0.0.1:1"
[frontends.f]
backend = "b"
  [frontends.f.auth.basic]
  users = ["u:$2y$05$6nPAfm8D0DnU5GdUrEr8YudaZZkqTX2IpNvb9Pf/dN.tEWtJnOlBW"]
  [frontends.f.routes.r1]
  rule = "Host:f.test;PathPrefixStrip:/api"
  [frontends.f.routes.r2]
  rule = "AddPrefix:/v2"
`)
  t.same(problems(b), [])
  t.same(b.config!.http.routers.f!.middlewares, ['f-auth', 'f-strip', 'f-addprefix'])
  t.same(b.config!.http.middlewares!['f-addprefix'], { type: 'addPrefix', options: { prefix: '/v2' } })
  t.equal(b.config!.http.routers.f!.rule, '(Host(`f.test`) && PathPrefix(`/api`)) && (PathPrefix(`/`))')
})

t.test('two frontends of one backend that differ on passHostHeader get a service each', async (t) => {
  const b = one(`
[backends.b.servers.s]
url = "http://127.0.0.1:1"
[frontends.a]
backend = "b"
passHostHeader = true
[frontends.z]
backend = "b"
`)
  t.same(problems(b), [])
  t.equal(b.config!.http.routers.a!.service, 'b')
  t.equal(b.config!.http.routers.z!.service, 'b-z')
  t.equal(b.config!.http.services['b-z']!.loadBalancer!.passHostHeader, false)
  t.equal(b.config!.http.routers.z!.rule, 'PathPrefix(`/`)', 'a frontend without routes matches every request, as in 1.7')
  t.equal(b.config!.http.routers.z!.priority, 1, 'below every frontend with a rule')
})

// [what, frontend or backend lines, what the router or service carries]
const disabling: [string, string, RegExp][] = [
  ['passing TLS client certificates', 'passTLSCert = true', /passTLSCert: passing TLS client certificates is not supported yet/],
  ['a matcher pier lacks', '[frontends.f.routes.r2]\nrule = "PathPrefixStripRegex:/api/{id:[0-9]+}"', /routes\.r2: matcher "PathPrefixStripRegex" is not supported/],
  ['a redirect to an entrypoint', '[frontends.f.redirect]\nentryPoint = "https"', /redirect\.entryPoint: redirecting to another entrypoint/],
  ['an allow list trusting X-Forwarded-For', '[frontends.f.whiteList]\nsourceRange = ["10.0.0.0/8"]\nuseXForwardedFor = true', /useXForwardedFor let any address/],
  ['a rate limit keyed on something unknown', '[frontends.f.rateLimit]\nextractorFunc = "client.mood"\n[frontends.f.rateLimit.rateSet.a]\nperiod = "1s"\naverage = 1\nburst = 1', /extractorFunc "client\.mood"/],
]

for (const [what, lines, why] of disabling) {
  t.test(`disables the frontend by name: ${what}`, async (t) => {
    const b = one(`[backends.b.servers.s]\nurl = "http://127.0.0.1:1"\n[frontends.f]\nbackend = "b"\n${lines}\n[frontends.f.routes.r1]\nrule = "Host:f.test"\n`)
    t.same(b.errors, [])
    t.match(b.config!.http.routers.f!.unsupported!.join('\n'), why)
    t.match(problems(b).join('\n'), /rules\.toml: router "f": .*disabled rather than served without it/)
  })
}

t.test('stickiness becomes the v2 sticky cookie (the service is refused until pier has sticky sessions)', async (t) => {
  const b = one(`[backends.b.servers.s]\nurl = "http://127.0.0.1:1"\n[backends.b.loadBalancer]\nmethod = "drr"\n[backends.b.loadBalancer.stickiness]\ncookieName = "srv"\n[frontends.f]\nbackend = "b"\n`)
  t.same(b.errors, [])
  t.match(problems(b).join('\n'), /loadBalancer\.method "drr" .* pier balances with the configured weights/)
  const s = b.config!.http.services.b!
  t.ok(s.unsupported?.some((u) => /sticky/.test(u)) || (s.loadBalancer as { sticky?: unknown }).sticky, 'sticky is carried or refused, never dropped')
})

t.test('errors name the frontend or backend', async (t) => {
  const cases: [string, RegExp][] = [
    ['[frontends.f]\nbackend = "nope"', /router "f": backend "nope" is not defined in \[backends\]/],
    ['[frontends.f]\nentrypoints = ["http"]', /router "f": backend is missing/],
    ['[frontends.f]\nbackend = "b"\nbakend = "x"\n[backends.b.servers.s]\nurl = "http://127.0.0.1:1"', /router "f": unknown key frontends\.f\.bakend/],
    ['[backends.b.servers.s]\nurl = "ftp://x"', /service "b": loadBalancer\.servers\[0\]: url "ftp:\/\/x"/],
    ['[backends.b]\nservers = 3', /service "b": backends\.b\.servers must be a table/],
    ['[backends.b]\n[frontends.f]\nbackend = "b"\n[frontends.f.auth.basik]\nusers = ["u:x"]', /router "f": unknown key frontends\.f\.auth\.basik \(frontends\.f\.auth has basic, digest, forward, headerField\)/],
    ['[backends.b]\n[frontends.f]\nbackend = "b"\nwhiteList = "10.0.0.0/8"', /router "f": frontends\.f\.whiteList must be a table/],
    ['[backends.b]\n[frontends.f]\nbackend = "b"\n[frontends.f.auth.basic]\nuserz = ["u:x"]', /middleware "f-auth": unknown option userz/],
    ['[backends.b]\n[frontends.f]\nbackend = "b"\nroutes = "Host:a"', /router "f": frontends\.f\.routes must be a table/],
    ['[backends.b.maxConn]\namout = 3', /service "b": unknown key backends\.b\.maxConn\.amout/],
    ['[backends.b]\n[frontends.f]\nbackend = "b"\npriority = -1', /router "f": priority must be a non-negative integer/],
    ['[backends.b]\n[frontends.f]\nbackend = "b"\npassHostHeader = "yes"', /router "f": passHostHeader must be true or false, not "yes"/],
    ['backends = 3\n[frontends.f]\nbackend = "b"', /backends must be a table/],
    ['[backends.b.servers.s]\nurl = "http://127.0.0.1:1"\n[frontends.f]\nbackend = "b"\n[frontends.f.routes.r]\nrule = "Host:a"\npassHostHeader = true', /router "f": unknown key frontends\.f\.routes\.r\.passHostHeader/],
    ['[frontends.f\nbackend = "b"', /TOML syntax error at line 1/],
  ]
  for (const [text, err] of cases) {
    const b = one(text)
    t.equal(b.config, undefined, text)
    t.match(b.errors.map(formatProblem).join('\n'), err, text)
  }
})

// A classic traefik.toml: [entryPoints], [docker], [file] with the rules inline.
const traefikToml = `
defaultEntryPoints = ["http"]
logLevel = "INFO"

[entryPoints]
  [entryPoints.http]
  address = ":8081"
  compress = true
    [entryPoints.http.whiteList]
    sourceRange = ["127.0.0.1/32"]

[docker]
endpoint = "unix:///var/run/docker.sock"
domain = "docker.localhost"
exposedByDefault = false
constraints = ["tag==api", "tag!=beta-*"]

[file]

[backends]
  [backends.b1.servers.s1]
  url = "http://127.0.0.1:9001"
[frontends]
  [frontends.f1]
  backend = "b1"
    [frontends.f1.routes.r1]
    rule = "Host:a.test"
`

t.test('a classic traefik.toml with [file] and the rules inline', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pier-v1-'))
  const file = join(dir, 'traefik.toml')
  writeFileSync(file, traefikToml)
  const cfg = parseStaticConfig([`--configFile=${file}`], {})
  t.same(cfg.providers.file, { filename: file, watch: true, traefikFile: true })
  t.same(cfg.defaultEntryPoints, ['http'])
  t.same(cfg.entryPoints.http, { host: '', port: 8081, middlewares: ['http-compress@entrypoints', 'http-whitelist@entrypoints'] })
  t.same(cfg.entryPointMiddlewares, { 'http-whitelist': { ipWhiteList: { sourceRange: ['127.0.0.1/32'] } }, 'http-compress': { compress: {} } })
  t.equal(cfg.providers.docker!.constraints, 'tag==api,tag!=beta-*')
  // the file provider reads the same file for its rules, skipping the static sections
  const b = one(traefikToml, true)
  t.same(problems(b), [])
  t.same(Object.keys(b.config!.http.routers), ['f1'])
  // the same sections in a rules file are typos
  t.match(one(traefikToml).errors.map(formatProblem).join('\n'), /unknown key entryPoints/)
})

t.test('--file and --file.filename', async (t) => {
  t.same(parseStaticConfig(['--file.filename=/etc/traefik/rules.toml', '--file.watch=false'], {}).providers.file, { filename: '/etc/traefik/rules.toml', directory: undefined, watch: false })
  t.throws(() => parseStaticConfig(['--file'], {}), /file needs filename or directory \(or a traefik\.toml/)
})

t.test('v1 entrypoint words', async (t) => {
  const cfg = parseStaticConfig(['--entryPoints=Name:http Address::8082 Compress:true WhiteList.SourceRange:10.0.0.0/8,127.0.0.1', '--defaultentrypoints=http'], {})
  t.same(cfg.entryPoints.http!.middlewares, ['http-compress@entrypoints', 'http-whitelist@entrypoints'], "Traefik 1.7's order")
  t.same(cfg.entryPointMiddlewares!['http-whitelist'], { ipWhiteList: { sourceRange: ['10.0.0.0/8', '127.0.0.1'] } })
  t.same(cfg.defaultEntryPoints, ['http'])
  t.throws(() => parseStaticConfig(['--entryPoints=Name:http Address::8082 WhiteList.SourceRange:10.0.0.0/8 WhiteList.UseXForwardedFor:true'], {}), /whiteList\.useXForwardedFor .* pier does not honour it/)
  t.throws(() => parseStaticConfig(['--entryPoints=Name:http Address::8082 Compress:maybe'], {}), /Compress|true or false/i)
})

const BOB = 'bob:$apr1$gNMBMiJO$LbvLkhSPKodQzgp/hYSgH1'

t.test('v1 entrypoint auth, flag and TOML forms', async (t) => {
  const flag = parseStaticConfig([`--entryPoints=Name:http Address::8085 Auth.Basic.Users:${BOB},eve:$apr1$x$y Auth.Basic.RemoveHeader:true Auth.HeaderField:X-User Compress:true`], {})
  t.same(flag.entryPoints.http!.middlewares, ['http-auth@entrypoints', 'http-compress@entrypoints'], 'auth first, as 1.7 ran it')
  t.same(flag.entryPointMiddlewares!['http-auth'], { basicAuth: { users: [BOB, 'eve:$apr1$x$y'], removeHeader: true, headerField: 'X-User' } })
  // decoded by the entrypoints provider; a bad definition disables the routers that use it, naming it
  let emitted: DynamicConfig | undefined
  await new EntryPointMiddlewares({ ...flag.entryPointMiddlewares!, bad: { basicAuth: { userz: ['x'] } } }).start((c) => (emitted = c))
  t.match(emitted!.http.middlewares!['http-auth'], { type: 'basicAuth', options: { users: [BOB, 'eve:$apr1$x$y'], removeHeader: true, headerField: 'X-User' } })
  t.match(emitted!.http.middlewares!.bad, { type: 'basicAuth', unsupported: [/entrypoint option basicAuth: unknown option userz/] })
  const dir = mkdtempSync(join(tmpdir(), 'pier-v1-'))
  const file = join(dir, 'traefik.toml')
  writeFileSync(file, `
[entryPoints.admin]
address = ":8086"
  [entryPoints.admin.auth]
  headerField = "X-WebAuth-User"
    [entryPoints.admin.auth.forward]
    address = "http://127.0.0.1:9/auth"
    trustForwardHeader = true
    authResponseHeaders = ["X-Auth-User"]
`)
  const toml = parseStaticConfig([`--configFile=${file}`], {})
  t.same(toml.entryPoints.admin!.middlewares, ['admin-auth-forward@entrypoints'])
  t.same(toml.entryPointMiddlewares!['admin-auth-forward'], { forwardAuth: { address: 'http://127.0.0.1:9/auth', trustForwardHeader: true, authResponseHeaders: ['X-Auth-User'] } })
})

t.test('v1 tag constraints, as Traefik 1.7 matched them', async (t) => {
  const cases: [string, string | undefined, boolean][] = [
    ['tag==api', 'api', true],
    ['tag==api', 'web, api', true],
    ['tag==api', undefined, false],
    ['tag==us-*', 'us-east-1', true],
    ['tag==us-*', 'eu-west', false],
    ['tag!=beta', 'api', true],
    ['tag!=beta', 'api,beta', false],
    ['tag!=beta', undefined, true],
    ['tag==api,tag!=beta-*', 'api,beta-2', false],
    ['tag==api,tag!=beta-*', 'api,stable', true],
    ['tag==a.b', 'aXb', false],
  ]
  for (const [expr, tags, expected] of cases) {
    const match = compileV1Constraints(expr)
    t.equal(match(tags === undefined ? {} : { 'traefik.tags': tags }), expected, `${expr} over ${tags}`)
  }
  t.throws(() => engineBuildOptions({ constraints: 'tag==a,name==b', defaultRule: 'Host(`x`)' } as never, 'docker'), /docker\.constraints: constraint "name==b" must be tag-based/)
  const opts = engineBuildOptions({ constraints: 'tag==api', defaultRule: 'Host(`x`)', exposedByDefault: true, allowEmptyServices: false, v1: true } as never, 'docker')
  const built = buildConfig([ctr('api', { labels: { 'traefik.tags': 'api', 'traefik.frontend.rule': 'Host:api.test' } }), ctr('web', { labels: { 'traefik.tags': 'web', 'traefik.frontend.rule': 'Host:web.test' } })], { ...buildOptions({ v1: true }), constraint: opts.constraint })
  t.same(Object.keys(built.config.http.routers), ['api'])
  t.same(built.warnings, [], 'traefik.tags is read, not warned about')
})

t.test('segment labels: a router and a service per segment, named as 1.7 named them', async (t) => {
  const c = ctr('app_1', {
    labels: {
      'com.docker.compose.project': 'demo',
      'com.docker.compose.service': 'app',
      'traefik.frontend.entryPoints': 'http',
      'traefik.web.frontend.rule': 'Host:app.test',
      'traefik.web.port': '8080',
      'traefik.admin.frontend.rule': 'Host:admin.test;PathPrefix:/admin',
      'traefik.admin.port': '9090',
      'traefik.admin.weight': '3',
      'traefik.admin.frontend.whiteList.sourceRange': '10.0.0.0/8',
      'traefik.admin.backend': 'adm',
    },
    composeProject: 'demo',
    composeService: 'app',
  })
  const b = buildConfig([c], buildOptions({ v1: true }))
  t.same(b.warnings, [])
  t.same(b.config.http.routers, {
    'admin-app-demo-adm': { rule: 'Host(`admin.test`) && PathPrefix(`/admin`)', service: 'app-demo-adm', entryPoints: ['http'], middlewares: ['admin-app-demo-adm-allowlist'] },
    'web-app-demo-web': { rule: 'Host(`app.test`)', service: 'app-demo-web', entryPoints: ['http'] },
  })
  t.same(b.config.http.services, {
    'app-demo-adm': { loadBalancer: { servers: [{ url: 'http://172.17.0.2:9090', weight: 3 }] } },
    'app-demo-web': { loadBalancer: { servers: [{ url: 'http://172.17.0.2:8080' }] } },
  })
  const bad = buildConfig([ctr('x', { labels: { 'traefik.api.frontend.rule': 'Host:x.test', 'traefik.api.port': 'eighty' } })], buildOptions({ v1: true }))
  t.match(bad.warnings.map((w) => w.message).join('\n'), /label traefik\.api\.port: /)
})

t.test('label hygiene: keys Traefik skips change nothing', async (t) => {
  const labels = { 'traefik.enable': 'true', 'traefik.constraint-label': 'public', 'traefik.docker.network': 'bridge', 'traefik.http.routers.w.rule': 'Host(`w.test`)' }
  const plain = buildConfig([ctr('w', { labels })], buildOptions())
  t.same(Object.keys(plain.config.http.routers), ['w'])
  t.same(plain.annotations.filter((a) => a.drop), [], 'nothing disabled')
  t.same(plain.warnings.map((w) => w.label), ['traefik.constraint-label'], 'a key nothing reads is named once')
  // the swarm-rocks convention: the label is there for the provider's constraint, which reads it
  const opts = engineBuildOptions({ constraints: 'Label(`traefik.constraint-label`, `public`)', defaultRule: 'Host(`x`)', exposedByDefault: true, allowEmptyServices: false, v1: false } as never, 'providers.docker')
  const kept = buildConfig([ctr('w', { labels }), ctr('other', { labels: { ...labels, 'traefik.constraint-label': 'internal', 'traefik.http.routers.o.rule': 'Host(`o.test`)' } })], { ...buildOptions(), constraint: opts.constraint, constraintLabels: opts.constraintLabels })
  t.same(Object.keys(kept.config.http.routers), ['w'])
  t.same(kept.warnings, [], 'a label the constraints read is not warned about')
})

t.test('top-level keys of a classic traefik.toml', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pier-v1-'))
  const file = join(dir, 'traefik.toml')
  writeFileSync(file, `
debug = true
checkNewVersion = false
sendAnonymousUsage = false
graceTimeOut = "5s"
[respondingTimeouts]
readTimeout = "7s"
[forwardingTimeouts]
dialTimeout = "3s"
responseHeaderTimeout = "9s"
[entryPoints]
  [entryPoints.http]
  address = ":8083"
  [entryPoints.slow]
  address = ":8084"
  [entryPoints.slow.transport.respondingTimeouts]
  readTimeout = "70s"
`)
  const cfg = parseStaticConfig([`--configFile=${file}`], {})
  t.equal(cfg.log.level, 'DEBUG')
  t.equal(cfg.lifecycle.graceTimeOutMs, 5000)
  t.equal(cfg.clientLimits.http!.readTimeoutMs, 7000, 'the global respondingTimeouts apply to every entrypoint')
  t.equal(cfg.clientLimits.slow!.readTimeoutMs, 70_000, 'unless its own says otherwise')
  t.match(cfg.serversTransport, { dialTimeoutMs: 3000, responseHeaderTimeoutMs: 9000 })
})

t.test('[retry]', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pier-v1-'))
  const file = join(dir, 'traefik.toml')
  writeFileSync(file, '[entryPoints.http]\naddress = ":8087"\ncompress = true\n[retry]\nattempts = 3\n')
  const cfg = parseStaticConfig([`--configFile=${file}`], {})
  t.same(cfg.entryPoints.http!.middlewares, ['http-compress@entrypoints', 'retry@entrypoints'])
  t.same(cfg.entryPointMiddlewares!.retry, { retry: { attempts: 3 } })
  writeFileSync(file, '[entryPoints.http]\naddress = ":8087"\n[retry]\n')
  const bare = parseStaticConfig([`--configFile=${file}`], {})
  t.equal(bare.entryPoints.http!.middlewares, undefined, "no attempts: pier's failover is 1.7's default")
})

t.test('[healthcheck] interval: for v1 health checks that name none', async (t) => {
  const cfg = parseStaticConfig(['--healthcheck.interval=5s', '--file.filename=/x/rules.toml', '--docker'], {})
  t.equal(cfg.providers.file!.v1HealthInterval, '5000ms')
  t.equal(cfg.providers.docker!.v1HealthInterval, '5000ms')
  const text = '[backends.a.servers.s]\nurl = "http://127.0.0.1:1"\n[backends.a.healthCheck]\npath = "/h"\n[backends.b.servers.s]\nurl = "http://127.0.0.1:2"\n[backends.b.healthCheck]\npath = "/h"\ninterval = "2s"\n'
  const b = buildFileConfig([{ file: 'rules.toml', text }], { v1HealthInterval: '5000ms' })
  t.equal(b.config!.http.services.a!.loadBalancer!.healthCheck!.interval, 5000)
  t.equal(b.config!.http.services.b!.loadBalancer!.healthCheck!.interval, 2000, 'its own wins')
  const opts = { ...buildOptions({ v1: true }), v1HealthIntervalMs: engineBuildOptions(cfg.providers.docker!, 'docker').v1HealthIntervalMs }
  const built = buildConfig([
    ctr('a', { labels: { 'traefik.frontend.rule': 'Host:a.test', 'traefik.backend.healthcheck.path': '/h' } }),
    ctr('b', { labels: { 'traefik.frontend.rule': 'Host:b.test', 'traefik.backend.healthcheck.path': '/h', 'traefik.backend.healthcheck.interval': '2s' } }),
  ], opts)
  t.match(built.config.http.services.a!.loadBalancer!.healthCheck, { interval: 5000, unhealthyInterval: 5000 })
  t.match(built.config.http.services.b!.loadBalancer!.healthCheck, { interval: 2000 })
})
