// What the Swarm provider asks of the engine: a manager (one clear line
// otherwise), and which events mean what to re-read.
import t from 'tap'
import { affectedParts } from '../../src/providers/swarm/events.js'
import { requireManager, SwarmRoleError } from '../../src/providers/swarm/role.js'

t.test('a manager passes; a worker or an engine outside a swarm gets one line naming the fix', async (t) => {
  t.doesNotThrow(() => requireManager({ Name: 'm1', Swarm: { LocalNodeState: 'active', ControlAvailable: true } }, 'unix:///var/run/docker.sock', '--providers.swarm.endpoint'))
  const worker = t.throws(() => requireManager({ Name: 'w1', Swarm: { LocalNodeState: 'active', ControlAvailable: false } }, 'unix:///var/run/docker.sock', '--providers.swarm.endpoint')) as SwarmRoleError
  t.ok(worker instanceof SwarmRoleError)
  t.equal(worker.code, 'SWARM_NOT_MANAGER')
  t.equal(worker.message, 'the Swarm provider needs a Swarm manager, but the engine at unix:///var/run/docker.sock (node w1) is a worker node: set --providers.swarm.endpoint to a manager, or run pier on a manager (placement constraint node.role == manager)')
  t.notMatch(worker.message, /\n/, 'one line')
  const alone = t.throws(() => requireManager({ Name: 'pc', Swarm: { LocalNodeState: 'inactive', ControlAvailable: false } }, 'tcp://pc:2375', '--providers.docker.endpoint')) as SwarmRoleError
  t.equal(alone.code, 'SWARM_INACTIVE')
  t.match(alone.message, /engine at tcp:\/\/pc:2375 \(node pc\) is not in a swarm \(state inactive\): run docker swarm init, or use --providers\.docker/)
  t.equal((t.throws(() => requireManager({}, 'x', 'y')) as SwarmRoleError).code, 'SWARM_INACTIVE', 'an engine too old to say')
})

t.test('events: what each one makes pier re-read', async (t) => {
  const ev = (Type: string, Action: string, Attributes: Record<string, string> = {}) => affectedParts({ Type, Action, Actor: { ID: 'x', Attributes } })
  t.same(ev('service', 'update', { name: 'who', 'replicas.new': '5' }), ['services', 'tasks'])
  t.same(ev('service', 'remove'), ['services', 'tasks'])
  t.same(ev('node', 'update', { 'state.new': 'down' }), ['nodes', 'tasks'])
  t.same(ev('network', 'create', { type: 'overlay' }), ['networks'])
  t.same(ev('network', 'disconnect', { container: 'c' }), ['tasks'])
  t.same(ev('container', 'die', { 'com.docker.swarm.task.id': 't1' }), ['tasks'], "a task container on this node")
  t.same(ev('container', 'exec_start: sh', { 'com.docker.swarm.task.id': 't1' }), [], 'healthcheck runs change nothing')
  t.same(ev('container', 'die', { name: 'plain' }), [], 'containers that are no task are the docker provider\'s')
  t.same(ev('image', 'pull'), [])
})
