// Whether the engine pier talks to can answer for the Swarm: only a manager
// knows services and tasks. Anything else gets one line saying what to do.

export interface EngineInfo {
  Name?: string
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean }
}

export class SwarmRoleError extends Error {
  readonly code: 'SWARM_NOT_MANAGER' | 'SWARM_INACTIVE'
  constructor(code: SwarmRoleError['code'], message: string) {
    super(message)
    this.code = code
  }
}

/** Throws SwarmRoleError unless `info` (GET /info) is a manager's. */
export function requireManager(info: EngineInfo, endpoint: string, flag: string): void {
  const node = info.Name ? ` (node ${info.Name})` : ''
  const state = info.Swarm?.LocalNodeState ?? 'inactive'
  if (state !== 'active') {
    throw new SwarmRoleError('SWARM_INACTIVE', `the Swarm provider needs a Swarm manager, but the engine at ${endpoint}${node} is not in a swarm (state ${state}): run docker swarm init, or use --providers.docker for its containers`)
  }
  if (!info.Swarm?.ControlAvailable) {
    throw new SwarmRoleError('SWARM_NOT_MANAGER', `the Swarm provider needs a Swarm manager, but the engine at ${endpoint}${node} is a worker node: set ${flag} to a manager, or run pier on a manager (placement constraint node.role == manager)`)
  }
}
