// Fail closed, from labels and files to the route table: a router that asks
// for something pier does not honour is disabled with the reason naming the
// label or key, counted in /api/overview, and absent from the table; a label
// that changes nothing about who may reach what only warns.
import t, { type Test } from 'tap'
import { overview, rawData } from '../../src/api/traefik.js'
import { parseStaticConfig } from '../../src/config/parse.js'
import { createLogger } from '../../src/log.js'
import { Aggregator } from '../../src/primary/aggregator.js'
import { Publisher } from '../../src/primary/publisher.js'
import { RuntimeState } from '../../src/primary/state.js'
import { buildConfig } from '../../src/providers/docker/builder.js'
import type { ContainerInfo } from '../../src/providers/docker/container.js'
import { checkRule } from '../../src/providers/docker/settings.js'
import { buildFileConfig } from '../../src/providers/file/build.js'
import { RouteTable } from '../../src/table/reader.js'
import { buildOptions, ctr } from '../helpers/containers.js'

const log = createLogger({ level: 'ERROR', format: 'common' })

function primary(t: Test) {
  const state = new RuntimeState(parseStaticConfig(['--entrypoints.web.address=:80', '--providers.docker', '--api.insecure'], {}))
  let table: RouteTable | undefined
  const publisher = new Publisher(state, ['web'], log, (ref) => (table = new RouteTable(ref.buffer)))
  const aggregator = new Aggregator({ throttleMs: 0, onConfig: (merged, _info, annotations) => publisher.apply(merged, annotations) })
  t.teardown(() => aggregator.close())
  return {
    state,
    table: () => table!,
    // Each resolves once the table is compiled (after the middleware kinds it names are imported).
    async docker(list: ContainerInfo[], v1 = false) {
      const built = buildConfig(list, buildOptions({ checkRule, v1 }))
      aggregator.update('docker', built.config, built.annotations)
      await publisher.settled()
      return built
    },
    async file(text: string) {
      const built = buildFileConfig([{ file: 'dyn.yml', text }])
      t.same(built.errors, [], 'the file loads')
      aggregator.update('file', built.config!)
      await publisher.settled()
      return built
    },
  }
}

const host = (name: string) => `Host(\`${name}.test\`)`

// [what, labels, router expected disabled with an error matching]
const disabling: [string, Record<string, string>, RegExp][] = [
  ['a missing middleware', { 'traefik.http.routers.r.middlewares': 'auth' }, /^middleware "auth@docker" does not exist$/],
  ['a missing middleware of another provider', { 'traefik.http.routers.r.middlewares': 'auth@file, secure' }, /^middleware "auth@file" does not exist$/],
  ['a middleware type pier lacks', { 'traefik.http.routers.r.middlewares': 'p', 'traefik.http.middlewares.p.plugin.foo.bar': 'x' }, /^middleware "p@docker": plugins are not supported$/],
  ['a middleware with an unknown option', { 'traefik.http.routers.r.middlewares': 's', 'traefik.http.middlewares.s.stripprefix.prefix': '/a' }, /^middleware "s@docker": label traefik\.http\.middlewares\.s\.stripprefix: unknown option prefix; did you mean prefixes\?$/],
  ['a middleware with a bad value', { 'traefik.http.routers.r.middlewares': 's', 'traefik.http.middlewares.s.redirectscheme.permanent': 'yes', 'traefik.http.middlewares.s.redirectscheme.scheme': 'https' }, /permanent must be true or false/],
  ['a middleware that does not compile', { 'traefik.http.routers.r.middlewares': 's', 'traefik.http.middlewares.s.replacepathregex.regex': '^/(a', 'traefik.http.middlewares.s.replacepathregex.replacement': '/b' }, /^middleware "s@docker": regex "\^\/\(a" is not a valid regular expression/],
  ['a middleware of two types', { 'traefik.http.routers.r.middlewares': 's', 'traefik.http.middlewares.s.stripprefix.prefixes': '/a', 'traefik.http.middlewares.s.addprefix.prefix': '/b' }, /defines several middleware types/],
  ['v2 tls without a TLS entrypoint', { 'traefik.http.routers.r.tls': 'true' }, /^no entrypoint serves TLS/],
  ['v2 tls with a bad value', { 'traefik.http.routers.r.tls': 'yes' }, /^no entrypoint serves TLS/],
  ['v2 certresolver alone', { 'traefik.http.routers.r.tls.certresolver': 'le' }, /^no entrypoint serves TLS/],
  ['v2 tls domains', { 'traefik.http.routers.r.tls.domains[0].main': 'r.test', 'traefik.http.routers.r.tls.domains[0].sans': 'www.r.test' }, /^no entrypoint serves TLS/],
  ['v2 unknown router field (a typo of middlewares)', { 'traefik.http.routers.r.middleware': 'auth' }, /^label traefik\.http\.routers\.r\.middleware: router field "middleware" is not known to pier$/],
  ['v2 gRPC health check', { 'traefik.http.services.r.loadbalancer.healthcheck.mode': 'grpc' }, /service "r@docker" is disabled: label traefik\.http\.services\.r\.loadbalancer\.healthcheck\.mode: gRPC health checks are not supported/],
  ['v2 bad health check interval', { 'traefik.http.services.r.loadbalancer.healthcheck.interval': 'often' }, /label traefik\.http\.services\.r\.loadbalancer\.healthcheck\.interval must be a positive duration such as 10s or 500ms, not "often"/],
  ['v2 sticky cookie with a bad max age', { 'traefik.http.services.r.loadbalancer.sticky.cookie.maxage': 'long' }, /label traefik\.http\.services\.r\.loadbalancer\.sticky\.cookie\.maxAge must be a whole number of seconds, not "long"/],
  ['v2 sticky with an unknown option', { 'traefik.http.services.r.loadbalancer.sticky.kookie': 'true' }, /label traefik\.http\.services\.r\.loadbalancer\.sticky\.kookie: not a sticky option/],
  ['v2 serversTransport that does not exist', { 'traefik.http.services.r.loadbalancer.serverstransport': 'insecure@file' }, /service "r@docker" is disabled: serversTransport "insecure@file" does not exist/],
  ['v2 unknown service field', { 'traefik.http.services.r.loadbalancer.servr.port': '80' }, /service field "loadbalancer\.servr\.port" is not known to pier/],
]

