// Sticky sessions, pure parts: reading the options from files and labels,
// the cookie's name, value and attributes as Traefik writes them, and the
// pick (cookie -> server, else WRR and a new cookie).
import t from 'tap'
import { buildFileConfig } from '../../src/providers/file/build.js'
import { formatProblem } from '../../src/providers/file/problems.js'
import { parseLabels } from '../../src/providers/docker/labels.js'
import { cookieAttributes, cookieName, cookieValue, defaultCookieName } from '../../src/balancer/sticky-cookie.js'
import { OLDER_FORM, ServerChoice, stickyServer } from '../../src/balancer/sticky.js'
import { compileTable } from '../../src/table/compile.js'
import { RouteTable } from '../../src/table/reader.js'
import { SmoothWRR } from '../../src/balancer/wrr.js'
import { HealthView, ACTIVE_DOWN, PASSIVE_DOWN, newHealthBuffer } from '../../src/balancer/health-board.js'
import type { DynamicConfig, StickyCookie } from '../../src/config/dynamic.js'
import { buildConfig } from '../../src/providers/docker/builder.js'
import { buildOptions, ctr } from '../helpers/containers.js'

const service = (yaml: string): string => `
http:
  services:
    s:
      loadBalancer:
        servers: [{ url: "http://127.0.0.1:1" }]
${yaml.replace(/^/gm, '        ')}
`

// [what, the loadBalancer's sticky part as Traefik files write it, sticky read, errors, warnings]
const files: [string, string, unknown, string[], string[]][] = [
  ['the docs example (YAML)', 'sticky:\n  cookie:\n    name: lvl\n    secure: true\n    httpOnly: true\n    sameSite: none\n    maxAge: 42\n    path: /foo\n    domain: example.com', { cookie: { name: 'lvl', secure: true, httpOnly: true, sameSite: 'none', maxAge: 42, path: '/foo', domain: 'example.com' } }, [], []],
  ['an empty cookie: defaults', 'sticky:\n  cookie: {}', { cookie: {} }, [], []],
  ['a bare cookie key', 'sticky:\n  cookie:', { cookie: {} }, [], []],
  ['keys in any case, values as strings', 'sticky:\n  Cookie:\n    HTTPONLY: "true"\n    MaxAge: "-1"', { cookie: { httpOnly: true, maxAge: -1 } }, [], []],
  ['sticky without a cookie: kept, sticks nothing', 'sticky: {}', {}, [], []],
  ['an unknown sameSite: no attribute, a warning', 'sticky:\n  cookie:\n    sameSite: sometimes', { cookie: { sameSite: 'sometimes' } }, [], ['service "s": loadBalancer.sticky.cookie.sameSite "sometimes" is not none, lax or strict: the cookie gets no SameSite attribute (as in Traefik)']],
  ['a typo in a cookie option', 'sticky:\n  cookie:\n    httpOnyl: true', undefined, ['service "s": loadBalancer.sticky.cookie.httpOnyl is not a sticky cookie option (options: name, secure, httpOnly, sameSite, maxAge, path, domain)'], []],
  ['a bad max age', 'sticky:\n  cookie:\n    maxAge: 1.5', undefined, ['service "s": loadBalancer.sticky.cookie.maxAge must be a whole number of seconds, not 1.5'], []],
  ['a bad domain', 'sticky:\n  cookie:\n    domain: "a b"', undefined, ['service "s": loadBalancer.sticky.cookie.domain "a b" is not a domain name or an IP address'], []],
  ['a path with ;', 'sticky:\n  cookie:\n    path: "/a;b"', undefined, ['service "s": loadBalancer.sticky.cookie.path "/a;b" may hold only printable ASCII other than ";"'], []],
  ['secure that is not a boolean', 'sticky:\n  cookie:\n    secure: yes please', undefined, ['service "s": loadBalancer.sticky.cookie.secure must be true or false, not "yes please"'], []],
]

t.test('file: loadBalancer.sticky', async (t) => {
  for (const [what, yaml, sticky, errors, warnings] of files) {
    const b = buildFileConfig([{ file: 'f.yml', text: service(yaml) }])
    const strip = (m: string): string => m.replace(/^f\.yml( line \d+)?: /, '')
    t.same(b.errors.map(formatProblem).map(strip), errors, `${what}: errors`)
    t.same(b.warnings.map(formatProblem).map(strip), warnings, `${what}: warnings`)
    if (errors.length === 0) t.same(b.config!.http.services.s!.loadBalancer.sticky, sticky, what)
  }
})

