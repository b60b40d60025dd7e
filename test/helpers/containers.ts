// Plain container descriptions for the label builder, without an engine.
import type { ContainerInfo } from '../../src/providers/docker/container.js'

/** A running container on the default bridge exposing port 80, overridable field by field. */
export function ctr(name: string, over: Partial<ContainerInfo> = {}): ContainerInfo {
  return {
    id: `id-${name}`,
    name,
    labels: {},
    state: 'running',
    health: 'none',
    networkMode: 'bridge',
    networks: [{ name: 'bridge', ip: '172.17.0.2' }],
    exposedPorts: [80],
    portBindings: {},
    ...over,
  }
}
