// Reads a container's traefik.* labels (case-insensitive keys) into a plain
// model of the v1 and v2/v3 forms. Bad values become null with a warning, so
// the builder can skip exactly what they concern.
import type { BuildWarning } from './warning.js'

export interface V2Router {
  rule?: string
  priority?: number | null
  entryPoints?: string[]
  service?: string
}

export interface V2Service {
  port?: number | null
  scheme?: string
  url?: string
  weight?: number | null
  passHostHeader?: boolean | null
}

export interface V1Labels {
  backend?: string
  rule?: string
  port?: number | null
  weight?: number | null
  protocol?: string
  passHostHeader?: boolean | null
  priority?: number | null
  entryPoints?: string[]
  domain?: string
}

export interface ParsedLabels {
  enable?: boolean | null
  network?: string
  /** Has traefik.http.* labels. */
  isV2: boolean
  /** Has v1 labels (traefik.frontend.*, traefik.backend, traefik.port, ...). */
  isV1: boolean
  routers: Map<string, V2Router>
  services: Map<string, V2Service>
  v1: V1Labels
}

type Sink = (label: string, code: BuildWarning['code'], message: string) => void

const ROUTER_FIELDS = new Set(['rule', 'priority', 'entrypoints', 'service'])
const SERVICE_FIELDS = new Set(['loadbalancer.server.port', 'loadbalancer.server.scheme', 'loadbalancer.server.url', 'loadbalancer.server.weight', 'loadbalancer.passhostheader'])

export function parseLabels(labels: Record<string, string>, warn: Sink): ParsedLabels {
  const out: ParsedLabels = { isV2: false, isV1: false, routers: new Map(), services: new Map(), v1: {} }
  for (const [key, rawValue] of Object.entries(labels)) {
    const lower = key.toLowerCase()
    if (!lower.startsWith('traefik.')) continue
    const value = rawValue.trim()
    const parts = key.split('.')
    const lparts = lower.split('.')
    if (lower === 'traefik.enable') out.enable = bool(key, value, warn)
    else if (lower === 'traefik.docker.network') out.network = value
    else if (lparts[1] === 'http' && (lparts[2] === 'routers' || lparts[2] === 'services') && parts.length >= 5) {
      out.isV2 = true
      const name = parts[3]!
      const field = lparts.slice(4).join('.')
      if (lparts[2] === 'routers') {
        if (!ROUTER_FIELDS.has(field)) {
          warn(key, 'DOCKER_UNSUPPORTED_LABEL', `router field "${field}" is not supported by pier; label ignored`)
          continue
        }
        const r = out.routers.get(name) ?? {}
        out.routers.set(name, r)
        if (field === 'rule') r.rule = value
        else if (field === 'priority') r.priority = int(key, value, warn, 0)
        else if (field === 'entrypoints') r.entryPoints = list(value)
        else r.service = value
      } else {
        if (!SERVICE_FIELDS.has(field)) {
          warn(key, 'DOCKER_UNSUPPORTED_LABEL', `service field "${field}" is not supported by pier; label ignored`)
          continue
        }
        const s = out.services.get(name) ?? {}
        out.services.set(name, s)
        if (field === 'loadbalancer.server.port') s.port = int(key, value, warn, 1, 65535)
        else if (field === 'loadbalancer.server.scheme') s.scheme = value.toLowerCase()
        else if (field === 'loadbalancer.server.url') s.url = value
        else if (field === 'loadbalancer.server.weight') s.weight = int(key, value, warn, 0)
        else s.passHostHeader = bool(key, value, warn)
      }
    } else if (!readV1(lower, key, value, out, warn)) {
      warn(key, 'DOCKER_UNSUPPORTED_LABEL', 'label not supported by pier; ignored')
    }
  }
  return out
}

function readV1(lower: string, key: string, value: string, out: ParsedLabels, warn: Sink): boolean {
  const v1 = out.v1
  switch (lower) {
    case 'traefik.backend': v1.backend = value; break
    case 'traefik.frontend.rule': v1.rule = value; break
    case 'traefik.port': v1.port = int(key, value, warn, 1, 65535); break
    case 'traefik.weight': v1.weight = int(key, value, warn, 0); break
    case 'traefik.protocol': v1.protocol = value.toLowerCase(); break
    case 'traefik.frontend.passhostheader': v1.passHostHeader = bool(key, value, warn); break
    case 'traefik.frontend.priority': v1.priority = int(key, value, warn, 0); break
    case 'traefik.frontend.entrypoints': v1.entryPoints = list(value); break
    case 'traefik.domain': v1.domain = value; break
    default: return false
  }
  out.isV1 = true
  return true
}

function int(key: string, value: string, warn: Sink, min: number, max = 2 ** 31 - 1): number | null {
  if (/^\d+$/.test(value)) {
    const n = Number(value)
    if (n >= min && n <= max) return n
  }
  warn(key, 'DOCKER_BAD_LABEL', `${JSON.stringify(value)} is not an integer between ${min} and ${max}`)
  return null
}

function bool(key: string, value: string, warn: Sink): boolean | null {
  const v = value.toLowerCase()
  if (v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  warn(key, 'DOCKER_BAD_LABEL', `${JSON.stringify(value)} is not true or false`)
  return null
}

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '')
}
