// Traefik's accessLog.fields: which fields a line carries. `defaultMode`
// (keep or drop) and per-field `names` (Traefik's field names, any case);
// `queryParameters.defaultMode` drop takes the query off the logged path.
// In JSON a dropped field is left out; in the common formats it reads "-".
// Header fields (request_*, origin_*, downstream_*) follow `headers`.
import type { AccessLogEntry } from './format.js'
import { clfTime, isoTime } from './format.js'

export type FieldMode = 'keep' | 'drop' | 'redact'

export interface AccessLogFields {
  defaultMode: 'keep' | 'drop'
  /** Lower-cased field name -> mode */
  names: Record<string, 'keep' | 'drop'>
  headers: { defaultMode: FieldMode; names: Record<string, FieldMode> }
  queryParameters: 'keep' | 'drop'
}

/** The fields Traefik logs that pier knows, in Traefik's names. */
export const FIELD_NAMES = [
  'RequestCount', 'ClientAddr', 'ClientHost', 'ClientUsername', 'DownstreamContentSize', 'DownstreamStatus', 'Duration',
  'RequestHost', 'RequestMethod', 'RequestPath', 'RequestProtocol', 'RequestScheme', 'RetryAttempts', 'RouterName',
  'ServiceName', 'ServiceURL', 'ServiceAddr', 'StartUTC', 'entryPointName',
] as const

type Field = (typeof FIELD_NAMES)[number]

function keeps(f: AccessLogFields): Set<Field> {
  return new Set(FIELD_NAMES.filter((n) => (f.names[n.toLowerCase()] ?? f.defaultMode) === 'keep'))
}

function pathOf(e: AccessLogEntry, f: AccessLogFields): string {
  if (f.queryParameters === 'keep') return e.path
  const q = e.path.indexOf('?')
  return q < 0 ? e.path : e.path.slice(0, q)
}

/** A JSON line formatter honouring fields (slower than the fixed one in format.ts, which serves the default). */
export function jsonWithFields(f: AccessLogFields): (e: AccessLogEntry) => string {
  const kept = keeps(f)
  return (e) => {
    const addr = e.upstream.replace(/^[a-z]+:\/\//, '')
    const all: Record<Field, unknown> = {
      RequestCount: e.count, ClientAddr: e.clientIp, ClientHost: e.clientIp, ClientUsername: '-', DownstreamContentSize: e.size,
      DownstreamStatus: e.status, Duration: Math.round(e.durationMs * 1e6), RequestHost: e.host || null, RequestMethod: e.method,
      RequestPath: pathOf(e, f), RequestProtocol: e.protocol, RequestScheme: 'http', RetryAttempts: e.attempts, RouterName: e.router || null,
      ServiceName: e.service || null, ServiceURL: e.upstream || null, ServiceAddr: addr || null, StartUTC: isoTime(e.startMs),
      entryPointName: e.entryPoint || null,
    }
    const out: Record<string, unknown> = {}
    for (const n of FIELD_NAMES) if (kept.has(n)) out[n] = all[n]
    for (const [name, value] of e.headers ?? knownHeaders(e)) {
      const mode = headerMode(f, name.slice(name.indexOf('_') + 1))
      if (mode !== 'drop') out[name] = mode === 'redact' ? 'REDACTED' : value
    }
    out.level = 'info'
    out.msg = ''
    out.time = isoTime(e.startMs + e.durationMs)
    return `${JSON.stringify(out)}\n`
  }
}

/** The request headers every entry carries, when no others were captured. */
function knownHeaders(e: AccessLogEntry): [string, string][] {
  const out: [string, string][] = []
  if (e.userAgent !== '') out.push(['request_User-Agent', e.userAgent])
  if (e.referer !== '') out.push(['request_Referer', e.referer])
  return out
}

/** A header's mode; header names compare case-insensitively. */
export function headerMode(f: AccessLogFields, header: string): FieldMode {
  const lower = header.toLowerCase()
  for (const [n, mode] of Object.entries(f.headers.names)) if (n.toLowerCase() === lower) return mode
  return f.headers.defaultMode
}

/** The common (or genericCLF, without Traefik's extras) format honouring fields: a dropped field reads "-". */
export function commonWithFields(f: AccessLogFields, generic: boolean): (e: AccessLogEntry) => string {
  const kept = keeps(f)
  const has = (n: Field): boolean => kept.has(n)
  const q = (s: string): string => (s === '' ? '"-"' : JSON.stringify(s))
  const ua = headerMode(f, 'User-Agent') === 'drop' ? () => '"-"' : headerMode(f, 'User-Agent') === 'redact' ? () => '"REDACTED"' : (e: AccessLogEntry) => q(e.userAgent)
  const ref = headerMode(f, 'Referer') === 'drop' ? () => '"-"' : headerMode(f, 'Referer') === 'redact' ? () => '"REDACTED"' : (e: AccessLogEntry) => q(e.referer)
  return (e) => {
    const line = [
      has('ClientHost') ? e.clientIp : '-', ' - - [', has('StartUTC') ? clfTime(e.startMs) : '-', '] "',
      has('RequestMethod') ? e.method : '-', ' ', has('RequestPath') ? JSON.stringify(pathOf(e, f)).slice(1, -1) : '-', ' ', has('RequestProtocol') ? e.protocol : '-', '" ',
      has('DownstreamStatus') ? e.status : '-', ' ', has('DownstreamContentSize') ? e.size : '-', ' ', ref(e), ' ', ua(e),
    ]
    if (!generic) {
      line.push(' ', has('RequestCount') ? e.count : '-', ' ', has('RouterName') ? q(e.router) : '"-"', ' ', has('ServiceURL') ? q(e.upstream) : '"-"', ' ', has('Duration') ? `${Math.floor(e.durationMs)}ms` : '-')
    }
    line.push('\n')
    return line.join('')
  }
}
