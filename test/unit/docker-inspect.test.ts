import t from 'tap'
import type { ContainerInspectInfo } from 'dockerode'
import { fromInspect } from '../../src/providers/docker/container.js'
import { affectedContainer } from '../../src/providers/docker/events.js'

// The parts of `docker inspect` that fromInspect reads, as the engine sends them.
function inspect(over: Record<string, unknown> = {}): ContainerInspectInfo {
  return {
    Id: 'abc123',
    Name: '/demo_whoami_1',
    State: { Running: true, Paused: false, Status: 'running' },
    Config: {
      Labels: { 'com.docker.compose.project': 'demo', 'com.docker.compose.service': 'whoami', 'traefik.port': '8000' },
      ExposedPorts: { '8000/tcp': {}, '53/udp': {}, '80/tcp': {} },
    },
    HostConfig: { NetworkMode: 'demo_default' },
    NetworkSettings: {
      Networks: { demo_default: { IPAddress: '172.20.0.2' }, another: { IPAddress: '172.21.0.2' } },
      Ports: { '8000/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }], '80/tcp': null },
    },
    ...over,
  } as unknown as ContainerInspectInfo
}

t.test('fromInspect keeps what the builder needs', async (t) => {
  t.same(fromInspect(inspect()), {
    id: 'abc123',
    name: 'demo_whoami_1',
    labels: { 'com.docker.compose.project': 'demo', 'com.docker.compose.service': 'whoami', 'traefik.port': '8000' },
    composeProject: 'demo',
    composeService: 'whoami',
    state: 'running',
    health: 'none',
    networkMode: 'demo_default',
    networks: [
      { name: 'another', ip: '172.21.0.2' },
      { name: 'demo_default', ip: '172.20.0.2' },
    ],
    exposedPorts: [80, 8000],
    portBindings: { 8000: [{ hostIp: '0.0.0.0', hostPort: 32768 }] },
  })
})

t.test('state and health', async (t) => {
  const st = (State: object) => fromInspect(inspect({ State }))
  t.equal(st({ Running: true, Paused: true }).state, 'paused')
  t.equal(st({ Running: false, Paused: false }).state, 'stopped')
  t.equal(st({ Running: true, Health: { Status: 'starting' } }).health, 'starting')
  t.equal(st({ Running: true, Health: { Status: 'unhealthy' } }).health, 'unhealthy')
  t.equal(st({ Running: true, Health: { Status: 'healthy' } }).health, 'healthy')
  t.equal(fromInspect(inspect({ Config: {}, NetworkSettings: {} })).exposedPorts.length, 0, 'no labels, ports or networks')
})

t.test('which events re-inspect which container', async (t) => {
  const ev = (Type: string, Action: string, Attributes: Record<string, string> = {}) => affectedContainer({ Type, Action, Actor: { ID: 'c1', Attributes } })
  for (const a of ['start', 'die', 'stop', 'kill', 'pause', 'unpause', 'destroy', 'health_status: healthy', 'health_status: unhealthy'])
    t.equal(ev('container', a), 'c1', a)
  for (const a of ['exec_create: test ! -f /tmp/sick', 'exec_start: sh', 'exec_die', 'create', 'attach', 'top']) t.equal(ev('container', a), undefined, `${a} ignored`)
  t.equal(ev('network', 'connect', { container: 'c9' }), 'c9', 'network connect names the container')
  t.equal(ev('network', 'disconnect', { container: 'c9' }), 'c9')
  t.equal(ev('network', 'create'), undefined)
  t.equal(ev('image', 'pull'), undefined)
})
