// Compiled rules against request views: every matcher true and false, the v2
// forms, host case/port/trailing-dot handling, ClientIP over v4/v6/CIDR.
import t from 'tap'
import { beyondHosts, compileRule, hostEquals, hostOnly, parseRule, type MatchRequest, type RuleNode } from '../../src/rules/index.js'

interface ReqInit {
  host?: string
  path?: string
  query?: string
  method?: string
  headers?: Record<string, string>
  ip?: string
}

function req(init: ReqInit = {}): MatchRequest {
  const headers = init.headers ?? {}
  return {
    host: init.host ?? 'example.com',
    path: init.path ?? '/',
    query: init.query ?? '',
    method: init.method ?? 'GET',
    header: (name) => headers[name] ?? '',
    clientIP: () => init.ip ?? '127.0.0.1',
  }
}

type Case = [rule: string, request: ReqInit, matches: boolean]

type Test = Parameters<Parameters<typeof t.test>[0]>[0]

function check(t: Test, cases: Case[]): void {
  for (const [rule, init, want] of cases) {
    t.equal(compileRule(parseRule(rule))(req(init)), want, `${rule} on ${JSON.stringify(init)}`)
  }
}

t.test('Host', async (t) => {
  check(t, [
    ['Host(`example.com`)', { host: 'example.com' }, true],
    ['Host(`example.com`)', { host: 'EXAMPLE.Com' }, true],
    ['Host(`Example.COM`)', { host: 'example.com' }, true],
    ['Host(`example.com`)', { host: 'example.com:8080' }, true],
    ['Host(`example.com`)', { host: 'Example.com.:443' }, true],
    ['Host(`example.com`)', { host: 'example.com.' }, true],
    ['Host(`example.com.`)', { host: 'example.com' }, true],
    ['Host(`example.com`)', { host: 'example.org' }, false],
    ['Host(`example.com`)', { host: 'www.example.com' }, false],
    ['Host(`example.com`)', { host: 'example.co' }, false],
    ['Host(`example.com`)', { host: 'example.com:' }, true],
    ['Host(`example.com`)', { host: '' }, false],
    ['Host(`a.example`, `b.example`)', { host: 'B.example:81' }, true],
    ['Host(`a.example`, `b.example`)', { host: 'c.example' }, false],
    ['HostHeader(`a.example`)', { host: 'a.example' }, true],
    ['Host(`::1`)', { host: '[::1]:8080' }, true],
    ['Host(`[::1]`)', { host: '[::1]' }, true],
    ['Host(`::1`)', { host: '[::2]:8080' }, false],
    ['Host(`127.0.0.1`)', { host: '127.0.0.1:80' }, true],
  ])
})

t.test('hostEquals', async (t) => {
  const cases: Array<[string, string, boolean]> = [
    ['WhoAmI.Docker.LocalHost:80', 'whoami.docker.localhost', true],
    ['whoami.docker.localhost.', 'whoami.docker.localhost', true],
    ['whoami.docker.localhost', 'whoami.docker.localhost.', true],
    ['whoami.docker.localhostx', 'whoami.docker.localhost', false],
    ['[::1]:80', '[::1]', true],
    ['[::1', '[::1]', false],
    ['', '', true],
    ['a', '', false],
  ]
  for (const [header, host, want] of cases) t.equal(hostEquals(header, host), want, `${header} vs ${host}`)
})

