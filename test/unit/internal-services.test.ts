// Routers to Traefik's internal services (api@internal, dashboard@internal,
// ping@internal, prometheus@internal, noop@internal), from labels and files in
// the shapes real compose files and dynamic configs use: served when the static
// config enables the service (to its Unix socket, after the router's
// middlewares), disabled with Traefik's reason when it does not.
import t, { type Test } from 'tap'
import { INTERNAL_PROVIDER, internalConfig, enabledInternalServices } from '../../src/config/internal-services.js'
import { parseStaticConfig } from '../../src/config/parse.js'
import { createLogger } from '../../src/log.js'
import { Aggregator } from '../../src/primary/aggregator.js'
import { Publisher } from '../../src/primary/publisher.js'
import { RuntimeState } from '../../src/primary/state.js'
import { buildConfig } from '../../src/providers/docker/builder.js'
import type { ContainerInfo } from '../../src/providers/docker/container.js'
import { buildFileConfig } from '../../src/providers/file/build.js'
import { RouteTable } from '../../src/table/reader.js'
import { buildOptions, ctr } from '../helpers/containers.js'

const log = createLogger({ level: 'ERROR', format: 'common' })
const BCRYPT = 'admin:$2y$05$uaEd7wbK4yKDaF9TgX1LzOv0fcX9cUIAuP7zA4/1a3RUJdUT5tj6W'

function primary(t: Test, flags: string[]) {
  const sc = parseStaticConfig(['--entrypoints.web.address=:80', '--providers.docker', ...flags], {})
  const state = new RuntimeState(sc)
  let table: RouteTable | undefined
  const publisher = new Publisher(state, ['web'], log, (ref) => (table = new RouteTable(ref.buffer)))
  const aggregator = new Aggregator({ throttleMs: 0, onConfig: (merged, _info, annotations) => publisher.apply(merged, annotations) })
  t.teardown(() => aggregator.close())
  const sockets = new Map(enabledInternalServices(sc).map((s) => [s, `/run/pier-test/${s}.sock`] as const))
  aggregator.update(INTERNAL_PROVIDER, internalConfig(sc, sockets))
  return {
    state,
    table: () => table!,
    // Each resolves once the table is compiled (after the middleware kinds it names are imported).
    async docker(list: ContainerInfo[]) {
      const built = buildConfig(list, buildOptions())
      aggregator.update('docker', built.config, built.annotations)
      await publisher.settled()
    },
    async file(text: string) {
      const built = buildFileConfig([{ file: 'dyn.yml', text }])
      t.same(built.errors, [], 'the file loads')
      aggregator.update('file', built.config!)
      await publisher.settled()
    },
  }
}

/** The router is in the table and its service's one server is the internal socket. */
function servedBySocket(t: Test, table: RouteTable, router: string, service: string): void {
  const r = table.routerIndex(router)
  t.ok(r >= 0, `${router} is routed`)
  const s = table.serviceOf(r)
  t.equal(table.serviceNames[s], service)
  const v = table.firstServer(s)
  t.equal(table.serverCountOf(s), 1)
  t.equal(table.port(v), 0, 'a Unix socket, not a port')
  t.equal(table.serverHosts[v], `/run/pier-test/${service.slice(0, -'@internal'.length)}.sock`)
}

/** A want string: the router is enabled and served by that internal service; a pattern: it is disabled with that reason and not routed. */
function expectRouter(t: Test, p: ReturnType<typeof primary>, router: string, want: string | RegExp): void {
  const r = p.state.routers[router]!
  if (typeof want === 'string') {
    t.equal(r.status, 'enabled', r.errors.join('; '))
    servedBySocket(t, p.table(), router, want)
  } else {
    t.equal(r.status, 'disabled')
    t.match(r.errors.join('\n'), want)
    t.notOk(p.table().routerNames.includes(router), 'not routed')
  }
}

// The dashboard on the Traefik container's own labels, as in most compose files.
const dashboardLabels = {
  'traefik.enable': 'true',
  'traefik.http.routers.dashboard.rule': 'Host(`traefik.example.com`)',
  'traefik.http.routers.dashboard.service': 'api@internal',
  'traefik.http.routers.dashboard.middlewares': 'auth',
  'traefik.http.routers.dashboard.entrypoints': 'web',
  'traefik.http.middlewares.auth.basicauth.users': BCRYPT,
}

