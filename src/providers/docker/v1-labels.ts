// Traefik v1 container labels (traefik.frontend.*, traefik.backend.*,
// traefik.port, ...). A v1 container has one frontend and one backend: the
// options pier honours fill them (frontend auth, redirects, headers, allow
// lists, rate limits and error pages become middlewares: v1-middlewares.ts);
// options that decide who is served and how that pier does not honour
// (stickiness, connection limits...) are kept as reasons, and the router or
// service is disabled until pier honours them.
import type { HealthCheck } from '../../config/dynamic.js'
import { bool, int, list, type Sink } from './label-values.js'
import { readV1BackendMiddleware, readV1Middleware, type V1Middlewares } from './v1-middlewares.js'

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
  /** Frontend options that are middlewares in v2 (auth, redirect, headers, whiteList, rateLimit, errors). */
  middlewares?: V1Middlewares
  /** Frontend labels pier does not honour, each with why: the router is disabled. */
  unsupportedRouter?: string[]
  /** Backend labels pier does not honour: the service is disabled. */
  unsupportedService?: string[]
  healthCheck?: HealthCheck
  /** traefik.backend.healthcheck.interval was given (else [healthcheck] interval applies) */
  healthInterval?: boolean
}

/** Frontend options by prefix (after `traefik.frontend.`), with why pier refuses them. */
const FRONTEND_REFUSED: [prefix: string, why: string][] = [
  ['passtlscert', 'passing TLS client certificates is not supported yet'],
  ['passtlsclientcert', 'passing TLS client certificates is not supported yet'],
]

/** Backend options by prefix (after `traefik.backend.`). */
const BACKEND_REFUSED: [prefix: string, why: string][] = [
  ['loadbalancer.sticky', 'sticky sessions are not supported yet'],
  ['loadbalancer.stickiness', 'sticky sessions are not supported yet'],
]
/** Backend options that change nothing about who is served. */
const BACKEND_IGNORED = ['loadbalancer.method', 'responseforwarding.']

/** traefik.<segment>.<property>, as Traefik 1.7 split them (the segment may hold dots). */
const SEGMENT = /^traefik\.(.+?)\.(port|portindex|portname|weight|protocol|backend|frontend\..+)$/

/** Reads one v1 label into v1; false when the key is not a v1 label. */
export function readV1(lower: string, key: string, value: string, v1: V1Labels, warn: Sink): boolean {
  switch (lower) {
    case 'traefik.backend': v1.backend = value; return true
    case 'traefik.frontend.rule': v1.rule = value; return true
    case 'traefik.port': v1.port = int(key, value, warn, 1, 65535); return true
    case 'traefik.weight': v1.weight = int(key, value, warn, 0); return true
    case 'traefik.protocol': v1.protocol = value.toLowerCase(); return true
    case 'traefik.frontend.passhostheader': v1.passHostHeader = bool(key, value, warn); return true
    case 'traefik.frontend.priority': v1.priority = int(key, value, warn, 0); return true
    case 'traefik.frontend.entrypoints': v1.entryPoints = list(value); return true
    case 'traefik.domain': v1.domain = value; return true
    case 'traefik.tags': // read by v1 constraints (tag==...) only
      return true
  }
  if (lower.startsWith('traefik.frontend.')) {
    const opt = lower.slice('traefik.frontend.'.length)
    const mw = readV1Middleware(opt, value, (v1.middlewares ??= new Map()))
    if (typeof mw === 'string') (v1.unsupportedRouter ??= []).push(`label ${key}: ${mw}`)
    if (mw !== false) return true
    const refused = FRONTEND_REFUSED.find(([p]) => opt.startsWith(p))
    ;(v1.unsupportedRouter ??= []).push(`label ${key}: ${refused ? refused[1] : `frontend option "${opt}" is not known to pier`}`)
    return true
  }
  if (lower.startsWith('traefik.backend.')) {
    const opt = lower.slice('traefik.backend.'.length)
    const mw = readV1BackendMiddleware(opt, value, (v1.middlewares ??= new Map()))
    if (typeof mw === 'string') (v1.unsupportedRouter ??= []).push(`label ${key}: ${mw}`)
    if (mw !== false) return true
    if (BACKEND_IGNORED.some((p) => opt.startsWith(p))) {
      warn(key, 'DOCKER_UNSUPPORTED_LABEL', `backend option "${opt}" is not supported by pier; label ignored`)
      return true
    }
    const refused = BACKEND_REFUSED.find(([p]) => opt.startsWith(p))
    ;(v1.unsupportedService ??= []).push(`label ${key}: ${refused ? refused[1] : `backend option "${opt}" is not known to pier`}`)
    return true
  }
  return false
}

/**
 * traefik.<segment>.frontend.* / .port / ...: Traefik 1.7's named segments,
 * as [segment, the label it stands for (traefik.<property>)], or undefined.
 */
export function v1Segment(key: string): [segment: string, label: string] | undefined {
  const lower = key.toLowerCase()
  if (lower.startsWith('traefik.frontend.') || lower.startsWith('traefik.backend.')) return undefined
  const m = SEGMENT.exec(lower)
  if (!m) return undefined
  const segment = key.slice('traefik.'.length, 'traefik.'.length + m[1]!.length)
  return [segment, `traefik.${key.slice('traefik.'.length + segment.length + 1)}`]
}
