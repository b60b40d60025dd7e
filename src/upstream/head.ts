// Parses a response head (status line + header fields) straight from a
// Buffer, line by line and resumably: a head split across reads is continued
// at its first unfinished line. One pass over the bytes with table lookups,
// names and values decoded as latin1, and the framing headers
// (Content-Length, Transfer-Encoding, Connection) interpreted on the way.
// Lines may end in CRLF or a bare LF, as nginx and Go (so Traefik) accept
// from backends; pier re-serializes every header it forwards, so the
// leniency cannot reach the client. A CR anywhere else is an error.
import { ASCII_FIELD, CR, FIELD, HTAB, LF, SP, TOKEN, bytes, eqLower, latin1 } from './chars.js'
import { BadResponse, badResponse, type UpstreamError } from './errors.js'
import { text } from './text-cache.js'

const HTTP_1 = bytes('HTTP/1.')
const CONTENT_LENGTH = bytes('content-length')
const TRANSFER_ENCODING = bytes('transfer-encoding')
const CONNECTION = bytes('connection')
const KEEP_ALIVE = bytes('keep-alive')

/** parseHead results besides the index past the head. */
export const HEAD_ERROR = -1
export const HEAD_INCOMPLETE = -2

/** What parseHead found so far; one instance is reused per connection. */
export class Head {
  /** The status line has been parsed; header lines follow. */
  started = false
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
  /** The server's idle limit from `Keep-Alive: timeout=N`, in ms; -1 when not given. */
  keepAliveTimeoutMs = -1
  /** The reason phrase or a header value holds bytes 0x80-0xff (decoded as latin1, one character per byte). */
  obsText = false
  /** After HEAD_INCOMPLETE: where the first unfinished line starts. */
  resume = 0
  /** After HEAD_ERROR: what was wrong. */
  error: UpstreamError | null = null

  reset(): void {
    this.started = false
    this.headers = []
    this.contentLength = -1
    this.chunked = false
    this.close = false
    this.keepAlive = false
    this.keepAliveTimeoutMs = -1
    this.obsText = false
    this.error = null
  }
}

function fail(out: Head, err: UpstreamError): number {
  out.error = err
  return HEAD_ERROR
}

function incomplete(out: Head, at: number): number {
  out.resume = at
  return HEAD_INCOMPLETE
}

/**
 * Parses head lines from buf[p..end). Returns the index just past the empty
 * line that ends the head, HEAD_INCOMPLETE (out.resume: where to continue
 * once more bytes are there), or HEAD_ERROR (out.error).
 */
export function parseHead(buf: Buffer, p: number, end: number, out: Head): number {
  if (!out.started) {
    p = statusLine(buf, p, end, out)
    if (p < 0) return p
  }
  return parseFields(buf, p, end, out, out.headers, BadResponse.HEADER)
}

/** Where the field text starting at p ends (at most end); notes obs-text, whose scan is taken only when one is met. */
function fieldEnd(buf: Buffer, p: number, end: number, out: Head): number {
  while (p < end && ASCII_FIELD[buf[p]!] === 1) p++
  if (p < end && buf[p]! >= 0x80) {
    out.obsText = true
    while (p < end && FIELD[buf[p]!] === 1) p++
  }
  return p
}

/** HTTP/1.x SP 3DIGIT [SP reason] (CR)LF */
function statusLine(buf: Buffer, p: number, end: number, out: Head): number {
  let lf = p
  while (lf < end && buf[lf] !== LF) lf++
  if (lf === end) {
    // Not a whole line yet, but a stream that is not HTTP can be told at once.
    for (let i = 0; i < 7 && p + i < end; i++) {
      if (buf[p + i] !== HTTP_1[i]) return fail(out, badResponse(BadResponse.STATUS_LINE, 'response does not start with HTTP/1.'))
    }
    return incomplete(out, p)
  }
  const le = lf > p && buf[lf - 1] === CR ? lf - 1 : lf
  if (le - p < 12) return fail(out, badResponse(BadResponse.STATUS_LINE, 'status line too short'))
  for (let i = 0; i < 7; i++) if (buf[p + i] !== HTTP_1[i]) return fail(out, badResponse(BadResponse.STATUS_LINE, 'status line does not start with HTTP/1.'))
  const minor = buf[p + 7]
  if (minor !== 0x30 && minor !== 0x31) return fail(out, badResponse(BadResponse.STATUS_LINE, 'unsupported HTTP version'))
  out.minor = minor - 0x30
  if (buf[p + 8] !== SP) return fail(out, badResponse(BadResponse.STATUS_LINE, 'expected a space after the version'))
  const d0 = buf[p + 9]! - 0x30
  const d1 = buf[p + 10]! - 0x30
  const d2 = buf[p + 11]! - 0x30
  if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return fail(out, badResponse(BadResponse.STATUS_LINE, 'status code is not 3 digits from 100'))
  out.status = d0 * 100 + d1 * 10 + d2
  let q = p + 12
  if (q === le) {
    out.statusText = ''
  } else {
    if (buf[q] !== SP) return fail(out, badResponse(BadResponse.STATUS_LINE, 'expected a space after the status code'))
    const rs = ++q
    q = fieldEnd(buf, q, le, out)
    if (q !== le) return fail(out, badResponse(BadResponse.STATUS_LINE, 'invalid character in the reason phrase'))
    out.statusText = le > rs ? text(buf, rs, le) : ''
  }
  out.started = true
  return lf + 1
}

