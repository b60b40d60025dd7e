// Traefik's http.serversTransports.<name>: how pier connects to the servers of
// the services that name it. Read from the parsed file section, keys
// case-insensitive. What would change whom pier trusts and that pier cannot
// do (cipherSuites in Go's names, peerCertSANs, spiffe) is `refused`: the
// services using the transport are disabled. HTTP/2-only settings are
// ignored (pier speaks HTTP/1.1 to backends).
import type { ServersTransport } from './dynamic.js'
import { parseDuration } from './duration.js'

export interface ReadTransport {
  value?: ServersTransport
  errors: string[]
  /** Keys that change nothing pier does: ignored with a warning. */
  ignored: string[]
  /** Keys pier cannot honour, each with why: the services using the transport are disabled. */
  refused: string[]
}

const KNOWN = ['serverName', 'insecureSkipVerify', 'rootCAs', 'certificates', 'maxIdleConnsPerHost', 'forwardingTimeouts', 'disableHTTP2', 'peerCertURI', 'minVersion', 'maxVersion']
const REFUSED: Record<string, string> = {
  cipherSuites: 'cipher suites toward backends are not supported',
  peerCertSANs: 'peerCertSANs is not supported (peerCertURI is)',
  spiffe: 'SPIFFE is not supported',
}
const TIMEOUTS = ['dialTimeout', 'responseHeaderTimeout', 'idleConnTimeout']
/** HTTP/2 health pings: pier's backend connections are HTTP/1.1. */
const TIMEOUTS_IGNORED = ['readIdleTimeout', 'pingTimeout']
export const TLS_VERSIONS: Record<string, string> = { VersionTLS10: 'TLSv1', VersionTLS11: 'TLSv1.1', VersionTLS12: 'TLSv1.2', VersionTLS13: 'TLSv1.3' }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const show = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`)
const canon = (k: string, list: string[]): string | undefined => list.find((x) => x.toLowerCase() === k.toLowerCase())

function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true'
  return undefined
}

function pem(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== ''
}

export function readServersTransport(obj: Record<string, unknown>, prefix: string): ReadTransport {
  const out: ReadTransport = { errors: [], ignored: [], refused: [] }
  const t: ServersTransport = {}
  for (const [key, v] of Object.entries(obj)) {
    const k = canon(key, KNOWN)
    const at = `${prefix}${key}`
    const refused = canon(key, Object.keys(REFUSED))
    if (refused) {
      out.refused.push(`${at}: ${REFUSED[refused]}`)
      continue
    }
    switch (k) {
      case 'serverName':
      case 'peerCertURI':
      case 'minVersion':
      case 'maxVersion':
        if (typeof v !== 'string') out.errors.push(`${at} must be text, not ${show(v)}`)
        else if ((k === 'minVersion' || k === 'maxVersion') && !(v in TLS_VERSIONS)) out.errors.push(`${at} must be one of ${Object.keys(TLS_VERSIONS).join(', ')}, not ${JSON.stringify(v)}`)
        else if (v !== '') t[k] = v
        break
      case 'insecureSkipVerify':
      case 'disableHTTP2': {
        const b = bool(v)
        if (b === undefined) out.errors.push(`${at} must be true or false, not ${show(v)}`)
        else t[k] = b
        break
      }
      case 'rootCAs': {
        const list = typeof v === 'string' ? [v] : v
        if (Array.isArray(list) && list.every(pem)) t.rootCAs = list
        else out.errors.push(`${at} must be a list of CA certificate files or PEM texts, not ${show(v)}`)
        break
      }
      case 'certificates':
        if (!Array.isArray(v)) {
          out.errors.push(`${at} must be a list of {certFile, keyFile}, not ${show(v)}`)
          break
        }
        t.certificates = []
        v.forEach((c, i) => {
          const f = isObject(c) ? Object.fromEntries(Object.entries(c).map(([ck, cv]) => [canon(ck, ['certFile', 'keyFile']) ?? ck, cv])) : {}
          if (!pem(f.certFile) || !pem(f.keyFile) || Object.keys(f).length !== 2) out.errors.push(`${at}[${i}] must be {certFile, keyFile}, each a path or PEM text, not ${show(c)}`)
          else t.certificates!.push({ certFile: f.certFile, keyFile: f.keyFile })
        })
        break
      case 'maxIdleConnsPerHost': {
        const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN
        if (!Number.isSafeInteger(n)) out.errors.push(`${at} must be an integer, not ${show(v)}`)
        else if (n < 0) out.refused.push(`${at}: a negative value (no connection reuse) is not supported`)
        else if (n > 0) t.maxIdleConnsPerHost = n
        break
      }
      case 'forwardingTimeouts':
        if (v === null) break
        if (!isObject(v)) {
          out.errors.push(`${at} must be a mapping, not ${show(v)}`)
          break
        }
        t.forwardingTimeouts = {}
        for (const [tk, tv] of Object.entries(v)) {
          const name = canon(tk, TIMEOUTS)
          if (!name) {
            if (canon(tk, TIMEOUTS_IGNORED)) out.ignored.push(`${at}.${tk}`)
            else out.errors.push(`unknown key ${at}.${tk} (known: ${TIMEOUTS.join(', ')})`)
            continue
          }
          const ms = typeof tv === 'number' ? tv * 1000 : typeof tv === 'string' ? parseDuration(tv) : undefined
          if (ms === undefined || !(ms >= 0)) out.errors.push(`${at}.${tk} must be a duration such as 30s, not ${show(tv)}`)
          else if (ms > 0) (t.forwardingTimeouts as Record<string, number>)[name] = ms
        }
        break
      default:
        out.errors.push(`unknown key ${at} (known: ${KNOWN.join(', ')})`)
    }
  }
  if (out.errors.length === 0) out.value = t
  return out
}
