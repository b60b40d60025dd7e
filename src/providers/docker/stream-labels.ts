// traefik.tcp.* and traefik.udp.* labels: routers (rule, entrypoints,
// service, priority, tls.passthrough) and services (loadbalancer.server.port,
// weight, proxyprotocol.version). What pier does not honour is kept in
// `unsupported`, so the router (or the routers of the service) is disabled.
import type { StreamRouter } from '../../config/dynamic.js'
import { bool, int, list, type Sink } from './label-values.js'

export interface StreamServiceLabels {
  /** null: a bad value (warned); the container is then not a server of it */
  port?: number | null
  weight?: number | null
  proxyProtocol?: number
  unsupported?: string[]
}

export interface StreamLabels {
  routers: Map<string, StreamRouter>
  services: Map<string, StreamServiceLabels>
}

const ROUTER_REFUSED: [prefix: string, why: string][] = [['middlewares', 'TCP middlewares (inFlightConn, ipAllowList) are not supported by pier']]
const SERVICE_REFUSED: [prefix: string, why: string][] = [
  ['weighted', 'weighted TCP/UDP services are not supported by pier yet'],
  ['loadbalancer.serverstransport', 'TCP serversTransports are not supported by pier'],
  ['loadbalancer.server.tls', 'TLS toward TCP servers is not supported by pier'],
]
const IGNORED = ['loadbalancer.terminationdelay', 'rulesyntax', 'tls.domains']

export function emptyStreamLabels(): StreamLabels {
  return { routers: new Map(), services: new Map() }
}

function entry<T>(map: Map<string, T>, name: string, fresh: T): T {
  const had = map.get(name)
  if (had !== undefined) return had
  map.set(name, fresh)
  return fresh
}

/** One label traefik.<tcp|udp>.<routers|services>.<name>.<field>; false when it is in another section. An unknown field disables (fail closed). */
export function streamLabel(out: StreamLabels, section: string, name: string, field: string, key: string, value: string, warn: Sink): boolean {
  if (IGNORED.some((p) => field.startsWith(p))) {
    warn(key, 'DOCKER_UNSUPPORTED_LABEL', 'label not supported by pier; ignored')
    return true
  }
  if (section === 'routers') {
    const r = entry(out.routers, name, {})
    const refused = ROUTER_REFUSED.find(([p]) => field.startsWith(p))
    if (refused) (r.unsupported ??= []).push(`label ${key}: ${refused[1]}`)
    else if (field === 'rule') r.rule = value
    else if (field === 'service') r.service = value
    else if (field === 'entrypoints') r.entryPoints = list(value)
    else if (field === 'priority') {
      const p = int(key, value, warn, 0)
      if (p === null) (r.unsupported ??= []).push(`label ${key}: not a priority`)
      else r.priority = p
    } else if (field === 'tls') {
      if (bool(key, value, warn) !== false) r.tls ??= {}
    } else if (field === 'tls.passthrough') {
      const on = bool(key, value, warn)
      // a bad value asks for TLS without passthrough: refused (fail closed)
      r.tls = { ...r.tls, passthrough: on === true }
    } else if (field === 'tls.certresolver') r.tls = { ...r.tls, certResolver: value }
    else if (field === 'tls.options') r.tls = { ...r.tls, options: value }
    else (r.unsupported ??= []).push(`label ${key} is not supported by pier`)
    return true
  }
  if (section !== 'services') return false
  const s = entry(out.services, name, {})
  const refused = SERVICE_REFUSED.find(([p]) => field.startsWith(p))
  if (refused) (s.unsupported ??= []).push(`label ${key}: ${refused[1]}`)
  else if (field === 'loadbalancer.server.port') s.port = int(key, value, warn, 1, 65535)
  else if (field === 'loadbalancer.server.weight') s.weight = int(key, value, warn, 0)
  else if (field === 'loadbalancer.proxyprotocol.version') {
    const v = int(key, value, warn, 1, 2)
    s.proxyProtocol = v ?? NaN
  } else if (field === 'loadbalancer.proxyprotocol') s.proxyProtocol ??= 2
  else (s.unsupported ??= []).push(`label ${key} is not supported by pier`)
  return true
}
