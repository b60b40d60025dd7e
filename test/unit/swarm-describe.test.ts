// The Swarm describer and the Docker label builder together, on plain Swarm
// state shaped as a manager's API gives it: which tasks serve, on which
// address, under which names, and what a service gets when it lacks a port.
import t from 'tap'
import { buildConfig } from '../../src/providers/docker/builder.js'
import { describeSwarm, inMotion } from '../../src/providers/swarm/describe.js'
import { fromApiNetwork, fromApiService, fromApiTask, nodeReady, type SwarmService, type SwarmState, type SwarmTask } from '../../src/providers/swarm/model.js'
import { buildOptions } from '../helpers/containers.js'

const NET = { id: 'net1', name: 'proxy', ingress: false }
const INGRESS = { id: 'ing', name: 'ingress', ingress: true }

function service(name: string, labels: Record<string, string>, over: Partial<SwarmService> = {}): SwarmService {
  return { id: `id-${name}`, name, labels, replicas: 1, global: false, endpointMode: 'dnsrr', vips: [], updating: false, ...over }
}

function task(svc: string, slot: number, ip: string, over: Partial<SwarmTask> = {}): SwarmTask {
  return { id: `t-${svc}-${slot}`, serviceId: `id-${svc}`, slot, nodeId: 'n1', state: 'running', desiredState: 'running', networks: [{ name: 'proxy', ip, ingress: false }], ...over }
}

function state(services: SwarmService[], tasks: SwarmTask[], nodes: [string, boolean][] = [['n1', true], ['n2', true]]): SwarmState {
  return { services, tasks, nodes: new Map(nodes), networks: new Map([NET, INGRESS].map((n) => [n.id, n])) }
}

const swarmOpts = buildOptions({ provider: 'swarm', localEngine: false })

function build(s: SwarmState, over = {}) {
  const { instances, warnings } = describeSwarm(s)
  return { ...buildConfig(instances, { ...swarmOpts, ...over }), notes: warnings }
}

const V2 = { 'traefik.http.routers.who.rule': 'Host(`who.lan`)', 'traefik.http.services.who.loadbalancer.server.port': '80' }

t.test('running tasks of one service are the servers of one service, named after the service', async (t) => {
  const who = service('stack_who', { ...V2, 'com.docker.stack.namespace': 'stack' }, { replicas: 3 })
  const { config, warnings } = build(state([who], [task('stack_who', 1, '10.0.1.3'), task('stack_who', 2, '10.0.1.4'), task('stack_who', 3, '10.0.1.5', { nodeId: 'n2' })]))
  t.same(config.http.routers, { who: { rule: 'Host(`who.lan`)', service: 'who' } })
  t.same(config.http.services.who?.loadBalancer.servers.map((s) => s.url).sort(), ['http://10.0.1.3:80', 'http://10.0.1.4:80', 'http://10.0.1.5:80'])
  t.same(warnings, [])
})

t.test('label-less service: the default rule from the service name; the port label is asked for by name', async (t) => {
  const { config, warnings } = build(state([service('stack_web', {})], [task('stack_web', 1, '10.0.1.3')]))
  t.same(config.http.routers, {}, 'no port: no server, so nothing is routed')
  t.equal(warnings.length, 1)
  t.equal(warnings[0]!.code, 'DOCKER_NO_PORT')
  t.equal(warnings[0]!.message, 'service stack_web: a Swarm service has no port pier can see; add the label traefik.http.services.stack-web.loadbalancer.server.port=<port>')
  const ok = build(state([service('stack_web', { 'traefik.http.services.stack-web.loadbalancer.server.port': '8000' })], [task('stack_web', 1, '10.0.1.3')]))
  t.same(ok.config.http.routers, { 'stack-web': { rule: 'Host(`stack-web`)', service: 'stack-web' } }, "Traefik's default rule: the normalized service name")
})

t.test('v1 labels, with a domain: Host:<service>.<domain>; the v1 port label is the one asked for', async (t) => {
  const v1 = { 'traefik.port': '8000', 'traefik.backend': 'whoami' }
  const { config } = build(state([service('seed_whoami', v1)], [task('seed_whoami', 1, '10.0.1.3')]), { v1: true, domain: 'swarm.lan' })
  t.same(config.http.routers, { whoami: { rule: 'Host(`seed-whoami.swarm.lan`)', service: 'whoami' } })
  const rule = build(state([service('s', { ...v1, 'traefik.frontend.rule': 'Host:who.lan' })], [task('s', 1, '10.0.1.3')]), { v1: true })
  t.same(rule.config.http.routers.whoami, { rule: 'Host(`who.lan`)', service: 'whoami' })
  const noPort = build(state([service('s', { 'traefik.frontend.rule': 'Host:who.lan' })], [task('s', 1, '10.0.1.3')]), { v1: true })
  t.match(noPort.warnings[0]!.message, /^service s: a Swarm service has no port pier can see; add the label traefik\.port=<port>$/)
})

