// TLS routers from Docker labels through the primary (aggregator, publisher,
// certificate store) to the table: served on TLS entrypoints only, handed to
// the ACME resolvers with their Host names, and disabled with the reason when
// they name a resolver or options pier cannot use.
import t, { type Test } from 'tap'
import { parseStaticConfig } from '../../src/config/parse.js'
import { createLogger } from '../../src/log.js'
import { Aggregator } from '../../src/primary/aggregator.js'
import { Publisher } from '../../src/primary/publisher.js'
import { RuntimeState } from '../../src/primary/state.js'
import { buildConfig } from '../../src/providers/docker/builder.js'
import { RouteTable } from '../../src/table/reader.js'
import { CertificateStore, type TlsRouter } from '../../src/tls/store.js'
import { buildOptions, ctr } from '../helpers/containers.js'

const log = createLogger({ level: 'ERROR', format: 'common' })

function primary(t: Test) {
  const config = parseStaticConfig(
    [
      '--entrypoints.web.address=:80',
      '--entrypoints.websecure.address=:443',
      '--certificatesresolvers.le.acme.httpchallenge.entrypoint=web',
      '--certificatesresolvers.dns.acme.dnschallenge.provider=cloudflare',
    ],
    {},
  )
  const state = new RuntimeState(config)
  const store = new CertificateStore(config, log)
  t.teardown(async () => {
    await store.snapshot()
    store.files.remove()
  })
  let routers: readonly TlsRouter[] = []
  store.onRouters = (r) => (routers = r)
  let table: RouteTable | undefined
  const publisher = new Publisher(state, ['web', 'websecure'], log, (ref) => (table = new RouteTable(ref.buffer)), { options: (c) => store.compileOptions(c), compiled: (c, r) => store.compiled(c, r) })
  const aggregator = new Aggregator({ throttleMs: 0, onConfig: (merged, _i, annotations) => publisher.apply(merged, annotations) })
  t.teardown(() => aggregator.close())
  return { state, table: () => table!, routers: () => routers, docker: (labels: Record<string, Record<string, string>>) => aggregator.update('docker', buildConfig(Object.entries(labels).map(([n, l]) => ctr(n, { labels: l })), buildOptions()).config) }
}

/** The router index serving host on the entrypoint, -1 for none. */
const ep = (table: RouteTable, name: string, host: string): number =>
  table.match({ host, path: '/', query: '', method: 'GET', header: () => '', clientIP: () => '127.0.0.1' }, table.entryPoints.indexOf(name))

t.test('a TLS router from labels is served on websecure only; a plain one on web only', async (t) => {
  const p = primary(t)
  p.docker({
    app: { 'traefik.http.routers.app.rule': 'Host(`app.test`)', 'traefik.http.routers.app.tls.certresolver': 'le' },
    plain: { 'traefik.http.routers.plain.rule': 'Host(`plain.test`)' },
  })
  t.equal(p.state.routers['app@docker']!.status, 'enabled')
  t.same(p.state.routers['app@docker']!.errors, [])
  t.ok(ep(p.table(), 'websecure', 'app.test') >= 0, 'app on websecure')
  t.equal(ep(p.table(), 'web', 'app.test'), -1, 'app not on web')
  t.ok(ep(p.table(), 'web', 'plain.test') >= 0, 'plain on web')
  t.equal(ep(p.table(), 'websecure', 'plain.test'), -1, 'plain not on websecure')
  t.same(p.routers(), [{ name: 'app@docker', tls: { certResolver: 'le' }, hosts: ['app.test'] }], 'handed to the resolvers with its Host names')
})

t.test('a resolver or options pier cannot use disables the router, naming it', async (t) => {
  const p = primary(t)
  p.docker({
    a: { 'traefik.http.routers.a.rule': 'Host(`a.test`)', 'traefik.http.routers.a.tls.certresolver': 'nope' },
    b: { 'traefik.http.routers.b.rule': 'Host(`b.test`)', 'traefik.http.routers.b.tls.certresolver': 'dns' },
    c: { 'traefik.http.routers.c.rule': 'Host(`c.test`)', 'traefik.http.routers.c.tls.options': 'missing' },
    d: { 'traefik.http.routers.d.rule': 'Host(`d.test`)', 'traefik.http.routers.d.tls': 'true', 'traefik.http.routers.d.entrypoints': 'web' },
  })
  const err = (r: string) => p.state.routers[`${r}@docker`]!.errors.join('\n')
  t.match(err('a'), /tls\.certResolver nope: no certificate resolver named "nope"/)
  t.match(err('b'), /tls\.certResolver dns: the ACME dnsChallenge .* is not supported/)
  t.match(err('c'), /tls\.options "missing": no TLS options named "missing@docker"/)
  t.match(err('d'), /entrypoint web serves plain HTTP: a TLS router is served on TLS entrypoints only/)
  for (const r of ['a', 'b', 'c', 'd']) t.equal(p.state.routers[`${r}@docker`]!.status, 'disabled')
  t.equal(p.table().routerCount, 0, 'none is routed')
})

t.test('a router with a certResolver but no Host or domains is named once, nothing is ordered', async (t) => {
  const config = parseStaticConfig(['--entrypoints.websecure.address=:443', '--certificatesresolvers.le.acme.httpchallenge.entrypoint=websecure', `--certificatesresolvers.le.acme.storage=${t.testdir({})}/acme.json`], {})
  const lines: string[] = []
  const sink = { debug() {}, info() {}, error: (m: string) => lines.push(m), warn: (m: string, f?: Record<string, unknown>) => lines.push(`${m} ${JSON.stringify(f)}`), enabled: () => true, with: () => sink }
  const { Resolvers } = await import('../../src/tls/acme/resolvers.js')
  const resolvers = new Resolvers(config, sink, () => {})
  t.teardown(() => resolvers.stop())
  const router = { name: 'any@docker', tls: { certResolver: 'le' }, hosts: null }
  resolvers.update([router])
  resolvers.start()
  resolvers.update([router])
  t.same(lines, ['no domain to order a certificate for: the rule names no Host and the router no tls.domains {"routerName":"any@docker","resolver":"le"}'])
})