// [what, static flags, container labels, router, expected service or error]
const labelCases: Array<[string, string[], Record<string, string>, string, string | RegExp]> = [
  ['api@internal behind basicAuth', ['--api'], dashboardLabels, 'dashboard@docker', 'api@internal'],
  ['api@internal with api.insecure=false spelled out', ['--api.insecure=false', '--api.dashboard=true'], dashboardLabels, 'dashboard@docker', 'api@internal'],
  ['api@internal without --api', [], dashboardLabels, 'dashboard@docker', /^api is not enabled \(--api\)$/],
  ['dashboard@internal', ['--api'], { ...dashboardLabels, 'traefik.http.routers.dashboard.service': 'dashboard@internal' }, 'dashboard@docker', 'dashboard@internal'],
  ['dashboard@internal with api.dashboard=false', ['--api', '--api.dashboard=false'], { ...dashboardLabels, 'traefik.http.routers.dashboard.service': 'dashboard@internal' }, 'dashboard@docker', /^the dashboard is not enabled/],
  ['ping@internal', ['--ping.manualRouting=true'], { 'traefik.http.routers.ping.rule': 'Host(`ping.example.com`)', 'traefik.http.routers.ping.service': 'ping@internal' }, 'ping@docker', 'ping@internal'],
  ['ping@internal without --ping', [], { 'traefik.http.routers.ping.rule': 'Path(`/ping`)', 'traefik.http.routers.ping.service': 'ping@internal' }, 'ping@docker', /^ping is not enabled \(--ping\)$/],
  ['prometheus@internal', ['--metrics.prometheus.manualRouting'], { 'traefik.http.routers.metrics.rule': 'Host(`metrics.example.com`) && Path(`/metrics`)', 'traefik.http.routers.metrics.service': 'prometheus@internal', 'traefik.http.routers.metrics.middlewares': 'auth', 'traefik.http.middlewares.auth.basicauth.users': BCRYPT }, 'metrics@docker', 'prometheus@internal'],
  ['prometheus@internal without metrics', [], { 'traefik.http.routers.metrics.rule': 'Path(`/metrics`)', 'traefik.http.routers.metrics.service': 'prometheus@internal' }, 'metrics@docker', /^prometheus is not enabled/],
  ['noop@internal with a redirect', [], { 'traefik.http.routers.http-catchall.rule': 'HostRegexp(`{host:.+}`)', 'traefik.http.routers.http-catchall.service': 'noop@internal', 'traefik.http.routers.http-catchall.middlewares': 'to-https', 'traefik.http.middlewares.to-https.redirectscheme.scheme': 'https' }, 'http-catchall@docker', 'noop@internal'],
  ['an internal service pier lacks', ['--api'], { 'traefik.http.routers.rest.rule': 'PathPrefix(`/api/providers`)', 'traefik.http.routers.rest.service': 'rest@internal' }, 'rest@docker', /^unknown internal service rest@internal/],
]

for (const [what, flags, labels, router, want] of labelCases) {
  t.test(`labels: ${what}`, async (t) => {
    const p = primary(t, flags)
    await p.docker([ctr('traefik', { labels }), ctr('whoami')])
    expectRouter(t, p, router, want)
    t.ok(p.table().routerNames.includes('whoami@docker'), 'other routers still are')
  })
}

t.test('labels: the middleware runs before api@internal (the chain is in the table)', async (t) => {
  const p = primary(t, ['--api'])
  await p.docker([ctr('traefik', { labels: dashboardLabels })])
  const table = p.table()
  const chain = table.chain(table.routerIndex('dashboard@docker'), 0)
  t.same(chain.map((m) => table.middlewareTypes[m]), ['basicAuth'])
})

