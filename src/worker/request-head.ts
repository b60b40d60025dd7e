// Checks a client request's headers and serializes the head pier sends
// upstream. uWS lets a few ambiguous requests through (two Host headers,
// two Content-Length values, an unknown transfer coding): those are refused
// here. Hop-by-hop headers are dropped; X-Forwarded-* are set.

/** What buildHead reads headers from: uWS's request, or a middleware chain's edited copy of it. */
export interface HeaderSource {
  getHeader(lowerName: string): string
  forEach(cb: (name: string, value: string) => void): void
}

export const BODY_NONE = 0
export const BODY_LENGTH = 1
export const BODY_CHUNKED = 2

export interface HeadResult {
  /** 0 when the request may be forwarded, else the status to answer with. */
  status: number
  reason: string
  head: string
  body: 0 | 1 | 2
  /** Declared Content-Length, -1 when chunked or none. */
  length: number
  /** For the access log, read on the way ('' when absent). */
  userAgent: string
  referer: string
}

// Scratch state of the one request being read: forEach's callback is a
// module-level function so that reading headers creates no closure.
let hosts = 0
let lengths = 0
let lengthValue = ''
let coding = ''
let forwardedFor = ''
let named: string[] | null = null
let userAgent = ''
let referer = ''
let nul = false
let out = ''

function visit(k: string, v: string): void {
  switch (k) {
    case 'host':
      hosts++
      return
    case 'content-length':
      lengths++
      lengthValue = v
      return
    case 'transfer-encoding':
      coding = coding ? `${coding}, ${v}` : v
      return
    case 'user-agent':
      userAgent = v
      break
    case 'referer':
      referer = v
      break
    case 'x-forwarded-for':
      forwardedFor = forwardedFor ? `${forwardedFor}, ${v}` : v
      return
    case 'connection':
    case 'keep-alive':
    case 'te':
    case 'trailer':
    case 'upgrade':
    case 'x-forwarded-proto':
    case 'x-forwarded-host':
    case 'x-forwarded-port':
    case 'x-forwarded-server':
    case 'x-real-ip':
    // pier re-frames WebSocket messages, so no extension can be agreed end to end (see upgrade-exchange.ts).
    case 'sec-websocket-extensions':
      return
  }
  if (k.startsWith('proxy-')) return
  if (named !== null && named.includes(k)) return
  if (v.indexOf('\0') !== -1) nul = true
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

const DIGITS = /^[0-9]{1,15}$/

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
  /**
   * Values a middleware set for the headers pier writes itself (a headers
   * middleware's X-Forwarded-Proto: https), [lower-case name, value] flat;
   * an empty value leaves the header out. null: none (the usual case).
   */
  overrides?: string[] | null
}

/** The forwarding headers pier writes, with a middleware's values where it set any. */
function forwardedHeaders(f: ForwardInfo, xff: string): string {
  const o = f.overrides!
  let out = ''
  for (const [name, own] of [
    ['x-forwarded-for', xff],
    ['x-forwarded-host', f.forwardedHost],
    ['x-forwarded-port', String(f.port)],
    ['x-forwarded-proto', f.upgrade ? (f.proto === 'https' ? 'wss' : 'ws') : f.proto],
    ['x-forwarded-server', f.server],
    ['x-real-ip', f.clientIP],
  ] as const) {
    const i = o.indexOf(name)
    const v = i >= 0 && (i & 1) === 0 ? o[i + 1]! : own
    if (v !== '') out += `${name}: ${v}\r\n`
  }
  return out
}

const result: HeadResult = { status: 0, reason: '', head: '', body: BODY_NONE, length: -1, userAgent: '', referer: '' }

/**
 * Reads req's headers and builds the upstream head. The returned object is
 * reused by the next call: read it before handling another request.
 */
export function buildHead(req: HeaderSource, f: ForwardInfo): HeadResult {
  hosts = lengths = 0
  lengthValue = coding = forwardedFor = out = userAgent = referer = ''
  nul = false
  named = connectionNames(req.getHeader('connection'))
  req.forEach(visit)
  const r = result
  r.userAgent = userAgent
  r.referer = referer
  r.status = 0
  r.body = BODY_NONE
  r.length = -1
  if (hosts > 1) return fail(400, 'duplicate Host header')
  if (lengths > 1) return fail(400, 'duplicate Content-Length header')
  if (nul) return fail(400, 'NUL byte in a header value')
  let framing = ''
  if (coding !== '') {
    if (coding.toLowerCase() !== 'chunked') return fail(501, `transfer coding ${JSON.stringify(coding)} is not implemented`)
    if (lengths > 0) return fail(400, 'both Content-Length and Transfer-Encoding')
    r.body = BODY_CHUNKED
    framing = 'transfer-encoding: chunked\r\n'
  } else if (lengths === 1) {
    if (!DIGITS.test(lengthValue)) return fail(400, 'invalid Content-Length')
    r.length = Number(lengthValue)
    if (r.length > 0) {
      r.body = BODY_LENGTH
      framing = `content-length: ${r.length}\r\n`
    } else if (f.method !== 'GET' && f.method !== 'HEAD') framing = 'content-length: 0\r\n'
  }
  const xff = forwardedFor ? `${forwardedFor}, ${f.clientIP}` : f.clientIP
  if (f.overrides) {
    r.head = `${f.method} ${f.target} HTTP/1.1\r\nhost: ${f.host}\r\n${out}${framing}${f.upgrade ? 'connection: upgrade\r\nupgrade: websocket\r\n' : ''}${forwardedHeaders(f, xff)}\r\n`
    return r
  }
  r.head =
    `${f.method} ${f.target} HTTP/1.1\r\nhost: ${f.host}\r\n${out}${framing}${f.upgrade ? 'connection: upgrade\r\nupgrade: websocket\r\n' : ''}` +
    `x-forwarded-for: ${xff}\r\nx-forwarded-host: ${f.forwardedHost}\r\nx-forwarded-port: ${f.port}\r\n` +
    `x-forwarded-proto: ${f.upgrade ? (f.proto === 'https' ? 'wss' : 'ws') : f.proto}\r\nx-forwarded-server: ${f.server}\r\nx-real-ip: ${f.clientIP}\r\n\r\n`
  return r
}

function fail(status: number, reason: string): HeadResult {
  result.status = status
  result.reason = reason
  return result
}
