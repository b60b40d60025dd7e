// Reads a container's traefik.* labels (case-insensitive keys) into a plain
// model of the v1 and v2/v3 forms. Bad values become null with a warning, so
// the builder can skip exactly what they concern. A label asking for
// something pier does not honour (TLS, an unknown router field) is kept as a
// reason on its router or service, which is then disabled: fail closed,
// never served without it. Middleware definitions are kept as label trees,
// decoded by the builder against the kinds' schemas.
import type { HealthCheck, PassiveHealthCheck, RouterTLS } from '../../config/dynamic.js'
import { emptyStreamLabels, streamLabel, type StreamLabels } from './stream-labels.js'
import { HealthLabels } from './health-labels.js'
import { bool, int, list, type Sink } from './label-values.js'
import { readV1, v1Segment, type V1Labels } from './v1-labels.js'
import { putLabel, type LabelTree } from '../../middlewares/schema.js'
import { parseSignedDuration } from '../../config/duration.js'

export type { V1Labels } from './v1-labels.js'

export interface V2Router {
  rule?: string
  priority?: number | null
  entryPoints?: string[]
  service?: string
  middlewares?: string[]
  tls?: RouterTLS
  /** Labels this router asks for that pier does not honour, each with why. */
  unsupported?: string[]
}

export interface V2Service {
  port?: number | null
  scheme?: string
  url?: string
  weight?: number | null
  passHostHeader?: boolean | null
  healthCheck?: HealthCheck
  passiveHealthCheck?: PassiveHealthCheck
  flushInterval?: string
  unsupported?: string[]
}

export interface ParsedLabels {
  enable?: boolean | null
  /** traefik.docker.network, or traefik.swarm.network */
  network?: string
  /** A Swarm service is reached on its VIP, Swarm balancing, instead of on its tasks. */
  lbSwarm?: boolean | null
  /** Has traefik.http.* labels. */
  isV2: boolean
  /** Has v1 labels (traefik.frontend.*, traefik.backend, traefik.port, ...). */
  isV1: boolean
  routers: Map<string, V2Router>
  services: Map<string, V2Service>
  /** traefik.http.middlewares.<name>.<type>.<option>: a tree per name, keyed by type then option path. */
  middlewares: Map<string, LabelTree>
  /** traefik.tcp.* and traefik.udp.* routers and services (UDP routers are shown disabled). */
  tcp: StreamLabels
  udp: StreamLabels
  v1: V1Labels
  /** Traefik 1.7 segments: name -> their labels, spelled as the unsegmented labels they stand for (traefik.port). */
  v1Segments: Map<string, Record<string, string>>
}

/** lbswarm, as v3, v2 and v1 spell it. */
const LB_SWARM = new Set(['traefik.swarm.lbswarm', 'traefik.docker.lbswarm', 'traefik.backend.loadbalancer.swarm'])

const SERVICE_FIELDS = new Set(['loadbalancer.server.port', 'loadbalancer.server.scheme', 'loadbalancer.server.url', 'loadbalancer.server.weight', 'loadbalancer.passhostheader', 'loadbalancer.responseforwarding.flushinterval'])

/** Service fields that change who is served, by prefix, with why pier refuses them. */
const SERVICE_REFUSED: [prefix: string, why: string][] = [
  ['loadbalancer.sticky', 'sticky sessions are not supported yet'],
  ['loadbalancer.serverstransport', 'serversTransports are not supported yet'],
]
/** Service fields that change nothing about who is served: ignored with a warning. */
const SERVICE_IGNORED = ['loadbalancer.strategy', 'loadbalancer.server.preservepath']

const DOMAIN = /^tls\.domains\[(\d+)\]\.(main|sans)$/