for (const [what, labels, error] of disabling) {
  t.test(`disabled: ${what}`, async (t) => {
    const p = primary(t)
    await p.docker([ctr('r', { labels: { 'traefik.http.routers.r.rule': host('r'), 'traefik.http.routers.r.service': 'r', ...labels } }), ctr('ok')])
    const r = p.state.routers['r@docker']!
    t.equal(r.status, 'disabled')
    t.match(r.errors.join('\n'), error)
    t.equal(r.rule, host('r'), 'shown with its definition')
    t.notOk(p.table().routerNames.includes('r@docker'), 'not routed')
    t.ok(p.table().routerNames.includes('ok@docker'), 'other routers still are')
    t.match(overview(p.state), { http: { routers: { total: 2, errors: 1 } } })
  })
}

// v1 frontends and backends: [what, labels, error]
const disablingV1: [string, Record<string, string>, RegExp][] = [
  ['basic auth with a hash pier does not know', { 'traefik.frontend.auth.basic.users': 'u:$apr1$x$y' }, /^middleware "r-auth@docker": user "u": the hash is not bcrypt/],
  ['redirect to another entrypoint', { 'traefik.frontend.redirect.entryPoint': 'https' }, /^label traefik\.frontend\.redirect\.entryPoint: redirecting to another entrypoint needs its TLS setting/],
  ['allow list trusting X-Forwarded-For', { 'traefik.frontend.whiteList.sourceRange': '10.0.0.0/8', 'traefik.frontend.whiteList.useXForwardedFor': 'true' }, /useXForwardedFor let any address in X-Forwarded-For through/],
  ['a bad rate limit extractor', { 'traefik.frontend.rateLimit.extractorFunc': 'client.mood' }, /extractorFunc "client\.mood" is not client\.ip/],
  ['an unknown header option', { 'traefik.frontend.headers.fooBar': 'x' }, /frontend option "headers\.foobar" is not known to pier/],
  ['unknown frontend option', { 'traefik.frontend.foo': 'x' }, /frontend option "foo" is not known to pier/],
  ['stickiness that is neither true nor false', { 'traefik.backend.loadbalancer.stickiness': 'yes' }, /label traefik\.backend\.loadbalancer\.stickiness: "yes" is not true or false/],
  ['a connection limit of nothing', { 'traefik.backend.maxconn.amount': '0' }, /^middleware "r-maxconn@docker": amount must be at least 1$/],
]

for (const [what, labels, error] of disablingV1) {
  t.test(`disabled (v1): ${what}`, async (t) => {
    const p = primary(t)
    await p.docker([ctr('r', { labels: { 'traefik.frontend.rule': 'Host:r.test', 'traefik.backend': 'r', ...labels } })], true)
    const r = p.state.routers['r@docker']!
    t.equal(r.status, 'disabled')
    t.match(r.errors.join('\n'), error)
    t.same(p.table().routerNames, [], 'not routed')
  })
}

// Labels that change nothing about who may reach what: the router stays, with a warning.
const ignoring: [string, Record<string, string>][] = [
  ['observability', { 'traefik.http.routers.r.observability.accesslogs': 'false' }],
  ['v1 balancing method', { 'traefik.backend.loadbalancer.method': 'drr' }],
]

for (const [what, labels] of ignoring) {
  t.test(`still served, with a warning: ${what}`, async (t) => {
    const p = primary(t)
    const built = await p.docker([ctr('r', { labels: { 'traefik.http.routers.r.rule': host('r'), 'traefik.http.routers.r.service': 'r', 'traefik.http.services.r.loadbalancer.server.port': '80', ...labels } })])
    t.equal(built.warnings.length, 1, 'one warning, naming the label')
    t.equal(built.warnings[0]!.label, Object.keys(labels)[0])
    t.not(p.state.routers['r@docker']!.status, 'disabled')
    t.ok(p.table().routerNames.includes('r@docker'))
  })
}

