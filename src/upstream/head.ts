// Parses a complete response head (status line + header fields) straight from
// a Buffer: one pass over the bytes with table lookups, names and values
// decoded as latin1, and the framing headers (Content-Length,
// Transfer-Encoding, Connection) interpreted on the way.
import { CR, FIELD, HTAB, LF, SP, TOKEN, bytes, eqLower, latin1 } from './chars.js'
import { BadResponse, badResponse, type UpstreamError } from './errors.js'

const HTTP_1 = bytes('HTTP/1.')
const CONTENT_LENGTH = bytes('content-length')
const TRANSFER_ENCODING = bytes('transfer-encoding')
const CONNECTION = bytes('connection')

/** What parseHead found; one instance is reused per connection. */
export class Head {
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor = 1
  status = 0
  statusText = ''
  /** Flat [name, value, ...] in received order. */
  headers: string[] = []
  /** Parsed Content-Length, -1 when absent. */
  contentLength = -1
  /** Transfer-Encoding was present (its only accepted value is `chunked`). */
  chunked = false
  /** Connection: close was sent. */
  close = false
  /** Connection: keep-alive was sent. */
  keepAlive = false

  reset(): void {
    this.headers = []
    this.contentLength = -1
    this.chunked = false
    this.close = false
    this.keepAlive = false
  }
}

/**
 * Parses buf[start..end), where end is just past the CRLF that ends the last
 * header line (the empty line that closes the head is not included).
 * Returns null on success, else the error to report.
 */
export function parseHead(buf: Buffer, start: number, end: number, out: Head): UpstreamError | null {
  out.reset()
  // Status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF
  let p = start
  if (end - p < 12) return badResponse(BadResponse.STATUS_LINE, 'status line too short')
  for (let i = 0; i < 7; i++) if (buf[p + i] !== HTTP_1[i]) return badResponse(BadResponse.STATUS_LINE, 'status line does not start with HTTP/1.')
  const minor = buf[p + 7]
  if (minor !== 0x30 && minor !== 0x31) return badResponse(BadResponse.STATUS_LINE, 'unsupported HTTP version')
  out.minor = minor - 0x30
  if (buf[p + 8] !== SP) return badResponse(BadResponse.STATUS_LINE, 'expected a space after the version')
  const d0 = buf[p + 9]! - 0x30
  const d1 = buf[p + 10]! - 0x30
  const d2 = buf[p + 11]! - 0x30
  if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return badResponse(BadResponse.STATUS_LINE, 'status code is not 3 digits from 100')
  out.status = d0 * 100 + d1 * 10 + d2
  p += 12
  let c = buf[p]
  if (c === SP) {
    const rs = ++p
    while (p < end && FIELD[buf[p]!] === 1) p++
    out.statusText = p > rs ? latin1(buf, rs, p) : ''
  } else if (c === CR) {
    out.statusText = ''
  } else {
    return badResponse(BadResponse.STATUS_LINE, 'expected a space after the status code')
  }
  if (buf[p] !== CR || buf[p + 1] !== LF) return badResponse(BadResponse.STATUS_LINE, 'invalid character in the status line')
  p += 2
  return parseFields(buf, p, end, out, out.headers, BadResponse.HEADER)
}

/**
 * Parses header lines in buf[p..end) into list (flat name/value pairs).
 * With head set, the framing headers are interpreted into it (trailers pass null).
 */
export function parseFields(
  buf: Buffer,
  p: number,
  end: number,
  head: Head | null,
  list: string[],
  reason: typeof BadResponse.HEADER | typeof BadResponse.TRAILER,
): UpstreamError | null {
  const what = reason === BadResponse.HEADER ? 'header' : 'trailer'
  while (p < end) {
    const ns = p
    while (TOKEN[buf[p]!] === 1) p++
    if (buf[p] !== 0x3a /* : */ || p === ns) {
      return badResponse(reason, `${what} line ${JSON.stringify(latin1(buf, ns, Math.min(end, ns + 40)))} is not "name: value"`)
    }
    const ne = p++
    while (buf[p] === SP || buf[p] === HTAB) p++
    const vs = p
    while (FIELD[buf[p]!] === 1) p++
    if (buf[p] !== CR || buf[p + 1] !== LF) {
      return badResponse(reason, `invalid character in the value of ${what} ${latin1(buf, ns, ne)}`)
    }
    let ve = p
    while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HTAB)) ve--
    p += 2
    const name = latin1(buf, ns, ne)
    const value = ve > vs ? latin1(buf, vs, ve) : ''
    list.push(name, value)
    if (head === null) continue
    const nlen = ne - ns
    if (nlen === 14 && eqLower(buf, ns, ne, CONTENT_LENGTH)) {
      const err = contentLength(buf, vs, ve, head)
      if (err !== null) return err
    } else if (nlen === 17 && eqLower(buf, ns, ne, TRANSFER_ENCODING)) {
      const err = transferEncoding(value, head)
      if (err !== null) return err
    } else if (nlen === 10 && eqLower(buf, ns, ne, CONNECTION)) {
      connection(value, head)
    }
  }
  if (head !== null && head.chunked && head.contentLength !== -1) {
    return badResponse(BadResponse.CL_TE_CONFLICT, 'both Content-Length and Transfer-Encoding')
  }
  return null
}

/** Content-Length: 1*DIGIT, or a list of identical values ("5, 5"); anything else is an error. */
function contentLength(buf: Buffer, s: number, e: number, head: Head): UpstreamError | null {
  let p = s
  for (;;) {
    let n = 0
    const ds = p
    while (p < e && buf[p]! >= 0x30 && buf[p]! <= 0x39) {
      n = n * 10 + (buf[p]! - 0x30)
      p++
    }
    if (p === ds || p - ds > 15) return badResponse(BadResponse.CONTENT_LENGTH, `invalid Content-Length ${JSON.stringify(latin1(buf, s, e))}`)
    if (head.contentLength !== -1 && head.contentLength !== n) {
      return badResponse(BadResponse.DUPLICATE_CONTENT_LENGTH, `differing Content-Length values ${head.contentLength} and ${n}`)
    }
    head.contentLength = n
    while (p < e && (buf[p] === SP || buf[p] === HTAB)) p++
    if (p === e) return null
    if (buf[p] !== 0x2c /* , */) return badResponse(BadResponse.CONTENT_LENGTH, `invalid Content-Length ${JSON.stringify(latin1(buf, s, e))}`)
    p++
    while (p < e && (buf[p] === SP || buf[p] === HTAB)) p++
  }
}

/**
 * Only `chunked` is accepted. Any other coding would reach the client still
 * encoded once the proxy re-frames the body, so it is refused rather than
 * passed on corrupted.
 */
function transferEncoding(value: string, head: Head): UpstreamError | null {
  if (head.chunked || value.trim().toLowerCase() !== 'chunked') {
    return badResponse(BadResponse.TRANSFER_ENCODING, `unsupported Transfer-Encoding ${JSON.stringify(value)} (only a single "chunked" is supported)`)
  }
  head.chunked = true
  return null
}

function connection(value: string, head: Head): void {
  const v = value.toLowerCase()
  if (v === 'close') head.close = true
  else if (v === 'keep-alive') head.keepAlive = true
  else {
    for (const t of v.split(',')) {
      const tok = t.trim()
      if (tok === 'close') head.close = true
      else if (tok === 'keep-alive') head.keepAlive = true
    }
  }
}
