// Health check labels, gathered while the labels are read and turned into
// options at the end: v2 `traefik.http.services.<s>.loadbalancer.healthcheck.*`
// (headers as `.headers.<Name>`) and `.passivehealthcheck.*`, v1
// `traefik.backend.healthcheck.*` (headers as `Name:value||Name:value`).
// A bad or unhonoured option disables its service, naming the label.
import { readHealthCheck, readPassiveHealthCheck, type Read } from '../../config/health-check.js'
import type { ParsedLabels } from './labels.js'

type Raw = Record<string, unknown>

export class HealthLabels {
  private readonly active = new Map<string, Raw>()
  private readonly passive = new Map<string, Raw>()
  private v1: Raw | undefined

  /** A v2 service label (field lower-cased, written: the key's segments after the service name); false when not a health label. */
  take(service: string, field: string, written: string[], value: string): boolean {
    const [lb, kind, opt, ...rest] = field.split('.')
    if (lb !== 'loadbalancer' || (kind !== 'healthcheck' && kind !== 'passivehealthcheck') || opt === undefined) return false
    const map = kind === 'healthcheck' ? this.active : this.passive
    const raw = map.get(service) ?? {}
    map.set(service, raw)
    if (kind === 'healthcheck' && opt === 'headers' && rest.length > 0) ((raw.headers ??= {}) as Raw)[written.slice(3).join('.')] = value
    else raw[opt] = value
    return true
  }

  /** A v1 backend health label; false when not one. */
  takeV1(lower: string, value: string): boolean {
    const prefix = 'traefik.backend.healthcheck.'
    if (!lower.startsWith(prefix)) return false
    const opt = lower.slice(prefix.length)
    this.v1 ??= {}
    if (opt === 'headers') this.v1.headers = Object.fromEntries(value.split('||').filter((h) => h.includes(':')).map((h) => [h.slice(0, h.indexOf(':')).trim(), h.slice(h.indexOf(':') + 1).trim()]))
    else this.v1[opt] = value
    return true
  }

  apply(out: ParsedLabels): void {
    for (const [name, raw] of this.active) {
      const s = out.services.get(name) ?? {}
      out.services.set(name, s)
      s.healthCheck = settle(readHealthCheck(raw, `traefik.http.services.${name}.loadbalancer.healthcheck.`), (s.unsupported ??= []))
    }
    for (const [name, raw] of this.passive) {
      const s = out.services.get(name) ?? {}
      out.services.set(name, s)
      s.passiveHealthCheck = settle(readPassiveHealthCheck(raw, `traefik.http.services.${name}.loadbalancer.passivehealthcheck.`), (s.unsupported ??= []))
    }
    if (this.v1?.interval !== undefined) out.v1.healthInterval = true
    if (this.v1) out.v1.healthCheck = settle(readHealthCheck(this.v1, 'traefik.backend.healthcheck.'), (out.v1.unsupportedService ??= []))
    for (const s of out.services.values()) if (s.unsupported?.length === 0) delete s.unsupported
    if (out.v1.unsupportedService?.length === 0) delete out.v1.unsupportedService
  }
}

/** The options, or undefined with every problem added to the service's reasons. */
function settle<T>(read: Read<T>, reasons: string[]): T | undefined {
  for (const e of [...read.errors, ...read.refused]) reasons.push(`label ${e}`)
  return read.value
}
