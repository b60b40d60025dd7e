// One access log line in Traefik's common (CLF-like) or JSON format.

export type AccessLogFormat = 'common' | 'json'

export interface AccessLogEntry {
  /** Traefik's RequestCount (request-count.ts) */
  count: number
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

/**
 * Go's %q of a field ("-" when empty, or null in JSON), remembering the last
 * value: router, service, server and user agent repeat from line to line.
 */
class Quoter {
  #last = '\u0001'
  #out = ''
  constructor(readonly empty: string) {}
  q(s: string): string {
    if (s !== this.#last) {
      this.#last = s
      this.#out = s === '' ? this.empty : JSON.stringify(s)
    }
    return this.#out
  }
}

const ISO_SECOND = { sec: -1, text: '' }

/** toISOString() without a Date per call: the part up to the second is cached. */
export function isoTime(ms: number): string {
  const whole = Math.floor(ms)
  const sec = Math.floor(whole / 1000)
  if (sec !== ISO_SECOND.sec) {
    ISO_SECOND.sec = sec
    ISO_SECOND.text = new Date(sec * 1000).toISOString().slice(0, 20)
  }
  const milli = whole - sec * 1000
  return `${ISO_SECOND.text}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`
}

const c = { referer: new Quoter('"-"'), agent: new Quoter('"-"'), router: new Quoter('"-"'), upstream: new Quoter('"-"') }

// Lines are joined from a reused array of parts, not built with a template
// literal: a template leaves a tree of cons strings that V8 walks node by node
// when the batch is flattened for postMessage, which profiled as the largest
// single cost of the access log. join() writes one flat string.
const commonParts: (string | number)[] = ['', ' - - [', '', '] "', '', ' ', '', ' ', '', '" ', 0, ' ', 0, ' ', '', ' ', '', ' ', 0, ' ', '', ' ', '', ' ', 0, 'ms\n']

export function formatCommon(e: AccessLogEntry): string {
  const p = commonParts
  p[0] = bare(e.clientIp)
  p[2] = clfTime(e.startMs)
  p[4] = bare(e.method)
  p[6] = bare(e.path)
  p[8] = bare(e.protocol)
  p[10] = e.status
  p[12] = e.size
  p[14] = c.referer.q(e.referer)
  p[16] = c.agent.q(e.userAgent)
  p[18] = e.count
  p[20] = c.router.q(e.router)
  p[22] = c.upstream.q(e.upstream)
  p[24] = Math.floor(e.durationMs)
  return p.join('')
}

const j = {
  ip: new Quoter('""'), method: new Quoter('""'), path: new Quoter('""'), protocol: new Quoter('""'), host: new Quoter('null'),
  router: new Quoter('null'), service: new Quoter('null'), url: new Quoter('null'), addr: new Quoter('null'), ep: new Quoter('null'),
  agent: new Quoter('null'), referer: new Quoter('null'),
}
let lastUpstream = '\u0001'
let lastAddr = ''

/** Fixed text at even indices, values at odd ones (see commonParts). */
const jsonParts: (string | number)[] = [
  '{"RequestCount":', 0, ',"ClientAddr":', '', ',"ClientHost":', '', ',"ClientUsername":"-","DownstreamContentSize":', 0,
  ',"DownstreamStatus":', 0, ',"Duration":', 0, ',"RequestHost":', '', ',"RequestMethod":', '', ',"RequestPath":', '',
  ',"RequestProtocol":', '', ',"RequestScheme":"http","RouterName":', '', ',"ServiceName":', '', ',"ServiceURL":', '',
  ',"ServiceAddr":', '', ',"StartUTC":"', '', '","entryPointName":', '', ',"request_User-Agent":', '', ',"request_Referer":', '',
  ',"level":"info","msg":"","time":"', '', '"}\n',
]

/** Traefik's JSON field names for what pier knows of a request; fields pier does not know are null. */
export function formatJson(e: AccessLogEntry): string {
  if (e.upstream !== lastUpstream) {
    lastUpstream = e.upstream
    lastAddr = e.upstream.replace(/^[a-z]+:\/\//, '')
  }
  const ip = j.ip.q(e.clientIp)
  const p = jsonParts
  p[1] = e.count
  p[3] = ip
  p[5] = ip
  p[7] = e.size
  p[9] = e.status
  p[11] = Math.round(e.durationMs * 1e6)
  p[13] = j.host.q(e.host)
  p[15] = j.method.q(e.method)
  p[17] = j.path.q(e.path)
  p[19] = j.protocol.q(e.protocol)
  p[21] = j.router.q(e.router)
  p[23] = j.service.q(e.service)
  p[25] = j.url.q(e.upstream)
  p[27] = j.addr.q(lastAddr)
  p[29] = isoTime(e.startMs)
  p[31] = j.ep.q(e.entryPoint)
  p[33] = j.agent.q(e.userAgent)
  p[35] = j.referer.q(e.referer)
  p[37] = isoTime(e.startMs + e.durationMs)
  return p.join('')
}