t.test('HostRegexp: v3 Go regexp and v2 templates', async (t) => {
  check(t, [
    ['HostRegexp(`^[a-z]+\\.example\\.com$`)', { host: 'foo.example.com' }, true],
    ['HostRegexp(`^[a-z]+\\.example\\.com$`)', { host: 'FOO.example.com:8443' }, true],
    ['HostRegexp(`^[a-z]+\\.example\\.com$`)', { host: 'foo.example.com.' }, true],
    ['HostRegexp(`^[a-z]+\\.example\\.com$`)', { host: 'foo1.example.com' }, false],
    ['HostRegexp(`^[a-z]+\\.example\\.com$`)', { host: 'foo.example.com.evil' }, false],
    ['HostRegexp(`^[a-z]+\\.example\\.com\\z`)', { host: 'foo.example.com:80' }, true],
    ['HostRegexp(`example`)', { host: 'www.example.org' }, true],
    ['HostRegexp(`(?i)^WWW\\.`)', { host: 'www.example.org' }, true],
    ['HostRegexp(`^(?P<sub>[a-z]+)\\.example\\.org$`)', { host: 'api.example.org' }, true],
    ['HostRegexp(`^[[:alpha:]]+\\.example\\.org$`)', { host: 'api.example.org' }, true],
    ['HostRegexp(`^[[:alpha:]]+\\.example\\.org$`)', { host: 'api2.example.org' }, false],
    ['HostRegexp(`{sub:[a-z]+}.example.com`)', { host: 'foo.example.com' }, true],
    ['HostRegexp(`{sub:[a-z]+}.example.com`)', { host: 'Foo.Example.com:8080' }, true],
    ['HostRegexp(`{sub:[a-z]+}.example.com`)', { host: 'foo.examplexcom' }, false],
    ['HostRegexp(`{sub:[a-z]+}.example.com`)', { host: 'foo1.example.com' }, false],
    ['HostRegexp(`{sub:[a-z]+}.example.com`)', { host: 'a.foo.example.com' }, false],
    ['HostRegexp(`{sub}.example.com`)', { host: 'any-thing.example.com' }, true],
    ['HostRegexp(`{sub}.example.com`)', { host: 'a.b.example.com' }, false],
    ['HostRegexp(`{sub:[a-z]{2,3}}.example.com`)', { host: 'abc.example.com' }, true],
    ['HostRegexp(`{sub:[a-z]{2,3}}.example.com`)', { host: 'abcd.example.com' }, false],
    ['HostRegexp(`{a}.one.com`, `{b}.two.com`)', { host: 'x.two.com' }, true],
    ['HostRegexp(`{a}.one.com`, `{b}.two.com`)', { host: 'x.three.com' }, false],
  ])
})

t.test('Path, PathPrefix, PathRegexp', async (t) => {
  check(t, [
    ['Path(`/api`)', { path: '/api' }, true],
    ['Path(`/api`)', { path: '/api/' }, false],
    ['Path(`/api`)', { path: '/API' }, false],
    ['Path(`/a`, `/b`)', { path: '/b' }, true],
    ['Path(`/a`, `/b`)', { path: '/c' }, false],
    ['Path(`/users/{id:[0-9]+}`)', { path: '/users/42' }, true],
    ['Path(`/users/{id:[0-9]+}`)', { path: '/users/42/x' }, false],
    ['Path(`/users/{id}`)', { path: '/users/bob' }, true],
    ['Path(`/users/{id}`)', { path: '/users/bob/x' }, false],
    ['PathPrefix(`/api`)', { path: '/api' }, true],
    ['PathPrefix(`/api`)', { path: '/api/v1/users' }, true],
    ['PathPrefix(`/api`)', { path: '/apis' }, true],
    ['PathPrefix(`/api/`)', { path: '/api' }, false],
    ['PathPrefix(`/api`)', { path: '/v1/api' }, false],
    ['PathPrefix(`/a`, `/b`)', { path: '/b/c' }, true],
    ['PathPrefix(`/v{n:[0-9]+}/`)', { path: '/v2/users' }, true],
    ['PathPrefix(`/v{n:[0-9]+}/`)', { path: '/vx/users' }, false],
    ['PathRegexp(`^/api/v[0-9]+/`)', { path: '/api/v2/users' }, true],
    ['PathRegexp(`^/api/v[0-9]+/`)', { path: '/api/vx/users' }, false],
    ['PathRegexp(`\\.(jpg|png)$`)', { path: '/img/a.png' }, true],
    ['PathRegexp(`\\.(jpg|png)$`)', { path: '/img/a.png.txt' }, false],
    ['PathRegexp(`(?i)\\.PNG\\z`)', { path: '/img/a.png' }, true],
  ])
})

t.test('Method', async (t) => {
  check(t, [
    ['Method(`GET`)', { method: 'GET' }, true],
    ['Method(`get`)', { method: 'GET' }, true],
    ['Method(`GET`)', { method: 'POST' }, false],
    ['Method(`GET`, `POST`)', { method: 'POST' }, true],
    ['Method(`GET`, `POST`)', { method: 'DELETE' }, false],
  ])
})

