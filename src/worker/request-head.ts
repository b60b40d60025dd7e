// Checks a client request and serializes the head pier sends upstream.
// uWS 20.30 hands over requests a proxy must not forward as they are: two
// Host headers, a Host that is no host name, differing Content-Length
// values, an unknown transfer coding (uWS reads any as chunked), targets
// with bytes a URI cannot hold (decoded as UTF-8, so written back as latin1
// they could turn into CR or LF), DEL in a field value. Those are refused
// here with the status to answer; so are expectations other than
// 100-continue (which uWS answers itself) and heads beyond the entrypoint's
// limits. Hop-by-hop headers and Expect are dropped; X-Forwarded-* are set.
// uWS itself guarantees the rest: a known upper-case method, a target
// starting with '/', field names of [a-z0-9-], values without CR, LF, NUL.
// Values come decoded as UTF-8 (bytes that are not UTF-8 as U+FFFD): the
// head must be written as UTF-8, never latin1 (see upstream/pool.ts).

/** What readRequest reads headers from: uWS's request, or a middleware chain's edited copy of it. */
export interface HeaderSource {
  getHeader(lowerName: string): string
  forEach(cb: (name: string, value: string) => void): void
}

export const BODY_NONE = 0
export const BODY_LENGTH = 1
export const BODY_CHUNKED = 2

export interface RequestLimits {
  /** Header fields, counted as `name: value` CRLF each. */
  maxHeaderBytes: number
  /** Method, target and version, with their spaces. */
  maxRequestLineBytes: number
}

export interface HeadResult {
  /** 0 when the request may be forwarded, else the status to answer with (and close). */
  status: number
  reason: string
  /** The Host header ('' when absent). */
  host: string
  body: 0 | 1 | 2
  /** Declared Content-Length, -1 when chunked or none. */
  length: number
  /** For the access log, read on the way ('' when absent). */
  userAgent: string
  referer: string
  /** The request carries X-Forwarded-* (or X-Real-Ip, X-Scheme) headers: whether they are kept depends on trust. */
  forwarded: boolean
}

/** Traefik's managed forwarding headers: from a client not trusted (forwardedHeaders), none is believed. */
export const FORWARDING_HEADERS = new Set([
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-server', 'x-forwarded-uri', 'x-forwarded-method',
  'x-forwarded-prefix', 'x-forwarded-scheme', 'x-forwarded-tls-client-cert', 'x-forwarded-tls-client-cert-info', 'x-scheme', 'x-real-ip',
])

/** Status lines of the refusals (and of a request a bug stopped). */
export const REFUSAL: Record<number, string> = {
  400: '400 Bad Request',
  413: '413 Content Too Large',
  414: '414 URI Too Long',
  417: '417 Expectation Failed',
  431: '431 Request Header Fields Too Large',
  500: '500 Internal Server Error',
  501: '501 Not Implemented',
}

// Scratch state of the one request being read: forEach's callback is a
// module-level function so that reading headers creates no closure.
let hosts = 0
let host = ''
let lengths = 0
let lengthValue = ''
let lengthsDiffer = false
let coding = ''
let expect = ''
let forwardedFor = ''
/** Incoming values of the forwarding headers pier sets itself, kept only from a trusted peer. */
let forwardedProto = ''
let forwardedHost = ''
let forwardedPort = ''
/** Other forwarding headers (X-Forwarded-Uri, -Prefix, -Tls-Client-Cert...), as lines: kept only from a trusted peer. */
let forwardedLines = ''
let forwarded = false
let named: string[] | null = null
let userAgent = ''
let referer = ''
let del = false
let headerBytes = 0
let out = ''
let framing = ''

function visit(k: string, v: string): void {
  headerBytes += k.length + v.length + 4
  switch (k) {
    case 'host':
      hosts++
      host = v
      return
    case 'content-length':
      if (lengths++ > 0 && v !== lengthValue) lengthsDiffer = true
      lengthValue = v
      return
    case 'transfer-encoding':
      coding = coding ? `${coding}, ${v}` : v
      return
    case 'expect':
      expect = expect ? `${expect}, ${v}` : v
      return
    case 'user-agent':
      userAgent = v
      break
    case 'referer':
      referer = v
      break
    // Traefik's managed forwarding headers: from an untrusted peer none is kept (upstreamHead decides).
    case 'x-forwarded-for':
      forwarded = true
      forwardedFor = forwardedFor ? `${forwardedFor}, ${v}` : v
      return
    case 'x-forwarded-proto':
      forwarded = true
      forwardedProto ||= v
      return
    case 'x-forwarded-host':
      forwarded = true
      forwardedHost ||= v
      return
    case 'x-forwarded-port':
      forwarded = true
      forwardedPort ||= v
      return
    case 'x-forwarded-uri':
    case 'x-forwarded-method':
    case 'x-forwarded-prefix':
    case 'x-forwarded-scheme':
    case 'x-forwarded-tls-client-cert':
    case 'x-forwarded-tls-client-cert-info':
    case 'x-scheme':
      forwarded = true
      if (v.indexOf('\x7f') !== -1) del = true
      forwardedLines += `${k}: ${v}\r\n`
      return
    // pier always sets these itself: X-Real-Ip is the client pier sees, whoever claims otherwise.
    case 'x-forwarded-server':
    case 'x-real-ip':
      forwarded = true
      return
    case 'connection':
    case 'keep-alive':
    case 'te':
    case 'trailer':
    case 'upgrade':
    // pier re-frames WebSocket messages, so no extension can be agreed end to end (see upgrade-exchange.ts).
    case 'sec-websocket-extensions':
      return
  }
  if (k.startsWith('proxy-')) return
  if (named !== null && named.includes(k)) return
  if (v.indexOf('\x7f') !== -1) del = true
  out += `${k}: ${v}\r\n`
}

