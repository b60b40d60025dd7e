// Host comparison on the hot path: a Host header as received (any case, maybe
// a :port, maybe a trailing dot, maybe an [IPv6] literal) against a host name
// normalised at compile time, with charCodeAt loops and no copies.

/**
 * Length of the host part of a Host header: without a :port and a trailing
 * dot; an [IPv6] literal keeps its brackets. -1 when a bracket is unclosed.
 */
export function hostLength(header: string): number {
  let end = header.length
  if (end > 0 && header.charCodeAt(0) === 91 /* [ */) {
    const close = header.indexOf(']')
    if (close < 0) return -1
    end = close + 1
  } else {
    // One colon is a port; several mean a bare IPv6 address.
    const colon = header.indexOf(':')
    if (colon >= 0 && header.indexOf(':', colon + 1) < 0) end = colon
  }
  if (end > 0 && header.charCodeAt(end - 1) === 46 /* . */) end--
  return end
}

/** header[0, length) equals lowerHost (a trailing dot on it ignored), ASCII case-insensitively. */
export function hostPartEquals(header: string, length: number, lowerHost: string): boolean {
  let want = lowerHost.length
  if (want > 0 && lowerHost.charCodeAt(want - 1) === 46) want--
  if (length !== want) return false
  for (let i = 0; i < want; i++) {
    let c = header.charCodeAt(i)
    if (c >= 65 && c <= 90) c += 32
    if (c !== lowerHost.charCodeAt(i)) return false
  }
  return true
}

/**
 * Case-insensitive comparison of a Host header (ignoring :port and a trailing
 * dot) with a lower-case host, without allocating. `lowerHost` is as
 * normalizeHost returns it: lower-case, an IPv6 address in brackets.
 */
export function hostEquals(header: string, lowerHost: string): boolean {
  // The usual case, a lower-case header without port, is one memory compare.
  if (header === lowerHost) return true
  return hostPartEquals(header, hostLength(header), lowerHost)
}

/** Why a Host argument is unusable, or null. */
export function hostProblem(host: string): string | null {
  for (let i = 0; i < host.length; i++) {
    if (host.charCodeAt(i) > 127) return `non-ASCII characters are not allowed in Host '${host}' (use the punycode form)`
  }
  if (!host.startsWith('[') && host.indexOf(':') >= 0 && host.indexOf(':') === host.lastIndexOf(':')) {
    return `Host '${host}' carries a port; the port in the Host header is ignored, so name the host alone`
  }
  return null
}

/**
 * A Host argument as compared and indexed: lower-case, no trailing dot, an
 * IPv6 address in brackets as it appears in a Host header (Traefik users
 * write Host(`::1`); [::1] is accepted too).
 */
export function normalizeHost(host: string): string {
  let h = host.toLowerCase()
  if (h.endsWith('.')) h = h.slice(0, -1)
  if (!h.startsWith('[') && h.includes(':')) h = `[${h}]`
  return h
}
