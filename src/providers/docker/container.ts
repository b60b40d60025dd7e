// The provider's own plain description of a container: everything the label
// builder needs and nothing else, so the builder is testable with plain arrays.
import type { ContainerInspectInfo } from 'dockerode'

export interface ContainerNetwork {
  name: string
  /** IPv4 address on that network; '' when the engine gave none. */
  ip: string
}

export interface PortBinding {
  hostIp: string
  hostPort: number
}

export interface ContainerInfo {
  id: string
  /** Container name without Docker's leading '/'. */
  name: string
  labels: Record<string, string>
  /**
   * com.docker.compose.project / .service, when compose made the container.
   * A Swarm stack's namespace is a project too: it prefixes the stack's network names the same way.
   */
  composeProject?: string
  composeService?: string
  /** Set when this stands for a Swarm task or service VIP: the service's name, which names routers, services and warnings. */
  swarmService?: string
  state: 'running' | 'paused' | 'stopped'
  /** Docker health status; 'none' when the image has no HEALTHCHECK. */
  health: 'none' | 'starting' | 'healthy' | 'unhealthy'
  /** HostConfig.NetworkMode: 'bridge', 'host', 'none', 'container:<id>' or a network name. */
  networkMode: string
  /** Sorted by name. */
  networks: ContainerNetwork[]
  /** Exposed TCP ports, ascending. */
  exposedPorts: number[]
  /** Published ports keyed by container port (TCP). */
  portBindings: Record<number, PortBinding[]>
}

const COMPOSE_PROJECT = 'com.docker.compose.project'
const COMPOSE_SERVICE = 'com.docker.compose.service'

/** Converts `docker inspect` output into a ContainerInfo. */
export function fromInspect(c: ContainerInspectInfo): ContainerInfo {
  const labels = c.Config?.Labels ?? {}
  const st = c.State
  const state = st?.Running ? (st.Paused ? 'paused' : 'running') : 'stopped'
  const rawHealth = st?.Health?.Status
  const health = rawHealth === 'starting' || rawHealth === 'healthy' || rawHealth === 'unhealthy' ? rawHealth : 'none'
  const networks = Object.entries(c.NetworkSettings?.Networks ?? {})
    .map(([name, n]) => ({ name, ip: n?.IPAddress ?? '' }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const exposed = new Set<number>()
  for (const key of Object.keys(c.Config?.ExposedPorts ?? {})) addTcpPort(exposed, key)
  for (const key of Object.keys(c.NetworkSettings?.Ports ?? {})) addTcpPort(exposed, key)
  const portBindings: Record<number, PortBinding[]> = {}
  for (const [key, binds] of Object.entries(c.NetworkSettings?.Ports ?? {})) {
    const port = tcpPort(key)
    if (port === undefined || !Array.isArray(binds)) continue
    portBindings[port] = binds.map((b) => ({ hostIp: b.HostIp ?? '', hostPort: Number(b.HostPort) }))
  }
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    labels,
    composeProject: labels[COMPOSE_PROJECT],
    composeService: labels[COMPOSE_SERVICE],
    state,
    health,
    networkMode: c.HostConfig?.NetworkMode ?? 'default',
    networks,
    exposedPorts: [...exposed].sort((a, b) => a - b),
    portBindings,
  }
}

function tcpPort(key: string): number | undefined {
  const [num, proto = 'tcp'] = key.split('/')
  const port = Number(num)
  return proto === 'tcp' && Number.isInteger(port) && port > 0 ? port : undefined
}

function addTcpPort(set: Set<number>, key: string): void {
  const port = tcpPort(key)
  if (port !== undefined) set.add(port)
}