t.test('Header, Headers, HeaderRegexp, HeadersRegexp', async (t) => {
  check(t, [
    ['Header(`X-Env`, `prod`)', { headers: { 'x-env': 'prod' } }, true],
    ['Header(`x-env`, `prod`)', { headers: { 'x-env': 'prod' } }, true],
    ['Header(`X-Env`, `prod`)', { headers: { 'x-env': 'Prod' } }, false],
    ['Header(`X-Env`, `prod`)', { headers: {} }, false],
    ['Headers(`X-Env`, `prod`)', { headers: { 'x-env': 'prod' } }, true],
    ['Headers(`X-A`, `1`, `X-B`, `2`)', { headers: { 'x-a': '1', 'x-b': '2' } }, true],
    ['Headers(`X-A`, `1`, `X-B`, `2`)', { headers: { 'x-a': '1' } }, false],
    ['HeaderRegexp(`Content-Type`, `^application/(json|xml)`)', { headers: { 'content-type': 'application/json; charset=utf-8' } }, true],
    ['HeaderRegexp(`Content-Type`, `^application/(json|xml)`)', { headers: { 'content-type': 'text/html' } }, false],
    ['HeaderRegexp(`User-Agent`, `bot`)', { headers: { 'user-agent': 'Googlebot/2.1' } }, true],
    ['HeadersRegexp(`X-A`, `^[0-9]+$`)', { headers: { 'x-a': '123' } }, true],
    ['HeadersRegexp(`X-A`, `^[0-9]+$`)', { headers: { 'x-a': '12a' } }, false],
  ])
})

t.test('Query: v3 key/value, v2 key=value, form decoding', async (t) => {
  check(t, [
    ['Query(`mobile`, `true`)', { query: 'mobile=true' }, true],
    ['Query(`mobile`, `true`)', { query: 'a=1&mobile=true&b=2' }, true],
    ['Query(`mobile`, `true`)', { query: 'mobile=false' }, false],
    ['Query(`mobile`, `true`)', { query: 'mobile=true1' }, false],
    ['Query(`mobile`, `true`)', { query: 'xmobile=true' }, false],
    ['Query(`mobile`, `true`)', { query: 'mobile=false&mobile=true' }, true],
    ['Query(`mobile`, `true`)', { query: '' }, false],
    ['Query(`mobile=true`)', { query: 'mobile=true' }, true],
    ['Query(`mobile=true`)', { query: 'mobile=false' }, false],
    ['Query(`a=1`, `b=2`)', { query: 'b=2&a=1' }, true],
    ['Query(`a=1`, `b=2`)', { query: 'a=1' }, false],
    ['Query(`flag`)', { query: 'flag' }, true],
    ['Query(`flag`)', { query: 'flag=' }, true],
    ['Query(`flag`)', { query: 'flag=1' }, false],
    ['Query(`q`, `a b`)', { query: 'q=a+b' }, true],
    ['Query(`q`, `a b`)', { query: 'q=a%20b' }, true],
    ['Query(`q`, `a&b`)', { query: 'q=a%26b' }, true],
    ['Query(`q`, `é`)', { query: 'q=%C3%A9' }, true],
    ['Query(`q`, `é`)', { query: 'q=é' }, true],
    ['Query(`q`, `é`)', { query: 'q=e' }, false],
    ['Query(`q`, `x`)', { query: 'q=%zz&q=x' }, true],
    ['Query(`q`, `x`)', { query: 'q=x;y' }, false],
    ['QueryRegexp(`id`, `^[0-9]+$`)', { query: 'id=42' }, true],
    ['QueryRegexp(`id`, `^[0-9]+$`)', { query: 'id=4x' }, false],
    ['QueryRegexp(`id`, `^[0-9]+$`)', { query: 'other=42' }, false],
  ])
})

t.test('ClientIP: IPv4, IPv6, CIDR, mapped addresses', async (t) => {
  check(t, [
    ['ClientIP(`10.0.0.1`)', { ip: '10.0.0.1' }, true],
    ['ClientIP(`10.0.0.1`)', { ip: '10.0.0.2' }, false],
    ['ClientIP(`10.0.0.0/8`)', { ip: '10.200.3.4' }, true],
    ['ClientIP(`10.0.0.0/8`)', { ip: '11.0.0.1' }, false],
    ['ClientIP(`192.168.1.0/25`)', { ip: '192.168.1.127' }, true],
    ['ClientIP(`192.168.1.0/25`)', { ip: '192.168.1.128' }, false],
    ['ClientIP(`0.0.0.0/0`)', { ip: '203.0.113.9' }, true],
    ['ClientIP(`10.0.0.0/8`)', { ip: '::ffff:10.1.2.3' }, true],
    ['ClientIP(`10.0.0.0/8`)', { ip: '0000:0000:0000:0000:0000:ffff:0a01:0203' }, true],
    ['ClientIP(`127.0.0.1`)', { ip: '::ffff:127.0.0.1' }, true],
    ['ClientIP(`::1`)', { ip: '::1' }, true],
    ['ClientIP(`::1`)', { ip: '0:0:0:0:0:0:0:1' }, true],
    ['ClientIP(`::1`)', { ip: '::2' }, false],
    ['ClientIP(`2001:db8::/32`)', { ip: '2001:db8:1234::1' }, true],
    ['ClientIP(`2001:db8::/32`)', { ip: '2001:db9::1' }, false],
    ['ClientIP(`2001:db8::/33`)', { ip: '2001:db8:7fff::1' }, true],
    ['ClientIP(`2001:db8::/33`)', { ip: '2001:db8:8000::1' }, false],
    ['ClientIP(`fe80::/10`)', { ip: 'fe80::1%eth0' }, true],
    ['ClientIP(`::/0`)', { ip: '2001:db8::1' }, true],
    ['ClientIP(`::/0`)', { ip: '10.0.0.1' }, false],
    ['ClientIP(`10.0.0.0/8`)', { ip: '2001:db8::1' }, false],
    ['ClientIP(`10.0.0.0/8`, `2001:db8::/32`)', { ip: '2001:db8::1' }, true],
    ['ClientIP(`10.0.0.0/8`)', { ip: 'not-an-ip' }, false],
    ['ClientIP(`10.0.0.0/8`)', { ip: '' }, false],
    ['ClientIP(`10.0.0.0/8`)', { ip: '010.0.0.1' }, false],
  ])
})