/** Header names listed in Connection (beyond keep-alive/close), lower-cased. */
function connectionNames(value: string): string[] | null {
  if (value === '' || value === 'keep-alive' || value === 'close') return null
  return value
    .toLowerCase()
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'keep-alive' && s !== 'close')
}

/**
 * Characters a request target may hold as sent: printable ASCII but for
 * `"`, `<`, `>`, `\`, backquote and `#` (no client percent-encodes less;
 * `{`, `}`, `|` and `^` stay allowed, as browsers send them in queries).
 */
const TARGET = new Uint8Array(128)
for (let c = 0x21; c <= 0x7e; c++) TARGET[c] = 1
for (const c of '"<>\\`#') TARGET[c.charCodeAt(0)] = 0

/** Letters, digits, `-` and `_` (labels of a host name). */
const HOST = new Uint8Array(128)
for (const c of '-_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ') HOST[c.charCodeAt(0)] = 1

function validTarget(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c > 0x7e || TARGET[c] === 0) return false
  }
  return true
}

/** 1-65535 in s[from..to), digits only. */
function validPort(s: string, from: number, to: number): boolean {
  if (to - from < 1 || to - from > 5) return false
  let n = 0
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 0x30
    if (d < 0 || d > 9) return false
    n = n * 10 + d
  }
  return n >= 1 && n <= 65535
}

/** A host name (labels joined by single dots, one trailing dot allowed) or an IPv6 literal, and an optional port. */
function validHost(s: string): boolean {
  const n = s.length
  if (n === 0 || n > 261) return false
  if (s.charCodeAt(0) === 0x5b /* [ */) {
    const close = s.indexOf(']')
    if (close < 3) return false
    for (let i = 1; i < close; i++) {
      const c = s.charCodeAt(i)
      const hex = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66)
      if (!hex && c !== 0x3a && c !== 0x2e) return false
    }
    if (close === n - 1) return true
    return s.charCodeAt(close + 1) === 0x3a && validPort(s, close + 2, n)
  }
  let end = n
  const colon = s.indexOf(':')
  if (colon !== -1) {
    if (!validPort(s, colon + 1, n)) return false
    end = colon
  }
  let label = 0
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x2e /* . */) {
      if (label === 0) return false
      label = 0
    } else if (c > 0x7e || HOST[c] === 0) return false
    else label++
  }
  return end > 0
}

const DIGITS = /^[0-9]+$/
/** uWS 20.30 frames bodies of up to 9 digits; it closes the connection after the handler for a longer Content-Length. */
const MAX_LENGTH_DIGITS = 9

const result: HeadResult = { status: 0, reason: '', host: '', body: BODY_NONE, length: -1, userAgent: '', referer: '', forwarded: false }

function refuse(status: number, reason: string): HeadResult {
  result.status = status
  result.reason = reason
  return result
}

/**
 * Reads req's request line and headers, checks them and prepares the
 * upstream head (upstreamHead() finishes it). The returned object is reused
 * by the next call: read it before handling another request.
 */
