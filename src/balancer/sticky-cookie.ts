// The sticky cookie as Traefik 3 writes it, computed once per table on the
// primary: its name, its value per server and the attributes of its
// Set-Cookie header. The value is derived from the server's URL alone, so it
// is the same in every worker thread and in every table that keeps the server.
import { nodeCrypto } from '../lazy-modules.js'
import type { StickyCookie } from '../config/dynamic.js'

/** Traefik's default name: `_` and the first 5 hex digits of SHA-1("_TRAEFIK_BACKEND_" + qualified service name). */
export function defaultCookieName(service: string): string {
  return `_${nodeCrypto().createHash('sha1').update(`_TRAEFIK_BACKEND_${service}`).digest('hex')}`.slice(0, 6)
}

/** A configured name made a cookie token as Traefik does: every character outside it becomes `_`. */
export function cookieName(cookie: StickyCookie, service: string): string {
  if (!cookie.name) return defaultCookieName(service)
  return cookie.name.replace(/[^A-Za-z0-9!#$%&'*+\-.^`|~]/gu, '_')
}

/** The cookie value naming a server: the first 16 hex digits of SHA-256 of its URL (Traefik 3). */
export function cookieValue(url: string): string {
  return nodeCrypto().createHash('sha256').update(url).digest('hex').slice(0, 16)
}

/** How many older cookie values per server Traefik 3 still honours (and replaces). */
export const COMPAT_FORMS = 3

/** Go's FNV-1 64 (hash/fnv New64) of the UTF-8 text, in hex without padding. */
function fnv64(text: string): string {
  let h = 0xcbf29ce484222325n
  for (const b of Buffer.from(text, 'utf8')) h = ((h * 0x100000001b3n) & 0xffffffffffffffffn) ^ BigInt(b)
  return h.toString(16)
}

/** Values older Traefik versions set for a server: its URL, FNV-64 of it, and FNV-64 of that. */
export function compatValues(url: string): string[] {
  const once = fnv64(url)
  return [url, once, fnv64(once)]
}

/** What follows `name=value` in the Set-Cookie header, in Go's order (net/http Cookie.String). */
export function cookieAttributes(cookie: StickyCookie): string {
  let out = ''
  const path = cookie.path ?? '/'
  if (path !== '') out += `; Path=${path}`
  if (cookie.domain) out += `; Domain=${cookie.domain.startsWith('.') ? cookie.domain.slice(1) : cookie.domain}`
  const maxAge = cookie.maxAge ?? 0
  if (maxAge > 0) out += `; Max-Age=${maxAge}`
  else if (maxAge < 0) out += '; Max-Age=0'
  if (cookie.httpOnly) out += '; HttpOnly'
  if (cookie.secure) out += '; Secure'
  const sameSite = (cookie.sameSite ?? '').toLowerCase()
  if (sameSite === 'none') out += '; SameSite=None'
  else if (sameSite === 'lax') out += '; SameSite=Lax'
  else if (sameSite === 'strict') out += '; SameSite=Strict'
  return out
}
