// A Swarm as the Docker label builder reads it: each service's running tasks
// as instances of one service (its labels, its name, the task's addresses),
// the way a scaled compose service's containers are; with lbswarm, one
// instance at the service's VIPs. Pure: no I/O.
import type { ContainerInfo, ContainerNetwork } from '../docker/container.js'
import type { Warning } from '../docker/emitter.js'
import { parseLabels } from '../docker/labels.js'
import type { SwarmService, SwarmState, SwarmTask } from './model.js'

const STACK_NAMESPACE = 'com.docker.stack.namespace'

/** Task states from which a task never runs again. */
const FINAL = new Set(['complete', 'shutdown', 'failed', 'rejected', 'remove', 'orphaned'])

/**
 * A task serves only while Swarm wants it running, it runs, and its node is
 * up: a task whose desired state changed (update, scale down, removal) leaves
 * before its container is stopped, which Swarm delays for overlay tasks.
 */
export function inRotation(t: SwarmTask, nodes: SwarmState['nodes']): boolean {
  return t.desiredState === 'running' && t.state === 'running' && nodes.get(t.nodeId) !== false
}

export function describeSwarm(state: SwarmState): { instances: ContainerInfo[]; warnings: Warning[] } {
  const instances: ContainerInfo[] = []
  const warnings: Warning[] = []
  const tasksOf = new Map<string, SwarmTask[]>()
  for (const t of state.tasks) {
    if (!inRotation(t, state.nodes)) continue
    let list = tasksOf.get(t.serviceId)
    if (!list) tasksOf.set(t.serviceId, (list = []))
    list.push(t)
  }
  for (const s of state.services) {
    const lbSwarm = parseLabels(s.labels, () => {}).lbSwarm === true
    if (lbSwarm && s.endpointMode === 'vip') {
      const networks = s.vips.flatMap((v): ContainerNetwork[] => {
        const n = state.networks.get(v.networkId)
        return n && !n.ingress ? [{ name: n.name, ip: v.ip }] : []
      })
      instances.push(instance(s, s.id, s.name, networks, networks.length > 0))
      continue
    }
    if (lbSwarm) warnings.push({ code: 'SWARM_LBSWARM_DNSRR', message: `service ${s.name}: lbswarm asks for the service's VIP, but its endpoint mode is dnsrr (no VIP); pier balances over its tasks`, fields: { service: s.name } })
    const tasks = tasksOf.get(s.id) ?? []
    for (const t of tasks) {
      const networks = t.networks.filter((n) => !n.ingress).map(({ name, ip }) => ({ name, ip }))
      // Traefik's names: <service>.<slot>, or <service>.<task id> for global services.
      instances.push(instance(s, t.id, `${s.name}.${s.global || t.slot === undefined ? t.id : t.slot}`, networks, true))
    }
    // No task running: the service still counts (allowEmptyServices keeps its routers, answering 503).
    if (tasks.length === 0) instances.push(instance(s, s.id, s.name, [], false))
  }
  return { instances, warnings }
}

/**
 * Something is still changing: an update rolls, a replicated service has
 * fewer running tasks than asked for, or a task is on its way to running.
 * Events do not tell task progress, so the provider re-reads tasks meanwhile.
 */
export function inMotion(state: SwarmState): boolean {
  const running = new Map<string, number>()
  for (const t of state.tasks) {
    if (t.desiredState === 'running' && !FINAL.has(t.state) && t.state !== 'running') return true
    if (inRotation(t, state.nodes)) running.set(t.serviceId, (running.get(t.serviceId) ?? 0) + 1)
  }
  return state.services.some((s) => s.updating || (s.replicas !== undefined && (running.get(s.id) ?? 0) !== s.replicas))
}

function instance(s: SwarmService, id: string, name: string, networks: ContainerNetwork[], running: boolean): ContainerInfo {
  return {
    id,
    name,
    labels: s.labels,
    composeProject: s.labels[STACK_NAMESPACE],
    swarmService: s.name,
    state: running ? 'running' : 'stopped',
    health: 'none',
    networkMode: '',
    networks: [...networks].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    // Traefik reads a service's port from its labels only.
    exposedPorts: [],
    portBindings: {},
  }
}
