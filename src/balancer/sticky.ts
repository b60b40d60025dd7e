// Sticky sessions on the worker (Traefik's loadBalancer.sticky.cookie): a
// request whose cookie names a server of the service that is up goes there;
// any other goes to WRR's pick, and its response sets the cookie naming that
// server. Values are compared in place against the table's per-server
// values: nothing is allocated but the Cookie header uWS hands over, and only
// sticky services read it.
import type { RouteTable } from '../table/reader.js'
import type { SmoothWRR } from './wrr.js'
import { COMPAT_FORMS } from './sticky-cookie.js'

interface HeaderSource {
  getHeader(lowerName: string): string
}

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13

/** Go's cookie value bytes (net/http): printable ASCII and space, but `"`, `;` and `\`. */
function validValue(h: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = h.charCodeAt(i)
    if (c < 0x20 || c >= 0x7f || c === 34 || c === 59 || c === 92) return false
  }
  return true
}

/**
 * The server of the service that the Cookie header's cookie names, if it is
 * up and has weight; else -1 (OLDER_FORM - server for a value in a form
 * older Traefik versions set). As Go reads cookies, the first pair of that
 * name with a valid value counts, and one pair of double quotes around it is
 * dropped.
 */
export function stickyServer(t: RouteTable, service: number, header: string): number {
  const name = t.cookieNames[service]!
  const n = header.length
  let at = 0
  while (at < n) {
    let end = header.indexOf(';', at)
    if (end < 0) end = n
    let a = at
    let b = end
    at = end + 1
    while (a < b && isSpace(header.charCodeAt(a))) a++
    while (b > a && isSpace(header.charCodeAt(b - 1))) b--
    if (b - a <= name.length || header.charCodeAt(a + name.length) !== 61 /* = */ || !header.startsWith(name, a)) continue
    a += name.length + 1
    if (b - a >= 2 && header.charCodeAt(a) === 34 && header.charCodeAt(b - 1) === 34) {
      a++
      b--
    }
    // A value naming a server is valid: the check is left for the others.
    const v = named(t, service, header, a, b)
    if (v !== NO_MATCH) return v
    if (validValue(header, a, b)) return -1
  }
  return -1
}

const NO_MATCH = -2
/** stickyServer's answer for an up server named by a value in an older form: OLDER_FORM - server, the cookie to be set anew. */
export const OLDER_FORM = -3

/**
 * The server of the service whose cookie value is header[start, end): its
 * index when it is up, -1 when not, NO_MATCH when none has it; a value in
 * an older Traefik form gives OLDER_FORM - index.
 */
function named(t: RouteTable, service: number, header: string, start: number, end: number): number {
  const first = t.firstServer(service)
  const last = first + t.serverCountOf(service)
  const len = end - start
  for (let v = first; v < last; v++) {
    const value = t.cookieValues[v]!
    if (value.length === len && header.startsWith(value, start)) return up(t, v) ? v : -1
  }
  for (let v = first; v < last; v++) {
    for (let f = v * COMPAT_FORMS; f < (v + 1) * COMPAT_FORMS; f++) {
      const value = t.cookieCompat[f]!
      if (value.length === len && header.startsWith(value, start)) return up(t, v) ? OLDER_FORM - v : -1
    }
  }
  return NO_MATCH
}

const up = (t: RouteTable, v: number): boolean => t.weight(v) > 0 && t.healthState(v) === 0

/** Picks a request's server; one per handler, read right after pick(). */
export class ServerChoice {
  /** The Set-Cookie header the response must carry ('' when the request's cookie already names its server). */
  cookie = ''

  /** The server for a request to service: its sticky cookie's while that server is up, else WRR's; -1 when none. */
  pick(t: RouteTable, wrr: SmoothWRR, service: number, req: HeaderSource): number {
    this.cookie = ''
    if (!t.sticky(service)) return wrr.pick(service)
    const stuck = stickyServer(t, service, req.getHeader('cookie'))
    if (stuck >= 0) return stuck
    // A cookie in an older form keeps its server and is replaced by today's (Traefik 3).
    const v = stuck <= OLDER_FORM ? OLDER_FORM - stuck : wrr.pick(service)
    if (v >= 0) this.cookie = t.setCookies[v]!
    return v
  }
}
