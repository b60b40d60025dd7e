// One access log line in Traefik's common (CLF-like) or JSON format.
//
// Traefik's RequestCount is "requests received since start" across the whole
// process, which no worker knows; lines carry COUNT_MARKER in its place and the
// primary's writer numbers them in the order it writes them.

/** Stands for RequestCount until the writer fills it in; never appears otherwise (every field is escaped). */
export const COUNT_MARKER = '\u0000'

export type AccessLogFormat = 'common' | 'json'

export interface AccessLogEntry {
  clientIp: string
  method: string
  path: string
  /** e.g. HTTP/1.1 */
  protocol: string
  status: number
  /** Response body bytes sent to the client */
  size: number
  router: string
  service: string
  /** The server's URL, e.g. http://172.17.0.2:80; '' when no backend was used */
  upstream: string
  durationMs: number
  /** Request start, Unix ms */
  startMs: number
  userAgent: string
  referer: string
  entryPoint: string
  host: string
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
let clfSecond = -1
let clfText = ''

/** Go's "02/Jan/2006:15:04:05 -0700" in UTC, cached per second. */
export function clfTime(ms: number): string {
  const sec = Math.floor(ms / 1000)
  if (sec !== clfSecond) {
    const d = new Date(sec * 1000)
    const p = (n: number): string => String(n).padStart(2, '0')
    clfText = `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
    clfSecond = sec
  }
  return clfText
}

const UNSAFE = /[\x00-\x20"\\\x7f]/

/** A bare field (inside the quoted request line): escaped only if it holds something a reader could trip on. */
function bare(s: string): string {
  if (s === '') return '-'
  return UNSAFE.test(s) ? JSON.stringify(s).slice(1, -1) : s
}

/** Go's %q for a field, "-" when empty. */
function quoted(s: string): string {
  return s === '' ? '"-"' : JSON.stringify(s)
}

export function formatCommon(e: AccessLogEntry): string {
  return (
    `${bare(e.clientIp)} - - [${clfTime(e.startMs)}] "${bare(e.method)} ${bare(e.path)} ${bare(e.protocol)}" ${e.status} ${e.size} ` +
    `${quoted(e.referer)} ${quoted(e.userAgent)} ${COUNT_MARKER} ${quoted(e.router)} ${quoted(e.upstream)} ${Math.floor(e.durationMs)}ms\n`
  )
}

/** Traefik's JSON field names for what pier knows of a request. */
export function formatJson(e: AccessLogEntry): string {
  const start = new Date(e.startMs).toISOString()
  const serviceAddr = e.upstream.replace(/^[a-z]+:\/\//, '')
  const body = JSON.stringify({
    ClientAddr: e.clientIp,
    ClientHost: e.clientIp,
    ClientUsername: '-',
    DownstreamContentSize: e.size,
    DownstreamStatus: e.status,
    Duration: Math.round(e.durationMs * 1e6),
    RequestHost: e.host || undefined,
    RequestMethod: e.method,
    RequestPath: e.path,
    RequestProtocol: e.protocol,
    RequestScheme: 'http',
    RouterName: e.router || undefined,
    ServiceName: e.service || undefined,
    ServiceURL: e.upstream || undefined,
    ServiceAddr: serviceAddr || undefined,
    StartUTC: start,
    entryPointName: e.entryPoint || undefined,
    'request_User-Agent': e.userAgent || undefined,
    request_Referer: e.referer || undefined,
    level: 'info',
    msg: '',
    time: new Date().toISOString(),
  })
  return `{"RequestCount":${COUNT_MARKER},${body.slice(1)}\n`
}
