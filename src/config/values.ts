// Value parsers for static configuration keys. Each takes the raw value and
// where it came from, and throws a ConfigError naming the key, the value and
// what was expected.
import { ConfigError, ConfigErrorCode } from './errors.js'
import { parseDuration } from './duration.js'
import type { Level, Format } from '../log.js'
import type { EntryPoint } from './static.js'
import type { AccessLogFormat } from '../accesslog/format.js'
import type { FieldMode } from '../accesslog/fields.js'
import { parseStatusCodes } from '../accesslog/filters.js'
import { parseNet } from '../rules/ip.js'
import type { V1EntryPointDraft } from './draft.js'

/** A raw value: text, or true for a bare flag / an empty section in a file. */
export type Raw = string | true

export interface Origin {
  /** The key as the user wrote it: `--docker.endpoint` or `providers.docker.endpoint` */
  label: string
  /** For file keys: `pier.yml line 4` */
  where?: string
}

export interface Value {
  raw: Raw
  at: Origin
}

export function describe(at: Origin): string {
  return at.where ? `${at.label} (${at.where})` : at.label
}

export function badValue(v: Value, expected: string): ConfigError {
  if (v.raw === true) return new ConfigError(ConfigErrorCode.MISSING_VALUE, `no value for ${describe(v.at)}: expected ${expected}`)
  return new ConfigError(ConfigErrorCode.BAD_VALUE, `bad value ${JSON.stringify(v.raw)} for ${describe(v.at)}: expected ${expected}`)
}

function text(v: Value, expected: string): string {
  if (v.raw === true) throw badValue(v, expected)
  return v.raw.trim()
}

const truthy = new Set(['true', 't', '1'])
const falsy = new Set(['false', 'f', '0'])

/** Go's strconv.ParseBool forms; a bare flag means true. */
export function bool(v: Value): boolean {
  if (v.raw === true) return true
  const s = v.raw.trim().toLowerCase()
  if (truthy.has(s)) return true
  if (falsy.has(s)) return false
  throw badValue(v, 'true or false')
}

export function str(v: Value): string {
  const s = text(v, 'a value')
  if (s === '') throw badValue(v, 'a non-empty value')
  return s
}