t.test('a task leaves rotation as soon as Swarm no longer wants it running, or its node is down', async (t) => {
  const tasks = [
    task('who', 1, '10.0.1.3'),
    task('who', 2, '10.0.1.4', { desiredState: 'shutdown' }), // being replaced: its container still runs for 2 s
    task('who', 3, '10.0.1.5', { state: 'starting' }),
    task('who', 4, '10.0.1.6', { nodeId: 'n2' }), // n2 is down
    task('who', 5, '10.0.1.7', { desiredState: 'remove' }),
  ]
  const { config } = build(state([service('who', V2, { replicas: 5 })], tasks, [['n1', true], ['n2', false]]))
  t.same(config.http.services.who?.loadBalancer.servers, [{ url: 'http://10.0.1.3:80' }])
})

t.test('no task running: 404 by default, 503 (an empty service) with allowEmptyServices', async (t) => {
  const s = state([service('who', V2)], [task('who', 1, '10.0.1.3', { state: 'preparing' })])
  t.same(build(s).config.http, { routers: {}, services: {} })
  const empty = build(s, { allowEmptyServices: true }).config.http
  t.same(empty.routers, { who: { rule: 'Host(`who.lan`)', service: 'who' } })
  t.same(empty.services, { who: { loadBalancer: { servers: [] } } })
})

