// One access log line in Traefik's common (CLF-like) or JSON format.

/** genericCLF: the common format without Traefik's four extra fields (count, router, server, duration). */
export type AccessLogFormat = 'common' | 'json' | 'genericCLF'

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
  /** Tries on other servers after the first (failover, retry) */
  attempts: number
  /** Header fields as Traefik names them (request_X, origin_X, downstream_X), when the fields ask for them */
  headers?: [string, string][]
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

// Lines are joined from an array of parts, not built with a template literal:
// a template leaves a tree of cons strings that V8 walks node by node when the
// batch is flattened for postMessage, which profiled as the largest single
// cost of the access log. join() writes one flat string. The array is made
// per line: storing into a long-lived one costs a write barrier per part.
export function formatCommon(e: AccessLogEntry): string {
  return [
    bare(e.clientIp), ' - - [', clfTime(e.startMs), '] "', bare(e.method), ' ', bare(e.path), ' ', bare(e.protocol), '" ',
    e.status, ' ', e.size, ' ', c.referer.q(e.referer), ' ', c.agent.q(e.userAgent), ' ', e.count, ' ',
    c.router.q(e.router), ' ', c.upstream.q(e.upstream), ' ', Math.floor(e.durationMs), 'ms\n',
  ].join('')
}

const j = {
  ip: new Quoter('""'), method: new Quoter('""'), path: new Quoter('""'), protocol: new Quoter('""'), host: new Quoter('null'),
  router: new Quoter('null'), service: new Quoter('null'), url: new Quoter('null'), addr: new Quoter('null'), ep: new Quoter('null'),
  agent: new Quoter('null'), referer: new Quoter('null'),
}
let lastUpstream = '\u0001'
let lastAddr = ''

/** Traefik's JSON field names for what pier knows of a request; fields pier does not know are null. */
export function formatJson(e: AccessLogEntry): string {
  if (e.upstream !== lastUpstream) {
    lastUpstream = e.upstream
    lastAddr = e.upstream.replace(/^[a-z]+:\/\//, '')
  }
  const ip = j.ip.q(e.clientIp)
  return [
    '{"RequestCount":', e.count, ',"ClientAddr":', ip, ',"ClientHost":', ip, ',"ClientUsername":"-","DownstreamContentSize":', e.size,
    ',"DownstreamStatus":', e.status, ',"Duration":', Math.round(e.durationMs * 1e6), ',"RequestHost":', j.host.q(e.host),
    ',"RequestMethod":', j.method.q(e.method), ',"RequestPath":', j.path.q(e.path), ',"RequestProtocol":', j.protocol.q(e.protocol),
    ',"RequestScheme":"http","RouterName":', j.router.q(e.router), ',"ServiceName":', j.service.q(e.service),
    ',"ServiceURL":', j.url.q(e.upstream), ',"ServiceAddr":', j.addr.q(lastAddr), ',"StartUTC":"', isoTime(e.startMs),
    '","entryPointName":', j.ep.q(e.entryPoint), ',"request_User-Agent":', j.agent.q(e.userAgent),
    ',"request_Referer":', j.referer.q(e.referer), ',"level":"info","msg":"","time":"', isoTime(e.startMs + e.durationMs), '"}\n',
  ].join('')
}