// Dynamic files as real setups write them: [what, static flags, file, router, expected service or error]
const fileCases: Array<[string, string[], string, string, string | RegExp]> = [
  ['api@internal from a file, behind basicAuth', ['--api'], `
http:
  routers:
    dashboard:
      rule: Host(\`traefik.example.com\`) && (PathPrefix(\`/api\`) || PathPrefix(\`/dashboard\`))
      service: api@internal
      middlewares: [auth]
  middlewares:
    auth:
      basicAuth:
        users: ["${BCRYPT}"]
`, 'dashboard@file', 'api@internal'],
  ['dashboard@internal behind a stripPrefix', ['--api'], `
http:
  routers:
    dash:
      rule: PathPrefix(\`/dashboard\`)
      service: dashboard@internal
      middlewares: [strip]
  middlewares:
    strip:
      stripPrefix:
        prefixes: [/dashboard/, /dashboard]
`, 'dash@file', 'dashboard@internal'],
  ['ping@internal from a file', ['--ping'], `
http:
  routers:
    ping:
      rule: Host(\`health.example.com\`)
      service: ping@internal
`, 'ping@file', 'ping@internal'],
  ['noop@internal from a file (redirect router)', [], `
http:
  routers:
    redirect:
      rule: HostRegexp(\`^.+$\`)
      service: noop@internal
      middlewares: [https]
  middlewares:
    https:
      redirectScheme:
        scheme: https
        permanent: true
`, 'redirect@file', 'noop@internal'],
  ['api@internal from a file without --api', [], `
http:
  routers:
    api:
      rule: Host(\`traefik.example.com\`)
      service: api@internal
`, 'api@file', /^api is not enabled/],
]

for (const [what, flags, text, router, want] of fileCases) {
  t.test(`file: ${what}`, async (t) => {
    const p = primary(t, flags)
    await p.file(text)
    expectRouter(t, p, router, want)
  })
}

t.test('ping.entryPoint on an ordinary entrypoint: Traefik\'s own ping router there, proxied traffic beside it', async (t) => {
  const p = primary(t, ['--ping.entryPoint=web'])
  await p.docker([ctr('whoami', { labels: { 'traefik.http.routers.all.rule': 'PathPrefix(`/`)' } })])
  const r = p.state.routers['ping@internal']!
  t.match(r, { rule: 'PathPrefix(`/ping`)', service: 'ping@internal', entryPoints: ['web'], status: 'enabled' })
  servedBySocket(t, p.table(), 'ping@internal', 'ping@internal')
  const table = p.table()
  t.ok(table.priority(table.routerIndex('ping@internal')) > table.priority(table.routerIndex('all@docker')), 'it wins over a catch-all')
})

t.test('metrics.prometheus.entryPoint on an ordinary entrypoint: Traefik\'s prometheus router there', async (t) => {
  const p = primary(t, ['--metrics.prometheus.entryPoint=web'])
  t.match(p.state.routers['prometheus@internal'], { rule: 'PathPrefix(`/metrics`)', service: 'prometheus@internal', entryPoints: ['web'], status: 'enabled' })
  servedBySocket(t, p.table(), 'prometheus@internal', 'prometheus@internal')
  t.notOk(primary(t, ['--metrics.prometheus.entryPoint=web', '--metrics.prometheus.manualRouting']).state.routers['prometheus@internal'], 'not with manualRouting')
})

t.test('ping.manualRouting, or ping on traefik: no ping router of pier\'s own', async (t) => {
  for (const flags of [['--ping.entryPoint=web', '--ping.manualRouting'], ['--ping']]) {
    const p = primary(t, flags)
    t.notOk(p.state.routers['ping@internal'], flags.join(' '))
  }
})

t.test('only what the static config enables is offered', async (t) => {
  const flags = (argv: string[]) => enabledInternalServices(parseStaticConfig(['--entrypoints.web.address=:80', ...argv], {}))
  t.same(flags([]), ['noop'])
  t.same(flags(['--api']), ['api', 'dashboard', 'noop'])
  t.same(flags(['--api.dashboard=false']), ['api', 'noop'])
  t.same(flags(['--api', '--ping', '--metrics.prometheus']), ['api', 'dashboard', 'ping', 'prometheus', 'noop'])
})

t.test('a router on an entrypoint pier serves itself is told so', async (t) => {
  const { compileTable } = await import('../../src/table/compile.js')
  const config = { http: { routers: { 'r@file': { rule: 'Host(`a`)', service: 's@file', entryPoints: ['traefik'] } }, services: { 's@file': { loadBalancer: { servers: [{ url: 'http://127.0.0.1:1' }] } } } } }
  const { report } = compileTable(config, ['web'], 1, undefined, { ownEntryPoints: new Set(['traefik']) })
  t.match(report.routerErrors['r@file'], [/^entryPoint "traefik" is served by pier itself \(api\.insecure, ping or metrics there\), not by routers$/])
})
