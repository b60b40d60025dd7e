// Request paths as Traefik's path middlewares see them. pier holds the raw
// (percent-encoded) path as the client sent it; Traefik compares prefixes
// and regexes against Go's decoded URL.Path and then cuts the raw path at
// the same place. Decoded paths here are byte strings (one char per byte,
// as Go's strings are), so lengths agree with Go's.

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

/** The raw path with %XX decoded to bytes (a malformed escape is kept as it is). */
export function decodePath(raw: string): string {
  if (raw.indexOf('%') < 0) return raw
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i)
    if (c === 37 && i + 2 < raw.length) {
      const a = hex(raw.charCodeAt(i + 1))
      const b = hex(raw.charCodeAt(i + 2))
      if (a >= 0 && b >= 0) {
        out += String.fromCharCode(a * 16 + b)
        i += 2
        continue
      }
    }
    out += raw[i]
  }
  return out
}

/** Configured text (UTF-8) as the byte string decoded paths are compared with. */
export function byteString(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1')
}

/** Byte string back to text (UTF-8), for header values and messages. */
export function textOf(bytes: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(bytes) ? bytes : Buffer.from(bytes, 'latin1').toString('utf8')
}

/** How many raw chars encode the first `decoded` bytes (Traefik's encodedPrefixLen). */
export function encodedPrefixLen(raw: string, decoded: number): number {
  let n = 0
  let i = 0
  while (i < raw.length && n < decoded) {
    i += raw.charCodeAt(i) === 37 && i + 2 < raw.length ? 3 : 1
    n++
  }
  return i
}

export function ensureLeadingSlash(p: string): string {
  return p === '' || p.charCodeAt(0) === 47 ? p : `/${p}`
}

/**
 * Whether Go's URL.JoinPath would leave the path as it is: no empty, `.` or
 * `..` segment (a trailing slash is kept). Traefik refuses with 400 a path a
 * middleware made that cleaning would change, so a rewrite cannot smuggle
 * `..` past the router's rule.
 */
export function isClean(p: string): boolean {
  if (p.charCodeAt(0) !== 47) return false
  let start = 1
  for (;;) {
    const slash = p.indexOf('/', start)
    const end = slash < 0 ? p.length : slash
    const len = end - start
    if (len === 0 && slash >= 0) return false
    if (len === 1 && p.charCodeAt(start) === 46) return false
    if (len === 2 && p.charCodeAt(start) === 46 && p.charCodeAt(start + 1) === 46) return false
    if (slash < 0) return true
    start = slash + 1
  }
}
