// Where a container is reached: the IP on the chosen network (label or flag),
// 127.0.0.1 in host network mode, the published host address with
// useBindPortIP. Never picks one of several networks by chance.
import type { ContainerInfo } from './container.js'

export type AddressResult = { ip: string } | { error: string; code: 'DOCKER_NETWORK_NOT_FOUND' | 'DOCKER_NETWORK_AMBIGUOUS' | 'DOCKER_NO_ADDRESS' }

/**
 * The container's IP. `network` is traefik.docker.network or the provider's
 * network flag; a compose project's prefix ("<project>_<network>") is tried too.
 * `lookup` finds the container named by a "container:<id|name>" network mode.
 */
export function containerIp(c: ContainerInfo, network: string | undefined, lookup: (ref: string) => ContainerInfo | undefined, depth = 0): AddressResult {
  if (c.networkMode === 'host') return { ip: '127.0.0.1' }
  if (c.networkMode.startsWith('container:')) {
    const ref = c.networkMode.slice('container:'.length)
    const target = depth < 4 ? lookup(ref) : undefined
    if (!target) return { code: 'DOCKER_NO_ADDRESS', error: `shares the network of container ${ref}, which pier does not see running` }
    return containerIp(target, network, lookup, depth + 1)
  }
  const names = c.networks.map((n) => n.name).join(', ') || 'none'
  let chosen
  if (network) {
    chosen = c.networks.find((n) => n.name === network) ?? (c.composeProject ? c.networks.find((n) => n.name === `${c.composeProject}_${network}`) : undefined)
    if (!chosen) return { code: 'DOCKER_NETWORK_NOT_FOUND', error: `is not on network "${network}"; its networks: ${names}` }
  } else if (c.networks.length === 1) {
    chosen = c.networks[0]
  } else {
    // The network the container was created with is a deliberate choice, not a guess.
    chosen = c.networks.find((n) => n.name === c.networkMode)
    if (!chosen && c.networks.length > 1)
      return { code: 'DOCKER_NETWORK_AMBIGUOUS', error: `is on several networks (${names}); set the label ${c.swarmService !== undefined ? "traefik.swarm.network (or traefik.docker.network) or the provider's network option" : 'traefik.docker.network or --providers.docker.network'} to one of them` }
  }
  if (!chosen || chosen.ip === '') return { code: 'DOCKER_NO_ADDRESS', error: `has no IP address (networks: ${names})` }
  return { ip: chosen.ip }
}

/**
 * With useBindPortIP: the host address a container port is published on.
 * An unspecified bind address (0.0.0.0, ::) means loopback when the engine is
 * local; otherwise, like Traefik, the container's own address is kept.
 */
export function boundAddress(c: ContainerInfo, port: number, localEngine: boolean): { ip: string; port: number } | undefined {
  const bind = c.portBindings[port]?.[0]
  if (!bind || !Number.isInteger(bind.hostPort) || bind.hostPort <= 0) return undefined
  const unspecified = bind.hostIp === '' || bind.hostIp === '0.0.0.0' || bind.hostIp === '::'
  if (unspecified) return localEngine ? { ip: '127.0.0.1', port: bind.hostPort } : undefined
  return { ip: bind.hostIp, port: bind.hostPort }
}