t.test('file: the TOML form', async (t) => {
  const b = buildFileConfig([{ file: 'f.toml', text: '[http.services.s.loadBalancer]\n[[http.services.s.loadBalancer.servers]]\nurl = "http://127.0.0.1:1"\n[http.services.s.loadBalancer.sticky.cookie]\nname = "c"\nsecure = true\n' }])
  t.same(b.errors, [])
  t.same(b.config!.http.services.s!.loadBalancer.sticky, { cookie: { name: 'c', secure: true } })
})

t.test('file: a Traefik 1.x backend’s stickiness is served as the v2 cookie', async (t) => {
  const b = buildFileConfig([{ file: 'v1.toml', text: '[backends.b.servers.s]\nurl = "http://127.0.0.1:1"\n[backends.b.loadBalancer.stickiness]\ncookieName = "srv"\nhttpOnly = true\n[frontends.f]\nbackend = "b"\n[frontends.f.routes.r]\nrule = "Host:a.test"\n' }])
  t.same(b.errors, [])
  const s = Object.values(b.config!.http.services)[0]!
  t.same(s.loadBalancer.sticky, { cookie: { name: 'srv', httpOnly: true } })
  t.notOk(s.unsupported, 'not refused')
})

const svc = 'traefik.http.services.s.loadbalancer.sticky'
// [what, labels, the service's sticky, its unsupported reasons]
const labels: [string, Record<string, string>, unknown, string[] | undefined][] = [
  ['cookie=true', { [`${svc}.cookie`]: 'true' }, { cookie: {} }, undefined],
  ['the docs example', { [`${svc}.cookie`]: 'true', [`${svc}.cookie.name`]: 'sticky_cookie', [`${svc}.cookie.secure`]: 'true', [`${svc}.cookie.httpOnly`]: 'true' }, { cookie: { name: 'sticky_cookie', secure: true, httpOnly: true } }, undefined],
  ['every option, lower-case keys', { [`${svc}.cookie.name`]: 'n', [`${svc}.cookie.secure`]: 'false', [`${svc}.cookie.httponly`]: 'TRUE', [`${svc}.cookie.samesite`]: 'strict', [`${svc}.cookie.maxage`]: '42', [`${svc}.cookie.path`]: '/app', [`${svc}.cookie.domain`]: 'a.test' }, { cookie: { name: 'n', secure: false, httpOnly: true, sameSite: 'strict', maxAge: 42, path: '/app', domain: 'a.test' } }, undefined],
  ['an option alone implies the cookie', { [`${svc}.cookie.name`]: 'n' }, { cookie: { name: 'n' } }, undefined],
  ['sticky=true alone: no cookie, as Traefik', { [svc]: 'true' }, {}, undefined],
  ['sticky=true with cookie options', { [svc]: 'true', [`${svc}.cookie.maxage`]: '10' }, { cookie: { maxAge: 10 } }, undefined],
  ['sticky=false drops the cookie labels (Traefik)', { [svc]: 'false', [`${svc}.cookie.name`]: 'fui' }, undefined, undefined],
  ['a bad max age disables the service', { [`${svc}.cookie.maxage`]: 'soon' }, undefined, [`label ${svc}.cookie.maxAge must be a whole number of seconds, not "soon"`]],
  ['sticky neither true nor false', { [svc]: 'on' }, undefined, [`label ${svc}: "on" is not true or false`]],
  ['an unknown sticky option', { [`${svc}.cookies.name`]: 'x' }, undefined, [`label ${svc}.cookies.name: not a sticky option (options: cookie)`]],
  ['an unknown cookie option', { [`${svc}.cookie.nam`]: 'x' }, undefined, [`label ${svc}.cookie.nam is not a sticky cookie option (options: name, secure, httpOnly, sameSite, maxAge, path, domain)`]],
]

t.test('labels: v2 loadbalancer.sticky', async (t) => {
  for (const [what, given, sticky, unsupported] of labels) {
    const warned: string[] = []
    const p = parseLabels(given, (label, _code, message) => warned.push(`${label}: ${message}`))
    const s = p.services.get('s') ?? {}
    t.same(s.sticky, sticky, what)
    t.same(s.unsupported, unsupported, `${what}: reasons`)
    t.same(warned, [], `${what}: no warnings`)
  }
  const warned: string[] = []
  parseLabels({ [`${svc}.cookie.samesite`]: 'Sometimes' }, (label, _code, message) => warned.push(`${label}: ${message}`))
  t.match(warned, [/samesite: .*"Sometimes" is not none, lax or strict/])
})