t.test('networks: the ingress mesh is never used; the label or flag picks one of several; a stack network by its short name', async (t) => {
  const two = (over: Partial<SwarmTask> = {}) => task('stack_who', 1, '10.0.1.3', {
    networks: [{ name: 'ingress', ip: '10.0.0.9', ingress: true }, { name: 'stack_back', ip: '10.0.2.3', ingress: false }, { name: 'proxy', ip: '10.0.1.3', ingress: false }],
    ...over,
  })
  const ns = { 'com.docker.stack.namespace': 'stack' }
  const ambiguous = build(state([service('stack_who', { ...V2, ...ns })], [two()]))
  t.same(ambiguous.config.http.services, {})
  t.match(ambiguous.warnings[0]!.message, /service stack_who: is on several networks \(proxy, stack_back\); set the label traefik\.swarm\.network \(or traefik\.docker\.network\) or the provider's network option/)
  const byLabel = build(state([service('stack_who', { ...V2, ...ns, 'traefik.swarm.network': 'back' })], [two()]))
  t.same(byLabel.config.http.services.who?.loadBalancer.servers, [{ url: 'http://10.0.2.3:80' }], 'traefik.swarm.network=back finds stack_back')
  const byV2Label = build(state([service('stack_who', { ...V2, ...ns, 'traefik.docker.network': 'proxy' })], [two()]))
  t.same(byV2Label.config.http.services.who?.loadBalancer.servers, [{ url: 'http://10.0.1.3:80' }], 'traefik.docker.network too')
  const byFlag = build(state([service('stack_who', { ...V2, ...ns })], [two()]), { network: 'proxy' })
  t.same(byFlag.config.http.services.who?.loadBalancer.servers, [{ url: 'http://10.0.1.3:80' }])
  const onlyIngress = build(state([service('who', V2)], [task('who', 1, '10.0.0.9', { networks: [{ name: 'ingress', ip: '10.0.0.9', ingress: true }] })]))
  t.same(onlyIngress.config.http.services, {}, 'a task only on the ingress network has no usable address')
})

t.test('lbswarm: one server, the VIP on the chosen network (v3, v2 and v1 labels)', async (t) => {
  for (const key of ['traefik.swarm.lbswarm', 'traefik.docker.lbswarm', 'traefik.backend.loadbalancer.swarm']) {
    const vip = service('who', { ...V2, [key]: 'true' }, { endpointMode: 'vip', replicas: 3, vips: [{ networkId: 'ing', ip: '10.0.0.5' }, { networkId: 'net1', ip: '10.0.1.2' }] })
    const { config, warnings } = build(state([vip], [task('who', 1, '10.0.1.3'), task('who', 2, '10.0.1.4')]))
    t.same(config.http.services.who?.loadBalancer.servers, [{ url: 'http://10.0.1.2:80' }], key)
    t.same(warnings, [], `${key}: a known label`)
  }
  const dnsrr = service('who', { ...V2, 'traefik.docker.lbswarm': 'true' }, { endpointMode: 'dnsrr' })
  const { config, notes } = build(state([dnsrr], [task('who', 1, '10.0.1.3')]))
  t.same(config.http.services.who?.loadBalancer.servers, [{ url: 'http://10.0.1.3:80' }], 'dnsrr has no VIP: its tasks, as Traefik does')
  t.same(notes.map((n) => n.code), ['SWARM_LBSWARM_DNSRR'])
})

t.test("a global service's tasks are named by task id; constraints read service labels", async (t) => {
  const g = service('agent', { ...V2, tier: 'front' }, { global: true, replicas: undefined })
  const { instances } = describeSwarm(state([g], [task('agent', 0, '10.0.1.3', { slot: undefined, id: 'abc' })]))
  t.same(instances.map((i) => i.name), ['agent.abc'])
  const none = build(state([g], [task('agent', 0, '10.0.1.3', { slot: undefined })]), { constraint: (l: Record<string, string>) => l.tier === 'back' })
  t.same(none.config.http.routers, {})
})

t.test('two services defining one router differently: dropped, naming both services once', async (t) => {
  const a = service('a', { 'traefik.http.routers.r.rule': 'Host(`a`)', 'traefik.http.services.r.loadbalancer.server.port': '80' }, { replicas: 2 })
  const b = service('b', { 'traefik.http.routers.r.rule': 'Host(`b`)', 'traefik.http.services.s.loadbalancer.server.port': '80', 'traefik.http.routers.r.service': 's' })
  const { config, warnings } = build(state([a, b], [task('a', 1, '10.0.1.3'), task('a', 2, '10.0.1.4'), task('b', 1, '10.0.1.5')]))
  t.notOk(config.http.routers.r)
  t.ok(warnings.some((w) => w.message === 'router "r" is defined differently by services a, b; it is dropped'))
})

t.test('a router naming its service as <name>@swarm', async (t) => {
  const s = service('who', { ...V2, 'traefik.http.routers.who.service': 'who@swarm' })
  t.same(build(state([s], [])).config.http.routers, {}, 'its service has no server: left out, as for an unqualified name')
})

t.test('in motion: a rolling update, short replicas, a task on its way; settled otherwise', async (t) => {
  const settled = state([service('who', V2, { replicas: 2 })], [task('who', 1, '10.0.1.3'), task('who', 2, '10.0.1.4')])
  t.notOk(inMotion(settled))
  t.ok(inMotion({ ...settled, services: [service('who', V2, { replicas: 3 })] }), 'scaled up, the new task not listed yet')
  t.ok(inMotion({ ...settled, services: [service('who', V2, { replicas: 2, updating: true })] }), 'update under way')
  t.ok(inMotion({ ...settled, tasks: [task('who', 1, '10.0.1.3'), task('who', 2, '10.0.1.4', { state: 'starting' })] }), 'a task starting')
  t.ok(inMotion({ ...settled, nodes: new Map([['n1', false]]) }), 'its node is down: replacements are due')
  t.notOk(inMotion({ ...settled, services: [service('who', V2, { replicas: undefined, global: true })] }), 'global: settled when its tasks run')
})

t.test("the API's shapes", async (t) => {
  const svc = fromApiService({
    ID: 'wq9',
    Spec: { Name: 'seed_whoami', Labels: { 'traefik.port': '8000' }, Mode: { Replicated: { Replicas: 3 } }, EndpointSpec: { Mode: 'dnsrr' } },
    UpdateStatus: { State: 'updating' },
  })
  t.same(svc, { id: 'wq9', name: 'seed_whoami', labels: { 'traefik.port': '8000' }, replicas: 3, global: false, endpointMode: 'dnsrr', vips: [], updating: true })
  const vip = fromApiService({ ID: 'v', Spec: { Name: 'v', Mode: { Global: {} } }, Endpoint: { VirtualIPs: [{ NetworkID: 'ing', Addr: '10.0.0.5/24' }] }, UpdateStatus: { State: 'completed' } })
  t.same([vip.global, vip.replicas, vip.endpointMode, vip.vips, vip.updating, vip.labels], [true, undefined, 'vip', [{ networkId: 'ing', ip: '10.0.0.5' }], false, {}])
  const tk = fromApiTask({
    ID: '78r',
    ServiceID: 'wq9',
    Slot: 1,
    NodeID: 'o9h',
    Status: { State: 'running' },
    DesiredState: 'running',
    NetworksAttachments: [
      { Network: { Spec: { Name: 'ingress', Ingress: true } }, Addresses: ['10.0.0.6/24'] },
      { Network: { Spec: { Name: 'pst1net' } }, Addresses: ['10.0.1.13/24'] },
    ],
  })
  t.same(tk, { id: '78r', serviceId: 'wq9', slot: 1, nodeId: 'o9h', state: 'running', desiredState: 'running', networks: [{ name: 'ingress', ip: '10.0.0.6', ingress: true }, { name: 'pst1net', ip: '10.0.1.13', ingress: false }] })
  t.same(fromApiTask({ ID: 'g', Slot: 0 }), { id: 'g', serviceId: '', slot: undefined, nodeId: '', state: 'new', desiredState: '', networks: [] }, 'a global task (slot 0), fields missing')
  t.same(nodeReady({ ID: 'n', Status: { State: 'down' } }), ['n', false])
  t.same(fromApiNetwork({ Id: 'i', Name: 'ingress', Ingress: true }), { id: 'i', name: 'ingress', ingress: true })
})
