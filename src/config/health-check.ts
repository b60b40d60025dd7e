// Traefik's loadBalancer.healthCheck and passiveHealthCheck options, read
// the same way from a file section (typed values) and from labels (strings):
// keys case-insensitive, Traefik's defaults filled in, every problem a
// message naming the option. An option pier cannot honour (mode grpc)
// is `refused`: the service is disabled rather than probed
// some other way.
import type { HealthCheck, PassiveHealthCheck } from './dynamic.js'
import { parseDuration } from './duration.js'

export const DEFAULT_INTERVAL_MS = 30_000
export const DEFAULT_TIMEOUT_MS = 5_000
export const DEFAULT_FAILURE_WINDOW_MS = 10_000

export interface Read<T> {
  value?: T
  /** Bad values: the configuration is wrong. */
  errors: string[]
  /** Valid Traefik options pier does not honour: the service is disabled. */
  refused: string[]
}

const HEALTH_KEYS = ['path', 'method', 'status', 'port', 'scheme', 'mode', 'hostname', 'headers', 'interval', 'unhealthyInterval', 'timeout', 'followRedirects']
const PASSIVE_KEYS = ['failureWindow', 'maxFailedAttempts']

const show = (v: unknown): string => JSON.stringify(v) ?? String(v)

/** Options by canonical key; unknown keys are errors. */
function canonical(raw: Record<string, unknown>, keys: string[], prefix: string, errors: string[]): Map<string, unknown> {
  const out = new Map<string, unknown>()
  for (const [k, v] of Object.entries(raw)) {
    const key = keys.find((c) => c.toLowerCase() === k.toLowerCase())
    if (key) out.set(key, v)
    else errors.push(`${prefix}${k} is not a health check option (options: ${keys.join(', ')})`)
  }
  return out
}

function duration(v: unknown, name: string, errors: string[]): number | undefined {
  const ms = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? parseDuration(v) : undefined
  if (ms === undefined || !(ms > 0)) errors.push(`${name} must be a positive duration such as 10s or 500ms, not ${show(v)}`)
  return ms
}

function integer(v: unknown, name: string, min: number, max: number, errors: string[]): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN
  if (Number.isInteger(n) && n >= min && n <= max) return n
  errors.push(`${name} must be an integer from ${min} to ${max}, not ${show(v)}`)
  return undefined
}

function text(v: unknown, name: string, errors: string[]): string | undefined {
  if (typeof v === 'string') return v.trim()
  errors.push(`${name} must be text, not ${show(v)}`)
  return undefined
}

/** raw: the options, keys in any case; prefix names them in messages (`loadBalancer.healthCheck.`). */
export function readHealthCheck(raw: Record<string, unknown>, prefix: string): Read<HealthCheck> {
  const errors: string[] = []
  const refused: string[] = []
  const o = canonical(raw, HEALTH_KEYS, prefix, errors)
  const hc: HealthCheck = { path: '/', method: 'GET', status: 0, port: 0, hostname: '', headers: {}, interval: DEFAULT_INTERVAL_MS, unhealthyInterval: 0, timeout: DEFAULT_TIMEOUT_MS, followRedirects: true }
  const name = (k: string): string => `${prefix}${k}`
  for (const [k, v] of o) {
    switch (k) {
      case 'path': {
        const p = text(v, name(k), errors)
        if (p === undefined) break
        if (p !== '' && !p.startsWith('/')) errors.push(`${name(k)} must start with "/", not ${show(p)}`)
        else if (/[\s\x00-\x1f\x7f]/.test(p)) errors.push(`${name(k)} may not hold spaces or control characters`)
        else if (p !== '') hc.path = p
        break
      }
      case 'method': {
        const m = text(v, name(k), errors)
        if (m !== undefined && !/^[A-Za-z]+$/.test(m)) errors.push(`${name(k)} must be an HTTP method such as GET or HEAD, not ${show(m)}`)
        else if (m) hc.method = m.toUpperCase()
        break
      }
      case 'status': hc.status = integer(v, name(k), 100, 599, errors) ?? 0; break
      case 'port': hc.port = integer(v, name(k), 1, 65535, errors) ?? 0; break
      case 'scheme': {
        const s = text(v, name(k), errors)?.toLowerCase()
        if (s === 'https' || s === 'http') hc.scheme = s
        else if (s !== undefined && s !== '') errors.push(`${name(k)} must be http or https, not ${show(s)}`)
        break
      }
      case 'mode': {
        const m = text(v, name(k), errors)?.toLowerCase()
        if (m === 'grpc') refused.push(`${name(k)}: gRPC health checks are not supported`)
        else if (m !== undefined && m !== '' && m !== 'http') errors.push(`${name(k)} must be http or grpc, not ${show(m)}`)
        break
      }
      case 'hostname': {
        const h = text(v, name(k), errors)
        if (h !== undefined && /[\s\x00-\x1f\x7f/]/.test(h)) errors.push(`${name(k)} ${show(h)} is not a host name`)
        else if (h !== undefined) hc.hostname = h
        break
      }
      case 'headers': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) {
          errors.push(`${name(k)} must be a mapping of header names to values, not ${show(v)}`)
          break
        }
        for (const [h, hv] of Object.entries(v)) {
          if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(h)) errors.push(`${name(k)}: ${show(h)} is not a header name`)
          else if (typeof hv !== 'string' || /[\r\n\0]/.test(hv)) errors.push(`${name(k)}.${h} must be text on one line`)
          else hc.headers[h] = hv
        }
        break
      }
      case 'interval': hc.interval = duration(v, name(k), errors) ?? hc.interval; break
      case 'unhealthyInterval': hc.unhealthyInterval = duration(v, name(k), errors) ?? 0; break
      case 'timeout': hc.timeout = duration(v, name(k), errors) ?? hc.timeout; break
      case 'followRedirects': {
        const b = typeof v === 'boolean' ? v : typeof v === 'string' && /^(true|false)$/i.test(v.trim()) ? v.trim().toLowerCase() === 'true' : undefined
        if (b === undefined) errors.push(`${name(k)} must be true or false, not ${show(v)}`)
        else hc.followRedirects = b
        break
      }
    }
  }
  if (hc.unhealthyInterval === 0) hc.unhealthyInterval = hc.interval
  return errors.length > 0 || refused.length > 0 ? { errors, refused } : { value: hc, errors, refused }
}

export function readPassiveHealthCheck(raw: Record<string, unknown>, prefix: string): Read<PassiveHealthCheck> {
  const errors: string[] = []
  const o = canonical(raw, PASSIVE_KEYS, prefix, errors)
  const p: PassiveHealthCheck = { failureWindow: DEFAULT_FAILURE_WINDOW_MS, maxFailedAttempts: 1 }
  const fw = o.get('failureWindow')
  if (fw !== undefined) p.failureWindow = duration(fw, `${prefix}failureWindow`, errors) ?? p.failureWindow
  const max = o.get('maxFailedAttempts')
  if (max !== undefined) p.maxFailedAttempts = integer(max, `${prefix}maxFailedAttempts`, 1, 1_000_000, errors) ?? 1
  return errors.length > 0 ? { errors, refused: [] } : { value: p, errors, refused: [] }
}