const v1 = 'traefik.backend.loadbalancer'
// [what, labels, v1 sticky, v1 service reasons]
const v1Labels: [string, Record<string, string>, unknown, string[] | undefined][] = [
  ['stickiness=true', { [`${v1}.stickiness`]: 'true' }, { cookie: {} }, undefined],
  ['with a cookie name', { [`${v1}.stickiness`]: 'true', [`${v1}.stickiness.cookieName`]: 'my_cookie' }, { cookie: { name: 'my_cookie' } }, undefined],
  ['the deprecated sticky=true', { [`${v1}.sticky`]: 'true' }, { cookie: {} }, undefined],
  ['secure, httpOnly, sameSite (Traefik 1.7)', { [`${v1}.stickiness`]: 'true', [`${v1}.stickiness.secure`]: 'true', [`${v1}.stickiness.httpOnly`]: 'true', [`${v1}.stickiness.sameSite`]: 'strict' }, { cookie: { secure: true, httpOnly: true, sameSite: 'strict' } }, undefined],
  ['a bad secure', { [`${v1}.stickiness`]: 'true', [`${v1}.stickiness.secure`]: 'sure' }, undefined, [`label ${v1}.stickiness.secure must be true or false, not "sure"`]],
  ['stickiness=false', { [`${v1}.stickiness`]: 'false', [`${v1}.stickiness.cookieName`]: 'c' }, undefined, undefined],
  ['a cookie name without stickiness', { [`${v1}.stickiness.cookieName`]: 'c' }, undefined, undefined],
  ['a bad value', { [`${v1}.stickiness`]: 'maybe' }, undefined, [`label ${v1}.stickiness: "maybe" is not true or false`]],
]

t.test('labels: v1 stickiness', async (t) => {
  for (const [what, given, sticky, reasons] of v1Labels) {
    const p = parseLabels({ 'traefik.frontend.rule': 'Host:a.test', ...given }, () => {})
    t.ok(p.isV1, `${what}: read as v1`)
    t.same(p.v1.sticky, sticky, what)
    t.same(p.v1.unsupportedService, reasons, `${what}: reasons`)
  }
})

t.test('v1 through the builder: the cookie is named after backend-<name>, as Traefik 1.7 did', async (t) => {
  const labels = { 'traefik.frontend.rule': 'Host:a.test', 'traefik.backend': 'shop', 'traefik.port': '80' }
  const sticky = (extra: Record<string, string>) => buildConfig([ctr('a', { labels: { ...labels, ...extra } })], buildOptions({ v1: true })).config.http.services['shop']?.loadBalancer.sticky
  t.same(sticky({ [`${v1}.stickiness`]: 'true' }), { cookie: { name: defaultCookieName('backend-shop') } })
  t.same(sticky({ [`${v1}.stickiness`]: 'true', [`${v1}.stickiness.cookieName`]: 'mine' }), { cookie: { name: 'mine' } })
  t.equal(sticky({}), undefined)
})

t.test('cookie name, value and attributes as Traefik writes them', async (t) => {
  // Traefik's own test cases (pkg/server/cookie, pkg/server/service/loadbalancer).
  t.equal(defaultCookieName('/my/BACKEND-v1.0~rc1'), '_5f7bc')
  t.equal(defaultCookieName('backend'), '_76eb3')
  t.equal(cookieName({ name: '/my/BACKEND-v1.0~rc1' }, 'x'), '_my_BACKEND-v1.0~rc1')
  t.equal(cookieName({ name: "!#$%&'()*+-./:<=>?@[]^_`{|}~" }, 'x'), "!#$%&'__*+-._________^_`_|_~")
  t.equal(cookieName({ name: '' }, 'backend'), '_76eb3', 'an empty name takes the default')
  t.equal(cookieValue('foo'), '2c26b46b68ffc68f', 'SHA-256, 16 hex digits')
  const cases: [StickyCookie, string][] = [
    [{}, '; Path=/'],
    [{ path: '' }, ''],
    [{ path: '/app', domain: '.example.com' }, '; Path=/app; Domain=example.com'],
    [{ maxAge: 42, httpOnly: true, secure: true, sameSite: 'Lax' }, '; Path=/; Max-Age=42; HttpOnly; Secure; SameSite=Lax'],
    [{ maxAge: -5, sameSite: 'NONE' }, '; Path=/; Max-Age=0; SameSite=None'],
    [{ maxAge: 0, sameSite: 'strict' }, '; Path=/; SameSite=Strict'],
    [{ sameSite: 'sometimes' }, '; Path=/'],
    [{ sameSite: '' }, '; Path=/'],
  ]
  for (const [cookie, attrs] of cases) t.equal(cookieAttributes(cookie), attrs, JSON.stringify(cookie))
})