export function readRequest(req: HeaderSource, method: string, path: string, query: string, limits: RequestLimits): HeadResult {
  const r = result
  r.status = 0
  r.body = BODY_NONE
  r.length = -1
  hosts = lengths = headerBytes = 0
  host = lengthValue = coding = expect = forwardedFor = forwardedProto = forwardedHost = forwardedPort = forwardedLines = out = framing = userAgent = referer = ''
  lengthsDiffer = del = forwarded = false
  const lineBytes = method.length + path.length + (query ? query.length + 1 : 0) + 10
  if (lineBytes > limits.maxRequestLineBytes) return refuse(414, `request line longer than ${limits.maxRequestLineBytes} bytes`)
  if (!validTarget(path) || !validTarget(query)) return refuse(400, 'request target holds characters a URI cannot hold')
  named = connectionNames(req.getHeader('connection'))
  req.forEach(visit)
  r.host = host
  r.userAgent = userAgent
  r.referer = referer
  r.forwarded = forwarded
  if (headerBytes > limits.maxHeaderBytes) return refuse(431, `request header fields larger than ${limits.maxHeaderBytes} bytes`)
  if (hosts > 1) return refuse(400, 'duplicate Host header')
  if (!validHost(host)) return refuse(400, 'invalid Host header')
  if (del) return refuse(400, 'control character in a header value')
  if (lengthsDiffer) return refuse(400, 'differing Content-Length values')
  if (expect !== '' && expect.toLowerCase() !== '100-continue') return refuse(417, `expectation ${JSON.stringify(expect)} is not supported`)
  if (coding !== '') {
    if (coding.toLowerCase() !== 'chunked') return refuse(501, `transfer coding ${JSON.stringify(coding)} is not implemented`)
    if (lengths > 0) return refuse(400, 'both Content-Length and Transfer-Encoding')
    r.body = BODY_CHUNKED
    framing = 'transfer-encoding: chunked\r\n'
  } else if (lengths > 0) {
    if (!DIGITS.test(lengthValue)) return refuse(400, 'invalid Content-Length')
    if (lengthValue.length > MAX_LENGTH_DIGITS) return refuse(413, 'Content-Length of 1 GB or more (send such a body chunked)')
    r.length = Number(lengthValue)
    if (r.length > 0) {
      r.body = BODY_LENGTH
      framing = `content-length: ${r.length}\r\n`
    } else if (method !== 'GET' && method !== 'HEAD') framing = 'content-length: 0\r\n'
  }
  return r
}

export interface ForwardInfo {
  method: string
  target: string
  /** Host header to send. */
  host: string
  clientIP: string
  /** Client's Host header for X-Forwarded-Host. */
  forwardedHost: string
  /** Entrypoint port for X-Forwarded-Port. */
  port: number
  /** Entrypoint scheme for X-Forwarded-Proto: http or https. */
  proto: string
  /** Host name of this proxy for X-Forwarded-Server. */
  server: string
  /** A WebSocket upgrade: the head asks the backend to switch (and X-Forwarded-Proto says ws, as Traefik's does). */
  upgrade: boolean
  /** The client may tell pier about itself: its X-Forwarded-* headers are kept (forwardedHeaders.trustedIPs). */
  trusted: boolean
  /** A trusted X-Forwarded-For gets the client appended (not with forwardedHeaders.notAppendXForwardedFor). */
  appendForwardedFor: boolean
  /**
   * Values a middleware set for the headers pier writes itself (a headers
   * middleware's X-Forwarded-Proto: https), [lower-case name, value] flat;
   * an empty value leaves the header out. null: none (the usual case).
   */
  overrides: string[] | null
}

/**
 * The forwarding headers pier writes ([for, host, port, proto] computed), a
 * middleware's values taking the place of any it set.
 */
function forwardedHeaders(f: ForwardInfo, own: [string, string, string, string]): string {
  const o = f.overrides!
  let out = ''
  const names = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-proto', 'x-forwarded-server', 'x-real-ip'] as const
  const values = [...own, f.server, f.clientIP]
  names.forEach((name, k) => {
    const i = o.indexOf(name)
    const v = i >= 0 && (i & 1) === 0 ? o[i + 1]! : values[k]!
    if (v !== '') out += `${name}: ${v}\r\n`
  })
  return out
}

/**
 * The head to send upstream for the request readRequest() last accepted.
 * A trusted client's forwarding headers are kept (its X-Forwarded-For
 * appended to, unless notAppendXForwardedFor); anyone else's are replaced.
 */
export function upstreamHead(f: ForwardInfo): string {
  const start = `${f.method} ${f.target} HTTP/1.1\r\nhost: ${f.host}\r\n${out}${framing}${f.upgrade ? 'connection: upgrade\r\nupgrade: websocket\r\n' : ''}`
  const kept = forwarded && f.trusted
  const xff = kept && forwardedFor !== '' ? (f.appendForwardedFor ? `${forwardedFor}, ${f.clientIP}` : forwardedFor) : f.clientIP
  const xfh = kept && forwardedHost !== '' ? forwardedHost : f.forwardedHost
  const xfp = kept && forwardedPort !== '' ? forwardedPort : String(f.port)
  const proto = kept && forwardedProto !== '' ? forwardedProto : f.upgrade ? (f.proto === 'https' ? 'wss' : 'ws') : f.proto
  const extra = kept ? forwardedLines : ''
  if (f.overrides) return `${start}${extra}${forwardedHeaders(f, [xff, xfh, xfp, proto])}\r\n`
  return (
    `${start}${extra}x-forwarded-for: ${xff}\r\nx-forwarded-host: ${xfh}\r\nx-forwarded-port: ${xfp}\r\n` +
    `x-forwarded-proto: ${proto}\r\nx-forwarded-server: ${f.server}\r\nx-real-ip: ${f.clientIP}\r\n\r\n`
  )
}
