// Sticky session labels, gathered while the labels are read and turned into
// options at the end: v2 `traefik.http.services.<s>.loadbalancer.sticky`
// (true/false), `.sticky.cookie` (true/false) and `.sticky.cookie.<option>`;
// v1 `traefik.backend.loadbalancer.sticky` / `.stickiness` (true/false) and
// `.stickiness.cookieName` / `.secure` / `.httpOnly` / `.sameSite`. As in Traefik, `sticky=false` drops the sticky
// labels of its service, and `sticky=true` alone makes nothing sticky (there
// is no cookie). A bad value disables its service, naming the label.
import type { Sticky } from '../../config/dynamic.js'
import { readSticky, readStickyCookie } from '../../config/sticky.js'
import type { ParsedLabels } from './labels.js'
import type { Sink } from './label-values.js'

interface Raw {
  /** sticky=, cookie=: true, false, or the bad value */
  sticky?: string
  cookie?: string
  /** cookie.<option>, by the option's written name */
  options: Record<string, string>
  /** sticky.<anything but cookie>, as written */
  unknown: string[]
}

const V1_PREFIX = 'traefik.backend.loadbalancer.'
/** Traefik 1.7's stickiness options (lower-cased, after the prefix) and the cookie options they are. */
const V1_COOKIE: Record<string, string> = { 'stickiness.cookiename': 'name', 'stickiness.secure': 'secure', 'stickiness.httponly': 'httpOnly', 'stickiness.samesite': 'sameSite' }

export class StickyLabels {
  private readonly v2 = new Map<string, Raw>()
  private v1: { on?: string; options: Record<string, string> } | undefined

  /** A v2 service label (field lower-cased; written: the key's segments after the service name); false when not a sticky label. */
  take(service: string, field: string, written: string[], value: string): boolean {
    const [lb, sticky, cookie, ...rest] = field.split('.')
    if (lb !== 'loadbalancer' || sticky !== 'sticky') return false
    const raw = this.v2.get(service) ?? { options: {}, unknown: [] }
    this.v2.set(service, raw)
    if (cookie === undefined) raw.sticky = value
    else if (cookie !== 'cookie') raw.unknown.push(written.slice(2).join('.'))
    else if (rest.length === 0) raw.cookie = value
    else raw.options[written.slice(3).join('.')] = value
    return true
  }

  /** A v1 backend stickiness label (lower-cased); false when not one. */
  takeV1(lower: string, value: string): boolean {
    if (!lower.startsWith(V1_PREFIX)) return false
    const opt = lower.slice(V1_PREFIX.length)
    const cookieOpt = V1_COOKIE[opt]
    if (opt === 'sticky' || opt === 'stickiness') {
      this.v1 ??= { options: {} }
      // Either one true turns stickiness on (Traefik 1.7 took the deprecated `sticky` too).
      if (this.v1.on !== 'true') this.v1.on = value.toLowerCase()
    } else if (cookieOpt !== undefined) (this.v1 ??= { options: {} }).options[cookieOpt] = value
    else return false
    return true
  }

  apply(out: ParsedLabels, warn: Sink): void {
    for (const [name, raw] of this.v2) {
      const s = out.services.get(name) ?? {}
      out.services.set(name, s)
      const prefix = `traefik.http.services.${name}.loadbalancer.sticky`
      const reasons = (s.unsupported ??= [])
      const sticky = flag(raw.sticky, prefix, reasons)
      const cookie = flag(raw.cookie, `${prefix}.cookie`, reasons)
      if (sticky === false || sticky === null || cookie === null) continue
      for (const k of raw.unknown) reasons.push(`label ${prefix}.${k}: not a sticky option (options: cookie)`)
      if (raw.unknown.length > 0) continue
      const wantCookie = cookie === true || (cookie === undefined && Object.keys(raw.options).length > 0)
      const read = readSticky(wantCookie ? { cookie: raw.options } : {}, `${prefix}.`)
      for (const w of read.warnings) warn(`${prefix}.cookie.samesite`, 'DOCKER_BAD_LABEL', w)
      s.sticky = settle(read.value, read.errors, reasons)
    }
    if (this.v1) {
      const reasons = (out.v1.unsupportedService ??= [])
      const on = flag(this.v1.on, `${V1_PREFIX}stickiness`, reasons)
      if (on === true) {
        const read = readStickyCookie(this.v1.options, `${V1_PREFIX}stickiness.`)
        for (const w of read.warnings) warn(`${V1_PREFIX}stickiness.samesite`, 'DOCKER_BAD_LABEL', w)
        out.v1.sticky = settle(read.value, read.errors, reasons)
      }
    }
  }
}

/** A true/false label value: undefined when absent, null (with a reason) when neither. */
function flag(value: string | undefined, label: string, reasons: string[]): boolean | null | undefined {
  if (value === undefined) return undefined
  const v = value.trim().toLowerCase()
  if (v === 'true') return true
  if (v === 'false') return false
  reasons.push(`label ${label}: ${JSON.stringify(value)} is not true or false`)
  return null
}

function settle(value: Sticky | undefined, errors: string[], reasons: string[]): Sticky | undefined {
  for (const e of errors) reasons.push(`label ${e}`)
  return value
}