const urls = ['http://127.0.0.1:9001', 'http://127.0.0.1:9002', 'http://127.0.0.1:9003']
function sticky(servers: { url: string; weight?: number }[], cookie: StickyCookie | undefined = {}, health?: HealthView): RouteTable {
  const config: DynamicConfig = {
    http: {
      routers: { 'r@file': { rule: 'Host(`a.test`)', service: 's@file' } },
      services: { 's@file': { loadBalancer: { servers, ...(cookie ? { sticky: { cookie } } : {}) } }, 'plain@file': { loadBalancer: { servers: [{ url: urls[0]! }] } } },
    },
  }
  return new RouteTable(compileTable(config, ['web'], 1).buffer, health)
}
const headers = (cookie: string): { getHeader(n: string): string } => ({ getHeader: (n) => (n === 'cookie' ? cookie : '') })

t.test('the table carries cookie values derived from server URLs, not indices', async (t) => {
  const a = sticky(urls.map((url) => ({ url })))
  const b = sticky([urls[2]!, urls[0]!].map((url) => ({ url })))
  const s = a.serviceIndex('s@file')
  t.equal(a.cookieNames[s], defaultCookieName('s@file'))
  t.equal(a.cookieValues[a.firstServer(s)], cookieValue(urls[0]!))
  t.equal(b.cookieValues[b.firstServer(b.serviceIndex('s@file')) + 1], cookieValue(urls[0]!), 'same URL, same value in another table')
  t.equal(a.setCookies[a.firstServer(s)], `${defaultCookieName('s@file')}=${cookieValue(urls[0]!)}; Path=/`)
  t.notOk(a.sticky(a.serviceIndex('plain@file')))
  t.equal(a.cookieNames[a.serviceIndex('plain@file')], '')
  t.notOk(sticky([{ url: urls[0]! }], undefined).sticky(0), 'no cookie, not sticky')
})

/** Go's hash/fnv New64 (FNV-1), written out here from its definition. */
function fnv1(text: string): string {
  let h = 0xcbf29ce484222325n
  for (const b of Buffer.from(text)) h = BigInt.asUintN(64, h * 0x100000001b3n) ^ BigInt(b)
  return h.toString(16)
}

t.test('stickyServer reads the Cookie header as Go does', async (t) => {
  t.equal(fnv1('a'), 'af63bd4c8601b7be', 'the FNV-1 64 test vector')
  const table = sticky(urls.map((url) => ({ url })))
  const s = table.serviceIndex('s@file')
  const first = table.firstServer(s)
  const name = table.cookieNames[s]!
  const value = (i: number): string => cookieValue(urls[i]!)
  const cases: [string, string, number][] = [
    ['alone', `${name}=${value(1)}`, first + 1],
    ['among others, spaces around', `a=1;  ${name}=${value(2)} ; b=2`, first + 2],
    ['quoted', `${name}="${value(0)}"`, first],
    ['the first of two counts', `${name}=${value(1)}; ${name}=${value(2)}`, first + 1],
    ['an invalid value is skipped, the next counts', `${name}=a\\b; ${name}=${value(2)}`, first + 2],
    ['an unknown value', `${name}=0123456789abcdef`, -1],
    ['a longer name is another cookie', `x${name}=${value(1)}; ${name}x=${value(1)}`, -1],
    ['a value with extra text', `${name}=${value(1)}0`, -1],
    ['no such cookie', 'a=b', -1],
    ['no header', '', -1],
    ['the server URL: an older form', `${name}=${urls[1]}`, OLDER_FORM - (first + 1)],
    ['FNV-64 of the URL: an older form', `${name}=${fnv1(urls[2]!)}`, OLDER_FORM - (first + 2)],
    ['FNV-64 of that: an older form', `${name}=${fnv1(fnv1(urls[0]!))}`, OLDER_FORM - first],
  ]
  for (const [what, header, want] of cases) t.equal(stickyServer(table, s, header), want, what)
})

