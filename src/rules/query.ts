// Query matching on the raw query string, as Go's url.ParseQuery would see it
// (pairs split on '&', key and value form-decoded: %XX and '+'), comparing
// decoded bytes in place against UTF-8 bytes prepared at compile time.

const encoder = new TextEncoder()

/** UTF-8 bytes of a decoded key or value, prepared once. */
function queryBytes(s: string): Uint8Array {
  return encoder.encode(s)
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

/** True when q[start, end), form-decoded, equals the bytes exactly. */
function decodedEquals(q: string, start: number, end: number, want: Uint8Array): boolean {
  let j = 0
  let i = start
  while (i < end) {
    const c = q.charCodeAt(i)
    if (c === 37 /* % */) {
      const hi = i + 2 < end ? hexValue(q.charCodeAt(i + 1)) : -1
      const lo = hi < 0 ? -1 : hexValue(q.charCodeAt(i + 2))
      if (lo < 0) return false
      if (want[j++] !== hi * 16 + lo) return false
      i += 3
    } else if (c < 0x80) {
      if (want[j++] !== (c === 43 /* + */ ? 32 : c)) return false
      i++
    } else {
      // A raw non-ASCII character: compare its UTF-8 encoding byte by byte.
      const cp = q.codePointAt(i)!
      i += cp > 0xffff ? 2 : 1
      if (cp < 0x800) {
        if (want[j++] !== (0xc0 | (cp >> 6))) return false
      } else {
        if (cp < 0x10000) {
          if (want[j++] !== (0xe0 | (cp >> 12))) return false
        } else {
          if (want[j++] !== (0xf0 | (cp >> 18))) return false
          if (want[j++] !== (0x80 | ((cp >> 12) & 0x3f))) return false
        }
        if (want[j++] !== (0x80 | ((cp >> 6) & 0x3f))) return false
      }
      if (want[j++] !== (0x80 | (cp & 0x3f))) return false
    }
  }
  return j === want.length
}

/**
 * Calls visit(valueStart, valueEnd) for each pair whose key decodes to `key`,
 * until it returns true. Pairs holding ';' are skipped, as Go rejects them.
 */
function forEachValue(q: string, key: Uint8Array, visit: (q: string, start: number, end: number) => boolean): boolean {
  let start = 0
  while (start <= q.length) {
    let end = q.indexOf('&', start)
    if (end < 0) end = q.length
    if (end > start) {
      const semi = q.indexOf(';', start)
      if (semi < 0 || semi >= end) {
        let eq = q.indexOf('=', start)
        if (eq < 0 || eq > end) eq = end
        if (decodedEquals(q, start, eq, key) && visit(q, eq < end ? eq + 1 : end, end)) return true
      }
    }
    start = end + 1
  }
  return false
}

/** A predicate over the raw query: some pair key=value, both compared decoded. */
export function queryEquals(key: string, value: string): (q: string) => boolean {
  const k = queryBytes(key)
  const v = queryBytes(value)
  const visit = (q: string, start: number, end: number): boolean => decodedEquals(q, start, end, v)
  return (q) => forEachValue(q, k, visit)
}

function decode(q: string, start: number, end: number): string | null {
  try {
    return decodeURIComponent(q.slice(start, end).replace(/\+/g, ' '))
  } catch {
    return null // a bad escape: Go drops the pair
  }
}

/**
 * A predicate over the raw query: some pair with this key whose decoded value
 * matches. Allocates the decoded value, only for requests carrying the key.
 */
export function queryMatches(key: string, re: RegExp): (q: string) => boolean {
  const k = queryBytes(key)
  const visit = (q: string, start: number, end: number): boolean => {
    const value = decode(q, start, end)
    return value !== null && re.test(value)
  }
  return (q) => forEachValue(q, k, visit)
}
