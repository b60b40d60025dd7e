// The provider's own plain description of a Swarm, from a manager's API:
// what the describer needs of services, tasks, nodes and networks, nothing
// else, so that it is testable with plain arrays.

export interface SwarmService {
  id: string
  name: string
  /** The service's labels (a stack file's deploy.labels), not its containers'. */
  labels: Record<string, string>
  /** Replicas asked for; undefined for global services and jobs. */
  replicas?: number
  global: boolean
  endpointMode: 'vip' | 'dnsrr'
  /** The service's virtual IPs, one per network (address without its prefix length). */
  vips: { networkId: string; ip: string }[]
  /** A rolling update or rollback is under way. */
  updating: boolean
}

export interface TaskNetwork {
  name: string
  ip: string
  /** The routing mesh's network: never where pier reaches a task. */
  ingress: boolean
}

export interface SwarmTask {
  id: string
  serviceId: string
  /** Replicated services number their tasks; global ones do not. */
  slot?: number
  nodeId: string
  /** new, pending, assigned, accepted, preparing, ready, starting, running, complete, shutdown, failed, rejected, remove, orphaned */
  state: string
  desiredState: string
  networks: TaskNetwork[]
}

export interface SwarmNetwork {
  id: string
  name: string
  ingress: boolean
}

/** Everything one build reads. Nodes map id -> ready (Status.State 'ready'). */
export interface SwarmState {
  services: SwarmService[]
  tasks: SwarmTask[]
  nodes: Map<string, boolean>
  networks: Map<string, SwarmNetwork>
}

// The API's shapes, as far as they are read (fields may be absent).
interface ApiService {
  ID: string
  Spec?: {
    Name?: string
    Labels?: Record<string, string>
    Mode?: { Replicated?: { Replicas?: number }; Global?: object }
    EndpointSpec?: { Mode?: string }
  }
  Endpoint?: { VirtualIPs?: { NetworkID?: string; Addr?: string }[] }
  UpdateStatus?: { State?: string }
}

interface ApiTask {
  ID: string
  ServiceID?: string
  Slot?: number
  NodeID?: string
  Status?: { State?: string }
  DesiredState?: string
  NetworksAttachments?: { Network?: { Spec?: { Name?: string; Ingress?: boolean } }; Addresses?: string[] }[]
}

interface ApiNode {
  ID: string
  Status?: { State?: string }
}

interface ApiNetwork {
  Id: string
  Name: string
  Ingress?: boolean
}

const UPDATING = new Set(['updating', 'rollback_started'])

export function fromApiService(s: ApiService): SwarmService {
  const mode = s.Spec?.Mode
  return {
    id: s.ID,
    name: s.Spec?.Name ?? s.ID,
    labels: s.Spec?.Labels ?? {},
    replicas: mode?.Replicated ? (mode.Replicated.Replicas ?? 1) : undefined,
    global: mode?.Global !== undefined,
    endpointMode: s.Spec?.EndpointSpec?.Mode === 'dnsrr' ? 'dnsrr' : 'vip',
    vips: (s.Endpoint?.VirtualIPs ?? []).flatMap((v) => (v.NetworkID && v.Addr ? [{ networkId: v.NetworkID, ip: stripPrefix(v.Addr) }] : [])),
    updating: UPDATING.has(s.UpdateStatus?.State ?? ''),
  }
}

export function fromApiTask(t: ApiTask): SwarmTask {
  const networks: TaskNetwork[] = []
  for (const a of t.NetworksAttachments ?? []) {
    const name = a.Network?.Spec?.Name
    const ip = a.Addresses?.[0]
    if (name && ip) networks.push({ name, ip: stripPrefix(ip), ingress: a.Network?.Spec?.Ingress === true })
  }
  return {
    id: t.ID,
    serviceId: t.ServiceID ?? '',
    slot: t.Slot || undefined,
    nodeId: t.NodeID ?? '',
    state: t.Status?.State ?? 'new',
    desiredState: t.DesiredState ?? '',
    networks,
  }
}

export function nodeReady(n: ApiNode): [string, boolean] {
  return [n.ID, n.Status?.State === 'ready']
}

export function fromApiNetwork(n: ApiNetwork): SwarmNetwork {
  return { id: n.Id, name: n.Name, ingress: n.Ingress === true }
}

function stripPrefix(cidr: string): string {
  const slash = cidr.indexOf('/')
  return slash < 0 ? cidr : cidr.slice(0, slash)
}