t.test('ServerChoice: the cookie server while it is up, else WRR and a new cookie', async (t) => {
  const health = new HealthView(newHealthBuffer(8), Date.now())
  const table = sticky([{ url: urls[0]! }, { url: urls[1]! }, { url: urls[2]!, weight: 0 }], {}, health)
  const wrr = new SmoothWRR()
  wrr.bind(table)
  const choice = new ServerChoice()
  const s = table.serviceIndex('s@file')
  const first = table.firstServer(s)
  const name = table.cookieNames[s]!
  const first1 = choice.pick(table, wrr, s, headers(''))
  t.equal(choice.cookie, table.setCookies[first1], 'no cookie: WRR picks and the cookie is set')
  const second = choice.pick(table, wrr, s, headers(''))
  t.not(second, first1, 'without a cookie, round robin')
  for (let i = 0; i < 5; i++) {
    t.equal(choice.pick(table, wrr, s, headers(`${name}=${table.cookieValues[first + 1]}`)), first + 1)
    t.equal(choice.cookie, '', 'a valid cookie is not set again')
  }
  health.state[table.healthSlot(first + 1)] = ACTIVE_DOWN
  t.equal(choice.pick(table, wrr, s, headers(`${name}=${table.cookieValues[first + 1]}`)), first, 'its server down: another one')
  t.equal(choice.cookie, table.setCookies[first], 'and its cookie')
  health.state[table.healthSlot(first + 1)] = PASSIVE_DOWN
  t.equal(choice.pick(table, wrr, s, headers(`${name}=${table.cookieValues[first + 1]}`)), first, 'passively down: another one too')
  health.state[table.healthSlot(first + 1)] = 0
  t.equal(choice.pick(table, wrr, s, headers(`${name}=${urls[1]}`)), first + 1, 'a cookie in an older form keeps its server')
  t.equal(choice.cookie, table.setCookies[first + 1], 'and is replaced by today’s')
  t.not(choice.pick(table, wrr, s, headers(`${name}=${table.cookieValues[first + 2]}`)), first + 2, 'weight 0 is out of rotation, its cookie too')
  t.not(choice.cookie, '', 'and a new cookie is set')
  const plain = table.serviceIndex('plain@file')
  choice.pick(table, wrr, plain, { getHeader: () => t.fail('a service that is not sticky reads no Cookie header') as never })
  t.equal(choice.cookie, '')
})

t.test('a removed server: its cookie names nothing in the new table', async (t) => {
  const before = sticky(urls.map((url) => ({ url })))
  const after = sticky([{ url: urls[0]! }, { url: urls[2]! }])
  const cookie = `${before.cookieNames[before.serviceIndex("s@file")]}=${cookieValue(urls[1]!)}`
  t.equal(stickyServer(before, before.serviceIndex('s@file'), cookie), before.firstServer(before.serviceIndex('s@file')) + 1)
  t.equal(stickyServer(after, after.serviceIndex('s@file'), cookie), -1)
  const kept = `${before.cookieNames[before.serviceIndex("s@file")]}=${cookieValue(urls[2]!)}`
  t.equal(stickyServer(after, after.serviceIndex('s@file'), kept), after.firstServer(after.serviceIndex('s@file')) + 1, 'a server that stays keeps its cookie')
})

t.test('stickyServer allocates nothing', async (t) => {
  const table = sticky(urls.map((url) => ({ url })))
  const s = table.serviceIndex('s@file')
  const header = `session=abc; theme=dark; ${table.cookieNames[s]}=${cookieValue(urls[2]!)}; lang=en`
  for (let i = 0; i < 1e5; i++) stickyServer(table, s, header)
  const before = process.memoryUsage().heapUsed
  let hits = 0
  for (let i = 0; i < 1e6; i++) if (stickyServer(table, s, header) >= 0) hits++
  const grown = process.memoryUsage().heapUsed - before
  t.equal(hits, 1e6)
  t.ok(grown < 1e6, `heap grew ${grown} bytes over a million lookups`)
})