export function parseLabels(labels: Record<string, string>, warn: Sink): ParsedLabels {
  const out: ParsedLabels = { isV2: false, isV1: false, routers: new Map(), services: new Map(), middlewares: new Map(), tcp: emptyStreamLabels(), udp: emptyStreamLabels(), v1: {}, v1Segments: new Map() }
  const health = new HealthLabels()
  for (const [key, rawValue] of Object.entries(labels)) {
    const lower = key.toLowerCase()
    if (!lower.startsWith('traefik.')) continue
    const value = rawValue.trim()
    const parts = key.split('.')
    const lparts = lower.split('.')
    if (lower === 'traefik.enable') out.enable = bool(key, value, warn)
    else if (lower === 'traefik.docker.network' || lower === 'traefik.swarm.network') out.network = value
    else if (LB_SWARM.has(lower)) out.lbSwarm = bool(key, value, warn)
    else if (lparts[1] === 'http' && (lparts[2] === 'routers' || lparts[2] === 'services') && parts.length >= 5) {
      out.isV2 = true
      const name = parts[3]!
      const field = lparts.slice(4).join('.')
      if (lparts[2] === 'routers') routerLabel(out, name, field, key, value, warn)
      else if (!health.take(name, field, parts.slice(4), value)) serviceLabel(out, name, field, key, value, warn)
    } else if (lparts[1] === 'http' && lparts[2] === 'middlewares' && parts.length >= 5) {
      out.isV2 = true
      const bad = putLabel(mapEntry(out.middlewares, parts[3]!, {}), parts.slice(4), value)
      if (bad) warn(key, 'DOCKER_BAD_LABEL', `${bad}; label ignored`)
    } else if ((lparts[1] === 'tcp' || lparts[1] === 'udp') && parts.length >= 5 && streamLabel(out[lparts[1]], lparts[2]!, parts[3]!, lparts.slice(4).join('.'), key, value, warn)) {
      // read
    } else if (lparts[1] === 'tcp' || lparts[1] === 'udp' || lparts[1] === 'http' || lparts[1] === 'tls') {
      warn(key, 'DOCKER_UNSUPPORTED_LABEL', 'label not supported by pier; ignored')
    } else if (health.takeV1(lower, value)) {
      out.isV1 = true
    } else if (readV1(lower, key, value, out.v1, warn)) {
      out.isV1 = true
    } else if (v1Segment(key)) {
      out.isV1 = true
      const [segment, label] = v1Segment(key)!
      mapEntry(out.v1Segments, segment, {})[label] = rawValue
    } else {
      warn(key, 'DOCKER_UNSUPPORTED_LABEL', 'label not supported by pier; ignored')
    }
  }
  health.apply(out)
  return out
}

function routerLabel(out: ParsedLabels, name: string, field: string, key: string, value: string, warn: Sink): void {
  const r = mapEntry(out.routers, name, {})
  const domain = DOMAIN.exec(field)
  if (field === 'rule') r.rule = value
  else if (field === 'priority') r.priority = int(key, value, warn, 0)
  else if (field === 'entrypoints') r.entryPoints = list(value)
  else if (field === 'service') r.service = value
  else if (field === 'middlewares') r.middlewares = list(value)
  else if (field === 'tls') {
    const on = bool(key, value, warn)
    // tls=false turns TLS off only when no tls.* option asks for it; a bad value asks for TLS (fail closed)
    if (on !== false) r.tls ??= {}
  } else if (field === 'tls.certresolver') (r.tls ??= {}).certResolver = value
  else if (field === 'tls.options') (r.tls ??= {}).options = value
  else if (domain) {
    const tls = (r.tls ??= {})
    const domains = (tls.domains ??= [])
    const i = Number(domain[1])
    const d = (domains[i] ??= { main: '' })
    if (domain[2] === 'main') d.main = value
    else d.sans = list(value)
  } else if (field === 'rulesyntax') {
    if (!/^v[23]$/i.test(value)) warn(key, 'DOCKER_BAD_LABEL', `${JSON.stringify(value)} is not v2 or v3; the rule is read in pier's syntax, which accepts both`)
  } else if (field.startsWith('observability.')) {
    warn(key, 'DOCKER_UNSUPPORTED_LABEL', 'router observability settings are not supported by pier; label ignored')
  } else {
    ;(r.unsupported ??= []).push(`label ${key}: router field "${field}" is not known to pier`)
  }
}

function serviceLabel(out: ParsedLabels, name: string, field: string, key: string, value: string, warn: Sink): void {
  const s = mapEntry(out.services, name, {})
  if (SERVICE_FIELDS.has(field)) {
    if (field === 'loadbalancer.server.port') s.port = int(key, value, warn, 1, 65535)
    else if (field === 'loadbalancer.server.scheme') s.scheme = value.toLowerCase()
    else if (field === 'loadbalancer.server.url') s.url = value
    else if (field === 'loadbalancer.server.weight') s.weight = int(key, value, warn, 0)
    else if (field === 'loadbalancer.responseforwarding.flushinterval') {
      // Changes nothing about who is served: a bad value is dropped with a warning.
      if (parseSignedDuration(value) !== undefined) s.flushInterval = value
      else warn(key, 'DOCKER_BAD_LABEL', `${JSON.stringify(value)} is not a duration such as 100ms or -1; label ignored`)
    } else s.passHostHeader = bool(key, value, warn)
    return
  }
  if (SERVICE_IGNORED.some((p) => field.startsWith(p))) return warn(key, 'DOCKER_UNSUPPORTED_LABEL', `service field "${field}" is not supported by pier; label ignored`)
  const refused = SERVICE_REFUSED.find(([p]) => field.startsWith(p))
  ;(s.unsupported ??= []).push(`label ${key}: ${refused ? refused[1] : `service field "${field}" is not known to pier`}`)
}

function mapEntry<T>(map: Map<string, T>, name: string, fresh: T): T {
  const had = map.get(name)
  if (had !== undefined) return had
  map.set(name, fresh)
  return fresh
}
