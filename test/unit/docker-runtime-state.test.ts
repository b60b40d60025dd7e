// From container labels to what the API reads: the builder's annotations go
// through the aggregator (qualified name@docker) to the publisher, which shows
// dropped routers and services disabled and problems with kept ones as
// warnings, while the route table holds only what was kept.
import t, { type Test } from 'tap'
import { overview } from '../../src/api/traefik.js'
import { parseStaticConfig } from '../../src/config/parse.js'
import { createLogger } from '../../src/log.js'
import { Aggregator } from '../../src/primary/aggregator.js'
import { Publisher } from '../../src/primary/publisher.js'
import { RuntimeState } from '../../src/primary/state.js'
import { buildConfig } from '../../src/providers/docker/builder.js'
import type { ContainerInfo } from '../../src/providers/docker/container.js'
import { checkRule } from '../../src/providers/docker/settings.js'
import { RouteTable } from '../../src/table/reader.js'
import { buildOptions, ctr } from '../helpers/containers.js'

const log = createLogger({ level: 'ERROR', format: 'common' })

/** Containers in, RuntimeState and the published route table out, as the primary wires them. */
function primary(t: Test) {
  const state = new RuntimeState(parseStaticConfig(['--entrypoints.web.address=:80', '--providers.docker', '--api.insecure'], {}))
  let table: RouteTable | undefined
  const publisher = new Publisher(state, ['web'], log, (ref) => (table = new RouteTable(ref.buffer)))
  const aggregator = new Aggregator({ throttleMs: 0, onConfig: (merged, _info, annotations) => publisher.apply(merged, annotations) })
  t.teardown(() => aggregator.close())
  const opts = buildOptions({ checkRule })
  return {
    state,
    table: () => table!,
    containers(list: ContainerInfo[]) {
      const { config, annotations } = buildConfig(list, opts)
      aggregator.update('docker', config, annotations)
    },
  }
}

const at = (ip: string) => ({ networks: [{ name: 'bridge', ip }] })

t.test('a router defined differently by two containers is disabled, naming both, and is not routed', async (t) => {
  const p = primary(t)
  const r = (host: string) => ({ 'traefik.http.routers.r.rule': `Host(\`${host}\`)`, 'traefik.http.services.pool.loadbalancer.server.port': '80' })
  p.containers([ctr('alpha', { labels: r('r.test'), ...at('172.17.0.2') }), ctr('beta', { labels: r('other.test'), ...at('172.17.0.3') })])
  t.match(p.state.routers['r@docker'], {
    name: 'r@docker',
    provider: 'docker',
    status: 'disabled',
    errors: ['router "r" is defined differently by containers alpha, beta; it is dropped'],
  })
  t.notOk(p.table().routerNames.includes('r@docker'), 'not in the route table')
  t.match(p.state.services['pool@docker'], { status: 'enabled', errors: [] }, 'the service they agree on is kept')
  t.match(overview(p.state), { http: { routers: { total: 1, warnings: 0, errors: 1 }, services: { total: 1, warnings: 0, errors: 0 } } })

  p.containers([ctr('alpha', { labels: r('r.test'), ...at('172.17.0.2') }), ctr('gamma', { labels: r('r.test'), ...at('172.17.0.4') })])
  t.match(p.state.routers['r@docker'], { status: 'enabled', rule: 'Host(`r.test`)', service: 'pool@docker', errors: [] }, 'enabled once they agree')
  t.ok(p.table().routerNames.includes('r@docker'), 'and routed')
  t.same(p.state.services['pool@docker']!.servers.map((s) => s.url), ['http://172.17.0.2:80', 'http://172.17.0.4:80'])
})

t.test('a bad rule label disables that router only', async (t) => {
  const p = primary(t)
  p.containers([ctr('app', { labels: { 'traefik.http.routers.bad.rule': 'Host(`x.test`', 'traefik.http.routers.good.rule': 'Host(`good.test`)' } })])
  const bad = p.state.routers['bad@docker']!
  t.equal(bad.status, 'disabled')
  t.equal(bad.errors.length, 1)
  t.match(bad.errors[0], /^container app: label traefik\.http\.routers\.bad\.rule: .+ \(rule "Host\(`x\.test`"\)$/, 'names the container, the label and the rule')
  t.match(p.state.routers['good@docker'], { status: 'enabled', service: 'app@docker' })
  t.match(p.state.services['app@docker'], { status: 'enabled', usedBy: ['good@docker'] })
  t.same(p.table().routerNames, ['good@docker'])
  t.match(overview(p.state), { http: { routers: { total: 2, warnings: 0, errors: 1 } } })
})

t.test('a bad weight on one container: the service warns and keeps its other servers', async (t) => {
  const p = primary(t)
  const label = 'traefik.http.services.pool.loadbalancer.server.weight'
  const member = (name: string, ip: string, weight: string) => ctr(name, { labels: { 'traefik.http.routers.pool.rule': 'Host(`pool.test`)', [label]: weight }, ...at(ip) })
  p.containers([member('m1', '172.17.0.2', '2'), member('m2', '172.17.0.3', 'heavy'), member('m3', '172.17.0.4', '2')])
  const s = p.state.services['pool@docker']!
  t.equal(s.status, 'warning')
  t.same(s.errors, [`container m2: label ${label}: "heavy" is not an integer between 0 and 2147483647`])
  t.same(s.servers.map((v) => [v.url, v.weight]), [['http://172.17.0.2:80', 2], ['http://172.17.0.4:80', 2]])
  t.match(p.state.routers['pool@docker'], { status: 'enabled', errors: [] })
  t.same(p.table().serverUrls, ['http://172.17.0.2:80', 'http://172.17.0.4:80'], 'the table serves the other two')
  t.match(overview(p.state), { http: { routers: { total: 1, warnings: 0, errors: 0 }, services: { total: 1, warnings: 1, errors: 0 } } })
})

t.test('a service dropped for a conflict is disabled, and so are the routers using it', async (t) => {
  const p = primary(t)
  const pass = (v: string) => ({ 'traefik.http.services.pool.loadbalancer.passhostheader': v })
  p.containers([ctr('p1', { labels: pass('true') }), ctr('p2', { labels: pass('false') })])
  const why = 'service "pool" is defined differently by containers p1, p2; it is dropped'
  t.match(p.state.services['pool@docker'], { status: 'disabled', errors: [why], servers: [] })
  t.match(p.state.routers['p1@docker'], { status: 'disabled', errors: [why] })
  t.match(p.state.routers['p2@docker'], { status: 'disabled', errors: [why] })
  t.same(p.table().routerNames, [])
  t.same(p.table().serviceNames, [])
})
