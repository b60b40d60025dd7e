// Which of a manager's events concern the Swarm provider, and what to re-read
// for each. Service, node and network events come from the cluster; tasks
// have no events of their own, so a task container's events on this node
// (and any service event) only say that tasks are moving.
import type { EngineEvent } from '../docker/events.js'

export type SwarmPart = 'services' | 'tasks' | 'nodes' | 'networks'

export const EVENT_TYPES = ['service', 'node', 'network', 'container'] as ('service' | 'node' | 'network' | 'container')[]

/** The parts to re-read after an event; empty when it changes nothing. */
export function affectedParts(e: EngineEvent): SwarmPart[] {
  switch (e.Type) {
    case 'service':
      return ['services', 'tasks']
    case 'node':
      return ['nodes', 'tasks']
    case 'network':
      // connect/disconnect: a task container on this node joined or left
      return e.Action === 'connect' || e.Action === 'disconnect' ? ['tasks'] : ['networks']
    case 'container':
      return e.Actor.Attributes?.['com.docker.swarm.task.id'] && !e.Action.startsWith('exec_') ? ['tasks'] : []
  }
  return []
}
