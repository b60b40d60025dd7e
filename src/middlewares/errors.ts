// errors: a response whose status is in the ranges is replaced by a page
// from another service (GET query, {status}, {originalStatus} and {url}
// filled in), sent with the original status (or its statusRewrites one).
// The page request goes to the service's servers the way requests do, with
// the request's headers (or only errorRequestHeaders).
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, PHASE_RESPONSE, type Middleware, type Step, type WorkerEnv } from './kind.js'
import { errorsSchema } from './schemas.js'
import type { Flow } from './flow.js'
import { ResponseFilter } from './filter.js'
import { inRanges, parseRanges, type Ranges } from './status-ranges.js'
import type { Routing } from '../worker/handler.js'
import type { RequestController, ResponseHandler } from '../upstream/pool.js'
import type { UpstreamError } from '../upstream/errors.js'
import { statusText } from './status-text.js'

interface Compiled {
  status: string[]
  service: string
  query: string
  statusRewrites: [string, number][]
  errorRequestHeaders: string[] | null
}

/** Go's url.QueryEscape. */
const queryEscape = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+')

const NOT_PASSED = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'proxy-connection'])

/** Swallows a response with a listed status and sends the error page instead. */
class ErrorsFilter extends ResponseFilter implements ResponseHandler {
  private caught = false
  private page: RequestController | null = null
  private code = 0

  constructor(
    private readonly mw: Errors,
    private readonly flow: Flow,
  ) {
    super()
  }

  override onHeaders(status: number, text: string, headers: string[], length: number, obsText: boolean): void {
    if (!inRanges(this.mw.ranges, status)) return this.next.onHeaders(status, text, headers, length, obsText)
    // The backend's body is read and dropped; the page request starts now.
    this.caught = true
    this.code = this.mw.rewrite(status)
    this.page = this.mw.fetch(this.flow, this.code, status, this)
  }

  override onData(chunk: Buffer): boolean {
    return this.caught ? true : this.next.onData(chunk)
  }

  override onComplete(trailers: string[]): void {
    if (!this.caught) this.next.onComplete(trailers)
  }

  override onError(err: UpstreamError): void {
    if (!this.caught) this.next.onError(err)
  }

  override abort(): void {
    this.page?.abort()
    this.up.abort()
  }

  /** The page's response, under the caught status. */
  pageHeaders(_status: number, _text: string, headers: string[], length: number, obsText: boolean): void {
    this.next.onHeaders(this.code, statusText(this.code), headers, length, obsText)
  }

  /** No page could be had: the status alone, as Go's http.Error. */
  pageFailed(): void {
    const body = Buffer.from(`${statusText(this.code)}\n`)
    this.next.onHeaders(this.code, statusText(this.code), ['content-type', 'text/plain; charset=utf-8'], body.length, false)
    this.next.onData(body)
    this.next.onComplete([])
  }
}

/** The error page request's response handler, forwarding to the filter's client side. */
class PageCall implements ResponseHandler {
  private started = false

  constructor(private readonly f: ErrorsFilter) {}

  onHeaders(status: number, text: string, headers: string[], length: number, obsText: boolean): void {
    this.started = true
    this.f.pageHeaders(status, text, headers, length, obsText)
  }

  onData(chunk: Buffer): boolean {
    return this.f.next.onData(chunk)
  }

  onComplete(trailers: string[]): void {
    this.f.next.onComplete(trailers)
  }

  onError(err: UpstreamError): void {
    if (this.started) this.f.next.onError(err)
    else this.f.pageFailed()
  }
}

class Errors implements Middleware {
  readonly ranges: Ranges
  private readonly rewrites: [Ranges, number][]
  private routing: Routing | null = null
  private service = -1

  constructor(
    private readonly c: Compiled,
    private readonly env: WorkerEnv,
  ) {
    this.ranges = parseRanges(c.status, 'status')
    this.rewrites = c.statusRewrites.map(([from, to]) => [parseRanges([from], 'statusRewrites'), to])
  }

  bind(routing: Routing): void {
    this.routing = routing
    this.service = routing.table.serviceIndex(this.c.service)
  }

  rewrite(status: number): number {
    for (const [from, to] of this.rewrites) if (inRanges(from, status)) return to
    return status
  }

  request(flow: Flow): Step {
    // The page request carries the request's headers, read when the response comes.
    flow.keep()
    flow.wrap(new ErrorsFilter(this, flow))
    return NEXT
  }

  /** Sends the error page request; null when the service has no server now (the filter then answers alone). */
  fetch(flow: Flow, code: number, original: number, f: ErrorsFilter): RequestController | null {
    const routing = this.routing
    const server = routing !== null && this.service >= 0 ? routing.wrr.pick(this.service) : -1
    if (server < 0) {
      f.pageFailed()
      return null
    }
    const table = routing!.table
    const url = `${flow.https ? 'https' : 'http'}://${flow.host}${flow.target()}`
    const query = this.c.query === '' ? '/' : `/${this.c.query.replace(/^\//, '')}`.replaceAll('{status}', String(code)).replaceAll('{originalStatus}', String(original)).replaceAll('{url}', queryEscape(url))
    const host = table.passHostHeader(this.service) ? flow.host : `${table.serverHosts[server]}:${table.port(server)}`
    let head = `GET ${query} HTTP/1.1\r\nhost: ${host}\r\n`
    const only = this.c.errorRequestHeaders?.map((h) => h.toLowerCase()) ?? null
    flow.forEach((name, value) => {
      if (NOT_PASSED.has(name) || (only !== null && !only.includes(name))) return
      head += `${name}: ${value}\r\n`
    })
    head += `x-forwarded-for: ${flow.clientIP}\r\nx-forwarded-host: ${flow.host}\r\nx-forwarded-proto: ${flow.https ? 'https' : 'http'}\r\n\r\n`
    return routing!.pools[server]!.request(head, 0, new PageCall(f), { headersTimeoutMs: this.env.headersTimeoutMs, isHead: false, idempotent: true })
  }
}

export default kind<Compiled>({
  schema: errorsSchema,
  phases: () => PHASE_REQUEST | PHASE_RESPONSE,
  compile(o, ctx) {
    const status = (o.status as string[] | undefined) ?? []
    parseRanges(status, 'status')
    const service = typeof o.service === 'string' ? o.service : ''
    if (service === '') throw new MiddlewareError('service is missing')
    if (!ctx.hasService(service)) throw new MiddlewareError(`service ${JSON.stringify(service)} does not exist`)
    const statusRewrites = Object.entries((o.statusRewrites as Record<string, string> | undefined) ?? {}).map(([from, to]): [string, number] => {
      parseRanges([from], 'statusRewrites')
      const n = Number(to)
      if (!Number.isInteger(n) || n < 100 || n > 599) throw new MiddlewareError(`statusRewrites: ${JSON.stringify(to)} is not a status`)
      return [from, n]
    })
    return { status, service, query: typeof o.query === 'string' ? o.query : '', statusRewrites, errorRequestHeaders: Array.isArray(o.errorRequestHeaders) ? (o.errorRequestHeaders as string[]) : null }
  },
  create: (c, env) => new Errors(c, env),
})