t.test('responseForwarding.flushInterval is read (pier flushes at once, which meets any interval): no warning, shown in the API', async (t) => {
  const p = primary(t)
  const base = { 'traefik.http.routers.r.rule': host('r'), 'traefik.http.routers.r.service': 'r', 'traefik.http.services.r.loadbalancer.server.port': '80' }
  const built = await p.docker([ctr('r', { labels: { ...base, 'traefik.http.services.r.loadbalancer.responseforwarding.flushinterval': '-1' } })])
  t.same(built.warnings, [])
  t.equal(p.state.routers['r@docker']!.status, 'enabled')
  t.match(rawData(p.state), { services: { 'r@docker': { loadBalancer: { responseForwarding: { flushInterval: '-1' } } } } })
  const bad = await p.docker([ctr('r', { labels: { ...base, 'traefik.http.services.r.loadbalancer.responseforwarding.flushinterval': 'soon' } })])
  t.match(bad.warnings, [{ code: 'DOCKER_BAD_LABEL', label: 'traefik.http.services.r.loadbalancer.responseforwarding.flushinterval' }], 'a bad value is named and dropped')
  t.equal(p.state.routers['r@docker']!.status, 'enabled')
  await p.file(`
http:
  routers:
    f: { rule: "${host('f')}", service: s }
  services:
    s: { loadBalancer: { responseForwarding: { flushInterval: 100ms }, servers: [{ url: "http://127.0.0.1:1" }] } }
`)
  t.equal(p.state.routers['f@file']!.status, 'enabled')
  t.match(rawData(p.state), { services: { 's@file': { loadBalancer: { responseForwarding: { flushInterval: '100ms' } } } } })
})

t.test('a label-less router reference is not a TLS or middleware request', async (t) => {
  const p = primary(t)
  await p.docker([ctr('r', { labels: { 'traefik.http.routers.r.rule': host('r'), 'traefik.http.routers.r.tls': 'false', 'traefik.http.routers.r.middlewares': '' } })])
  t.equal(p.state.routers['r@docker']!.status, 'enabled')
})

t.test('TCP routers on an entrypoint pier lacks, and UDP routers, are listed disabled and counted', async (t) => {
  const p = primary(t)
  await p.docker([ctr('db', { labels: { 'traefik.tcp.routers.pg.rule': 'HostSNI(`*`)', 'traefik.tcp.routers.pg.entrypoints': 'pg', 'traefik.udp.routers.dns.service': 'dns' } })])
  t.match(p.state.tcpRouters['pg@docker'], { status: 'disabled', rule: 'HostSNI(`*`)', entryPoints: ['pg'], errors: [/entrypoint "pg" does not exist/] })
  t.match(p.state.udpRouters['dns@docker'], { status: 'disabled', service: 'dns@docker', errors: [/the service "dns@docker" does not exist/, /there is no UDP entrypoint/] })
  t.match(overview(p.state), { tcp: { routers: { total: 1, errors: 1 } }, udp: { routers: { total: 1, errors: 1 } } })
  t.match(rawData(p.state), { tcpRouters: { 'pg@docker': { status: 'disabled' } }, udpRouters: { 'dns@docker': { status: 'disabled' } } })
})

t.test('file provider: the same rules, with the key named', async (t) => {
  const p = primary(t)
  await p.file(`
http:
  routers:
    admin: { rule: "${host('admin')}", service: s, middlewares: [auth] }
    secure: { rule: "${host('secure')}", service: s, tls: { certResolver: le } }
    checked: { rule: "${host('checked')}", service: hc }
    probed: { rule: "${host('probed')}", service: probed }
    open: { rule: "${host('open')}", service: s }
  services:
    s: { loadBalancer: { servers: [{ url: "http://127.0.0.1:1" }] } }
    hc: { loadBalancer: { healthCheck: { path: /h, mode: grpc }, servers: [{ url: "http://127.0.0.1:1" }] } }
    probed: { loadBalancer: { healthCheck: { path: /h }, servers: [{ url: "http://127.0.0.1:1" }] } }
`)
  const r = p.state.routers
  t.match(r['admin@file'], { status: 'disabled', middlewares: ['auth@file'], errors: ['middleware "auth@file" does not exist'] })
  t.match(r['secure@file'], { status: 'disabled', tls: { certResolver: 'le' }, errors: [/^no entrypoint serves TLS/] })
  t.match(r['checked@file'], { status: 'disabled', errors: [/service "hc@file" is disabled: loadBalancer\.healthCheck\.mode: gRPC health checks are not supported/] })
  t.match(p.state.services['hc@file'], { status: 'disabled', errors: [/loadBalancer\.healthCheck\.mode/] })
  t.equal(r['open@file']!.status, 'enabled')
  t.equal(r['probed@file']!.status, 'enabled', 'an http health check is honoured')
  t.same(p.table().routerNames, ['probed@file', 'open@file'])
  t.match(overview(p.state), { http: { routers: { total: 5, errors: 3 }, services: { total: 3, errors: 1 } } })
})
