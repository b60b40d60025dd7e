// Which backend response headers pier does not copy: hop-by-hop ones, and
// the framing and Date headers that uWS writes itself.

function eqLower(name: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    let c = name.charCodeAt(i)
    if (c >= 65 && c <= 90) c |= 0x20
    if (c !== lower.charCodeAt(i)) return false
  }
  return true
}

/** Allocation-free check on a header name in any case. */
export function isDroppedResponseHeader(name: string): boolean {
  switch (name.length) {
    case 2:
      return eqLower(name, 'te')
    case 4:
      return eqLower(name, 'date')
    case 7:
      return eqLower(name, 'trailer') || eqLower(name, 'upgrade')
    case 10:
      return eqLower(name, 'connection') || eqLower(name, 'keep-alive')
    case 14:
      return eqLower(name, 'content-length')
    case 16:
      return eqLower(name, 'proxy-connection')
    case 17:
      return eqLower(name, 'transfer-encoding')
    case 18:
      return eqLower(name, 'proxy-authenticate')
  }
  return false
}

/** Extra names a response's Connection header lists (rare): lower-cased, or null. */
export function connectionListed(headers: string[]): string[] | null {
  let listed: string[] | null = null
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.length !== 10 || !eqLower(headers[i]!, 'connection')) continue
    for (const t of headers[i + 1]!.toLowerCase().split(',')) {
      const n = t.trim()
      if (n && n !== 'close' && n !== 'keep-alive') (listed ??= []).push(n)
    }
  }
  return listed
}

/** The Content-Length a HEAD response announced, or -1. */
export function announcedLength(headers: string[]): number {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.length === 14 && eqLower(headers[i]!, 'content-length')) {
      const n = Number(headers[i + 1])
      return Number.isSafeInteger(n) && n >= 0 ? n : -1
    }
  }
  return -1
}