t.test('operators combine matchers', async (t) => {
  const rule = 'Host(`a.example`) && (PathPrefix(`/api`) || Method(`POST`)) && !Header(`X-Block`, `1`)'
  check(t, [
    [rule, { host: 'a.example', path: '/api/x' }, true],
    [rule, { host: 'a.example', path: '/web', method: 'POST' }, true],
    [rule, { host: 'a.example', path: '/web' }, false],
    [rule, { host: 'b.example', path: '/api' }, false],
    [rule, { host: 'a.example', path: '/api', headers: { 'x-block': '1' } }, false],
    ['!Host(`a`) || Path(`/x`) && Method(`PUT`)', { host: 'a', path: '/x', method: 'PUT' }, true],
    ['!Host(`a`) || Path(`/x`) && Method(`PUT`)', { host: 'a', path: '/x' }, false],
    ['!Host(`a`) || Path(`/x`) && Method(`PUT`)', { host: 'b' }, true],
  ])
})

t.test('ClientIP is read lazily', async (t) => {
  let calls = 0
  const r = { ...req({ host: 'b' }), clientIP: () => { calls++; return '10.0.0.1' } }
  t.equal(compileRule(parseRule('Host(`a`) && ClientIP(`10.0.0.0/8`)'))(r), false)
  t.equal(calls, 0, 'not called when an earlier matcher already failed')
  t.equal(compileRule(parseRule('ClientIP(`10.0.0.0/8`)'))(r), true)
  t.equal(calls, 1)
})

t.test('compileRule validates hand-built trees', async (t) => {
  t.throws(() => compileRule({ kind: 'matcher', name: 'Nope', args: ['a'], position: 3 }), { code: 'RULE_UNKNOWN_MATCHER', position: 3 })
  t.throws(() => compileRule({ kind: 'matcher', name: 'ClientIP', args: ['x'], position: 2 }), { code: 'RULE_BAD_CIDR', position: 2 })
  t.throws(() => compileRule({ kind: 'matcher', name: 'Host', args: [], position: 0 }), { code: 'RULE_ARG_COUNT' })
})

t.test('beyondHosts: what a rule leaves to check once the host index found its host', async (t) => {
  const show = (n: RuleNode | null): string =>
    n === null ? 'nothing' : n.kind === 'matcher' ? n.name : n.kind === 'not' ? `!${show(n.expr)}` : `(${show(n.left)} ${n.kind} ${show(n.right)})`
  const left = (rule: string) => show(beyondHosts(parseRule(rule)))
  t.equal(left('Host(`a`)'), 'nothing')
  t.equal(left('Host(`a`) || Host(`b`)'), 'nothing')
  t.equal(left('Host(`a`) && PathPrefix(`/api`)'), 'PathPrefix')
  t.equal(left('PathPrefix(`/api`) && Host(`a`)'), 'PathPrefix')
  t.equal(left('(Host(`a`) || Host(`b`)) && Method(`GET`) && Path(`/x`)'), '(Method and Path)')
  t.equal(left('Host(`a`) && !Host(`b`)'), '!Host', 'a negated Host is a condition of its own')
  t.equal(left('(Host(`a`) && Path(`/x`)) || Host(`b`)'), '((Host and Path) or Host)', 'under OR the Host says which branch')
  t.equal(left('Host(`a`) && (Path(`/x`) || Host(`b`))'), '(Path or Host)')
  t.ok(hostOnly(parseRule('Host(`a`) || Host(`b`, `c`)')))
  t.notOk(hostOnly(parseRule('Host(`a`) && Host(`a`)')))
})