export function int(v: Value, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const expected = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer of at least ${min}`
  const s = text(v, expected)
  if (!/^\d+$/.test(s)) throw badValue(v, expected)
  const n = Number(s)
  if (n < min || n > max) throw badValue(v, `${expected} up to ${max}`)
  return n
}

const sizeUnits: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1 << 20, mb: 1 << 20, mib: 1 << 20, g: 1 << 30, gb: 1 << 30, gib: 1 << 30 }

/** Bytes: a whole number with an optional binary unit (64KiB, 16MiB, 1GiB; K, M, G and KB, MB, GB mean the same). */
export function byteSize(v: Value, min: number, max: number): number {
  const expected = `a size in bytes such as 65536, 64KiB or 16MiB, from ${min} to ${max}`
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text(v, expected))
  const unit = m ? sizeUnits[m[2]!.toLowerCase()] : undefined
  if (!m || unit === undefined) throw badValue(v, expected)
  const n = Number(m[1]) * unit
  if (n < min || n > max) throw badValue(v, expected)
  return n
}

/** Milliseconds. */
export function duration(v: Value): number {
  const expected = 'a duration such as 100ms, 2s or 1m30s, or a number of seconds'
  const ms = parseDuration(text(v, expected))
  if (ms === undefined) throw badValue(v, expected)
  return ms
}

/** `[host]:port`, Traefik's entrypoint address, with an optional `/tcp` or `/udp` suffix. */
export function address(v: Value): EntryPoint {
  const expected = 'an address [host]:port such as :80, 0.0.0.0:8000, [::1]:8080 or :53/udp'
  let s = text(v, expected)
  const udp = /\/udp$/i.test(s)
  s = s.replace(/\/(tcp|udp)$/i, '')
  const colon = s.lastIndexOf(':')
  if (colon < 0) throw badValue(v, expected)
  let host = s.slice(0, colon)
  const port = s.slice(colon + 1)
  if (host.startsWith('[')) {
    if (!host.endsWith(']') || host.length < 3) throw badValue(v, expected)
    host = host.slice(1, -1)
  } else if (host.includes(':') || /\s/.test(host)) {
    throw badValue(v, expected)
  }
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw badValue(v, `${expected}, with a port from 1 to 65535`)
  return udp ? { host, port: Number(port), udp } : { host, port: Number(port) }
}

const levels: Record<string, Level> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  warning: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  panic: 'ERROR',
}

/** Traefik's log levels, any case; TRACE maps to DEBUG, FATAL and PANIC to ERROR. */
export function level(v: Value): Level {
  const l = levels[text(v, 'DEBUG, INFO, WARN or ERROR').toLowerCase()]
  if (!l) throw badValue(v, 'DEBUG, INFO, WARN or ERROR')
  return l
}

export function format(v: Value): Format {
  const s = text(v, 'common or json').toLowerCase()
  if (s !== 'common' && s !== 'json') throw badValue(v, 'common or json')
  return s
}

/** The access log's formats: Traefik's common, genericCLF and json. */
export function accessLogFormat(v: Value): AccessLogFormat {
  const s = text(v, 'common, genericCLF or json').toLowerCase()
  if (s === 'common' || s === 'json') return s
  if (s === 'genericclf') return 'genericCLF'
  throw badValue(v, 'common, genericCLF or json')
}

/** A field's mode: keep or drop, and redact where `redact` (headers). */
export function fieldMode<R extends boolean>(v: Value, redact: R): R extends true ? FieldMode : 'keep' | 'drop' {
  const expected = redact ? 'keep, drop or redact' : 'keep or drop'
  const s = text(v, expected).toLowerCase()
  if (s === 'keep' || s === 'drop' || (redact && s === 'redact')) return s as never
  throw badValue(v, expected)
}

/** Traefik's HTTP status code list: 200, 300-302, ... (comma-separated). */
export function statusCodes(v: Value): [number, number][] {
  try {
    return parseStatusCodes(text(v, 'status codes such as 200,500-599').split(',').filter((s) => s.trim() !== ''))
  } catch (err) {
    throw badValue(v, `status codes such as 200,500-599 (${(err as Error).message})`)
  }
}

/** Histogram buckets in seconds: comma-separated, positive, increasing. */
export function buckets(v: Value): number[] {
  const expected = 'increasing positive numbers of seconds separated by commas, such as 0.1,0.3,1.2,5'
  const parts = text(v, expected).split(',').map((p) => p.trim())
  const out: number[] = []
  for (const p of parts) {
    const n = Number(p)
    if (p === '' || !Number.isFinite(n) || n <= 0 || (out.length > 0 && n <= out[out.length - 1]!)) throw badValue(v, expected)
    out.push(n)
  }
  return out
}

/** A Docker endpoint: unix://, tcp://, http:// or https://. */
export function dockerEndpoint(v: Value): string {
  const expected = 'a Docker endpoint such as unix:///var/run/docker.sock or tcp://host:2376'
  const s = text(v, expected)
  const m = /^(unix|tcp|http|https):\/\/(.+)$/i.exec(s)
  if (!m) throw badValue(v, expected)
  if (m[1]!.toLowerCase() !== 'unix' && !/^[^/:]+(:\d+)?\/?$/.test(m[2]!)) throw badValue(v, `${expected} (host and optional port)`)
  return s
}

/** The TLS and redirection words of a v1 entrypoint. */
export interface V1TlsWords {
  tls: boolean
  cert?: { certFile: string; keyFile: string }
  redirectTo?: string
  redirectPermanent?: boolean
  forwardedTrusted?: string[]
  forwardedInsecure?: boolean
  proxyTrusted?: string[]
  proxyInsecure?: boolean
  compress?: boolean
  whiteList?: string[]
  whiteListXff?: boolean
  /** Auth.Basic.Users:u:hash,u2:hash2 and the other Auth.* words, in the draft's shape */
  auth?: V1EntryPointDraft['auth']
}

/** IPs and CIDRs, v4 or v6, separated by commas (trustedIPs). */
export function ipList(v: Value): string[] {
  const expected = 'IPs or CIDRs separated by commas, such as 10.0.0.0/8,192.168.1.7,fd00::/8'
  const items = text(v, expected).split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (items.length === 0 || items.some((s) => parseNet(s) === null)) throw badValue(v, expected)
  return items
}

/**
 * Traefik v1's `Name:http Address::80` entrypoint form, with `TLS`,
 * `TLS:cert.pem,key.pem`, `Redirect.EntryPoint:https` and
 * `Redirect.Permanent:true`; several joined by commas.
 */
const V1_AUTH_WORDS = ['auth.basic.users', 'auth.basic.removeheader', 'auth.digest.users', 'auth.digest.removeheader', 'auth.forward.address', 'auth.forward.trustforwardheader', 'auth.forward.authresponseheaders', 'auth.headerfield']

/** The Auth.* words of a v1 entrypoint flag, as the TOML form gives them. */
function v1AuthWords(fields: Map<string, string>, word: (k: string) => Value): V1EntryPointDraft['auth'] | undefined {
  const auth: V1EntryPointDraft['auth'] = {}
  const split = (k: string): string[] => fields.get(k)!.split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const kind of ['basic', 'digest'] as const) {
    if (!fields.has(`auth.${kind}.users`)) continue
    auth[kind] = { users: split(`auth.${kind}.users`) }
    if (fields.has(`auth.${kind}.removeheader`)) auth[kind]!.removeHeader = bool(word(`auth.${kind}.removeheader`))
  }
  if (fields.has('auth.forward.address')) {
    const f: Record<string, unknown> = { address: fields.get('auth.forward.address') }
    if (fields.has('auth.forward.trustforwardheader')) f.trustForwardHeader = bool(word('auth.forward.trustforwardheader'))
    if (fields.has('auth.forward.authresponseheaders')) f.authResponseHeaders = split('auth.forward.authresponseheaders')
    auth.forward = f
  }
  if (fields.has('auth.headerfield')) auth.headerField = fields.get('auth.headerfield')
  return Object.keys(auth).length > 0 ? auth : undefined
}

export function v1EntryPoints(v: Value): Array<{ name: string; address: string; words: V1TlsWords }> {
  const expected = 'Traefik v1 form Name:<name> Address:[host]:port [TLS[:cert,key]] [Redirect.EntryPoint:<name>] [ForwardedHeaders.TrustedIPs:<ips>] [ProxyProtocol.TrustedIPs:<ips>] [Compress:true] [WhiteList.SourceRange:<ips>] [Auth.Basic.Users:<user:hash,...>] [Auth.Digest.Users:...] [Auth.Forward.Address:<url>] [Auth.HeaderField:<header>], several separated by commas (other v1 entrypoint options are not supported)'
  return text(v, expected)
    .split(/,(?=\s*name:)/i)
    .map((one) => {
      const fields = new Map<string, string>()
      const words: V1TlsWords = { tls: false }
      for (const word of one.trim().split(/\s+/)) {
        if (word.toLowerCase() === 'tls') {
          words.tls = true
          continue
        }
        const colon = word.indexOf(':')
        if (colon <= 0) throw badValue(v, expected)
        fields.set(word.slice(0, colon).toLowerCase(), word.slice(colon + 1))
      }
      const name = fields.get('name')
      const address = fields.get('address')
      const tls = fields.get('tls')
      if (tls !== undefined) {
        const [certFile, keyFile, ...rest] = tls.split(',')
        if (!certFile || !keyFile || rest.length > 0) throw badValue(v, `${expected}; TLS:<certFile>,<keyFile>`)
        words.tls = true
        words.cert = { certFile, keyFile }
      }
      const to = fields.get('redirect.entrypoint')
      if (to !== undefined) words.redirectTo = to
      const permanent = fields.get('redirect.permanent')
      if (permanent !== undefined) words.redirectPermanent = bool({ raw: permanent, at: v.at })
      const word = (k: string): Value | undefined => (fields.has(k) ? { raw: fields.get(k)!, at: v.at } : undefined)
      const ft = word('forwardedheaders.trustedips')
      if (ft) words.forwardedTrusted = ipList(ft)
      const fi = word('forwardedheaders.insecure')
      if (fi) words.forwardedInsecure = bool(fi)
      const pt = word('proxyprotocol.trustedips')
      if (pt) words.proxyTrusted = ipList(pt)
      const pi = word('proxyprotocol.insecure')
      if (pi) words.proxyInsecure = bool(pi)
      const co = word('compress')
      if (co) words.compress = bool(co)
      const wl = word('whitelist.sourcerange') ?? word('whitelistsourcerange')
      if (wl) words.whiteList = ipList(wl)
      const wx = word('whitelist.usexforwardedfor')
      if (wx) words.whiteListXff = bool(wx)
      const auth = v1AuthWords(fields, (k) => word(k)!)
      if (auth) words.auth = auth
      const known = [...V1_AUTH_WORDS, 'name', 'address', 'tls', 'redirect.entrypoint', 'redirect.permanent', 'forwardedheaders.trustedips', 'forwardedheaders.insecure', 'proxyprotocol.trustedips', 'proxyprotocol.insecure', 'compress', 'whitelist.sourcerange', 'whitelistsourcerange', 'whitelist.usexforwardedfor']
      if (!name || !address || [...fields.keys()].some((k) => !known.includes(k))) throw badValue(v, expected)
      return { name, address, words }
    })
}