/**
 * Parses header lines from buf[p..end) into list (flat name/value pairs)
 * up to the empty line. With head set, the framing headers are interpreted
 * into it. Returns as parseHead does (the trailer parser passes a complete
 * section whose lines end in CRLF).
 */
export function parseFields(
  buf: Buffer,
  p: number,
  end: number,
  head: Head,
  list: string[],
  reason: typeof BadResponse.HEADER | typeof BadResponse.TRAILER,
): number {
  const what = reason === BadResponse.HEADER ? 'header' : 'trailer'
  for (;;) {
    if (p >= end) return incomplete(head, p)
    const c = buf[p]
    if (c === LF) {
      p += 1
      break
    }
    if (c === CR) {
      if (p + 1 >= end) return incomplete(head, p)
      if (buf[p + 1] !== LF) return fail(head, badResponse(reason, `CR not followed by LF in the ${what}s`))
      p += 2
      break
    }
    const ns = p
    while (p < end && TOKEN[buf[p]!] === 1) p++
    if (p >= end) return incomplete(head, ns)
    if (buf[p] !== 0x3a /* : */ || p === ns) {
      return fail(head, badResponse(reason, `${what} line ${JSON.stringify(latin1(buf, ns, Math.min(end, ns + 40)))} is not "name: value"`))
    }
    const ne = p++
    while (p < end && (buf[p] === SP || buf[p] === HTAB)) p++
    const vs = p
    p = fieldEnd(buf, p, end, head)
    if (p >= end) return incomplete(head, ns)
    let ve = p
    if (buf[p] === LF) p += 1
    else if (buf[p] !== CR) return fail(head, badResponse(reason, `invalid character in the value of ${what} ${latin1(buf, ns, ne)}`))
    else if (p + 1 >= end) return incomplete(head, ns)
    else if (buf[p + 1] !== LF) return fail(head, badResponse(reason, `invalid character in the value of ${what} ${latin1(buf, ns, ne)}`))
    else p += 2
    while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HTAB)) ve--
    const name = text(buf, ns, ne)
    const value = ve > vs ? text(buf, vs, ve) : ''
    list.push(name, value)
    if (reason !== BadResponse.HEADER) continue
    const nlen = ne - ns
    let err: UpstreamError | null = null
    if (nlen === 14 && eqLower(buf, ns, ne, CONTENT_LENGTH)) err = contentLength(buf, vs, ve, head)
    else if (nlen === 17 && eqLower(buf, ns, ne, TRANSFER_ENCODING)) err = transferEncoding(value, head)
    else if (nlen === 10 && eqLower(buf, ns, ne, CONNECTION)) connection(value, head)
    else if (nlen === 10 && eqLower(buf, ns, ne, KEEP_ALIVE)) keepAliveTimeout(value, head)
    if (err !== null) return fail(head, err)
  }
  if (reason === BadResponse.HEADER && head.chunked && head.contentLength !== -1) {
    return fail(head, badResponse(BadResponse.CL_TE_CONFLICT, 'both Content-Length and Transfer-Encoding'))
  }
  return p
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

/** `Keep-Alive: timeout=5, max=100`: the server closes idle connections after timeout seconds. */
function keepAliveTimeout(value: string, head: Head): void {
  const v = value.toLowerCase()
  const i = v.indexOf('timeout=')
  if (i === -1 || (i > 0 && v[i - 1] !== ' ' && v[i - 1] !== ',')) return
  let n = 0
  let p = i + 8
  for (; p < v.length && p < i + 17; p++) {
    const d = v.charCodeAt(p) - 0x30
    if (d < 0 || d > 9) break
    n = n * 10 + d
  }
  if (p > i + 8) head.keepAliveTimeoutMs = n * 1000
}
