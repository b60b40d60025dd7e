// Traefik's loadBalancer.sticky options, read the same way from a file
// section (typed values) and from labels (strings): keys case-insensitive,
// every problem a message naming the option. A sticky section without a
// cookie is kept as Traefik keeps it, and makes nothing sticky.
import { isIP } from 'node:net'
import type { Sticky, StickyCookie } from './dynamic.js'

export interface StickyRead {
  value?: Sticky
  /** Bad values: the configuration is wrong. */
  errors: string[]
  /** Accepted, though it may not do what the writer meant. */
  warnings: string[]
}

const COOKIE_KEYS = ['name', 'secure', 'httpOnly', 'sameSite', 'maxAge', 'path', 'domain'] as const
const SAME_SITE = new Set(['none', 'lax', 'strict'])

const show = (v: unknown): string => JSON.stringify(v) ?? String(v)
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function bool(v: unknown, name: string, errors: string[]): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true'
  errors.push(`${name} must be true or false, not ${show(v)}`)
  return undefined
}

/** Go's cookie domain rule (net/http): letters, digits, `-` and `_` in dot-separated labels, not all digits; or an IP. */
export function isCookieDomain(d: string): boolean {
  if (isIP(d) !== 0) return true
  const host = d.startsWith('.') ? d.slice(1) : d
  return host.length > 0 && host.length <= 255 && /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*$/.test(host) && /[A-Za-z_-]/.test(host)
}

/**
 * raw: the sticky section (`cookie` within), keys in any case; null or {}
 * is a section without a cookie. prefix names the options in messages
 * (`loadBalancer.sticky.`).
 */
export function readSticky(raw: unknown, prefix: string): StickyRead {
  const errors: string[] = []
  const warnings: string[] = []
  if (raw === null || raw === undefined) return { value: {}, errors, warnings }
  if (!isObject(raw)) return { errors: [`${prefix.slice(0, -1)} must be a mapping, not ${show(raw)}`], warnings }
  const sticky: Sticky = {}
  for (const [k, v] of Object.entries(raw)) {
    if (k.toLowerCase() !== 'cookie') {
      errors.push(`${prefix}${k} is not a sticky option (options: cookie)`)
      continue
    }
    if (v !== null && v !== undefined && !isObject(v)) errors.push(`${prefix}${k} must be a mapping, not ${show(v)}`)
    else sticky.cookie = readCookie(v ?? {}, `${prefix}${k}.`, errors, warnings)
  }
  return errors.length > 0 ? { errors, warnings } : { value: sticky, errors, warnings }
}

/** A cookie section alone (Traefik 1.7's stickiness options), prefix naming its options. */
export function readStickyCookie(raw: Record<string, unknown>, prefix: string): StickyRead {
  const errors: string[] = []
  const warnings: string[] = []
  const cookie = readCookie(raw, prefix, errors, warnings)
  return errors.length > 0 ? { errors, warnings } : { value: { cookie }, errors, warnings }
}

function readCookie(raw: Record<string, unknown>, prefix: string, errors: string[], warnings: string[]): StickyCookie {
  const given = new Map<(typeof COOKIE_KEYS)[number], unknown>()
  for (const [k, v] of Object.entries(raw)) {
    const key = COOKIE_KEYS.find((c) => c.toLowerCase() === k.toLowerCase())
    if (key) given.set(key, v)
    else errors.push(`${prefix}${k} is not a sticky cookie option (options: ${COOKIE_KEYS.join(', ')})`)
  }
  // One key order whatever the input's, so equal settings compare equal as JSON.
  const cookie: StickyCookie = {}
  for (const key of COOKIE_KEYS) {
    const v = given.get(key)
    if (v === undefined || v === null) continue
    const name = `${prefix}${key}`
    if (key === 'secure' || key === 'httpOnly') {
      const b = bool(v, name, errors)
      if (b !== undefined) cookie[key] = b
    } else if (key === 'maxAge') {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN
      if (Number.isSafeInteger(n)) cookie.maxAge = n
      else errors.push(`${name} must be a whole number of seconds, not ${show(v)}`)
    } else if (typeof v !== 'string') {
      errors.push(`${name} must be text, not ${show(v)}`)
    } else {
      const t = v.trim()
      if (key === 'sameSite' && t !== '' && !SAME_SITE.has(t.toLowerCase())) warnings.push(`${name} ${show(v)} is not none, lax or strict: the cookie gets no SameSite attribute (as in Traefik)`)
      if (key === 'path' && !/^[\x20-\x3a\x3c-\x7e]*$/.test(t)) errors.push(`${name} ${show(v)} may hold only printable ASCII other than ";"`)
      else if (key === 'domain' && t !== '' && !isCookieDomain(t)) errors.push(`${name} ${show(v)} is not a domain name or an IP address`)
      else cookie[key] = t
    }
  }
  return cookie
}
