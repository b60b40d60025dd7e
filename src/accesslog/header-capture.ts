// Which headers the access log's JSON lines carry (Traefik's
// accessLog.fields.headers), and their capture in the worker: request
// headers while uWS's request is valid, downstream_ (the response head as
// the client got it) when the head is written. Only made
// when the fields keep or redact some header: no capture costs nothing.
import type { HttpRequest } from 'uWebSockets.js'
import type { AccessLogFields } from './fields.js'
import type { AccessLogFormat } from './format.js'

/** One request's captured header fields, named as Traefik names them: request_User-Agent, downstream_Content-Type. */
export class CapturedHeaders {
  readonly fields: [string, string][] = []
  constructor(private readonly plan: HeaderPlan) {}

  /** One response header field under a prefix (downstream_: as the client got it). */
  header(prefix: string, name: string, value: string): void {
    const lower = name.toLowerCase()
    if (this.plan.wants(lower)) add(this.fields, `${prefix}${this.plan.canonical(lower)}`, value)
  }
}

export class HeaderPlan {
  readonly #modes = new Map<string, 'keep' | 'drop' | 'redact'>()
  readonly #default: 'keep' | 'drop' | 'redact'
  /** Names already in Traefik's (Go's canonical) form, by lower-cased name. */
  readonly #canonical = new Map<string, string>()

  constructor(fields: AccessLogFields['headers']) {
    this.#default = fields.defaultMode
    for (const [n, mode] of Object.entries(fields.names)) this.#modes.set(n.toLowerCase(), mode)
  }

  /** The header (lower-cased name) appears in lines, kept or redacted. */
  wants(lower: string): boolean {
    return (this.#modes.get(lower) ?? this.#default) !== 'drop'
  }

  /** A lower-cased name as Go's textproto.CanonicalMIMEHeaderKey writes it, remembered. */
  canonical(lower: string): string {
    let c = this.#canonical.get(lower)
    if (c === undefined) {
      c = canonicalHeaderKey(lower)
      if (this.#canonical.size < 1024) this.#canonical.set(lower, c)
    }
    return c
  }

  /** The client's request headers the lines want. Host is not a header to Go (req.Host), so Traefik never logs request_Host. */
  request(req: HttpRequest): CapturedHeaders {
    const out = new CapturedHeaders(this)
    req.forEach((k, v) => {
      if (k !== 'host' && this.wants(k)) add(out.fields, `request_${this.canonical(k)}`, v)
    })
    return out
  }
}

/** A repeated header is one field, its values joined with commas (as Traefik joins them). */
function add(out: [string, string][], name: string, value: string): void {
  for (const f of out) {
    if (f[0] === name) {
      f[1] = `${f[1]},${value}`
      return
    }
  }
  out.push([name, value])
}

/** Go's CanonicalMIMEHeaderKey: upper-case the first letter and each one after a hyphen; a name with other than token characters is left as is. */
export function canonicalHeaderKey(name: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return name
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase())
}

/** The plan for these settings, or null when lines carry no header captured here (common formats read only User-Agent and Referer). */
export function headerPlan(format: AccessLogFormat, fields: AccessLogFields | undefined): HeaderPlan | null {
  if (format !== 'json' || fields === undefined) return null
  const h = fields.headers
  if (h.defaultMode === 'drop' && Object.values(h.names).every((m) => m === 'drop')) return null
  return new HeaderPlan(h)
}
