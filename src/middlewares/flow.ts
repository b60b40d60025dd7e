// One request through a router's middleware chain, in a worker. Only routers
// with middlewares get one; the others never reach this file.
//
// The request step of each middleware runs in chain order and may rewrite
// the request (path, query, headers), answer it (a redirect, a 401), wrap the
// response with a filter, or go asynchronous (forwardAuth, a bcrypt check)
// and call next() later. When every step has passed, the terminal (the
// handler's forwarding, or the WebSocket upgrade) takes the request as
// rewritten. An answer or the backend's response travels back through the
// filters wrapped so far, newest first, as in Traefik, where each middleware
// wraps the handler after it: a 401 from basicAuth still gets the headers a
// headers middleware before it adds.
//
// uWS's request object is only valid while the handler runs: before a step
// goes asynchronous, the headers are copied and a request body is buffered
// until the terminal can take it.
import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js'
import type { RequestController, ResponseHandler } from '../upstream/pool.js'
import { Exchange, type AccessFields, type ExchangeSink, type UpstreamChain } from '../worker/exchange.js'
import type { UpstreamError } from '../upstream/errors.js'
import type { Routing } from '../worker/handler.js'
import { FORWARDING_HEADERS, type HeaderSource } from '../worker/request-head.js'
import { DONE, NEXT, WAIT, type Middleware, type Step } from './kind.js'
import type { ResponseFilter } from './filter.js'
import { statusText } from './status-text.js'
import type { RetryPolicy } from './retry.js'
import * as H from './headers-list.js'
import type { Logger } from '../log.js'
import type { HeaderPlan } from '../accesslog/header-capture.js'

/** What takes the request once every middleware has let it pass. */
export interface Terminal {
  pass(flow: Flow): void
}

/** A step waiting for the whole request body (flow.readBody). */
export interface BodyWaiter {
  /** The body, or null when it exceeded the limit (nothing has been forwarded). */
  onBody(flow: Flow, body: Buffer | null): void
}

/** What the flows of one entrypoint's handler share. */
export interface FlowContext {
  terminal: Terminal
  log: Logger
  ep: number
  /** The entrypoint serves TLS. */
  https: boolean
  sink: ExchangeSink
  /** The access log is on. */
  logging: boolean
  /** The header fields its lines carry, or null */
  headers: HeaderPlan | null
}

/** The request as the handler read it. */
export interface RequestFields {
  method: string
  host: string
  path: string
  query: string
  target(): string
}

/** Runs the router's chain on a request the handler matched (the router's chain phases are not 0). */
export function startFlow(ctx: FlowContext, res: HttpResponse, req: HttpRequest, routing: Routing, router: number, r: RequestFields, startedAt: number, clientIP: string, untrusted: boolean, upgrade: us_socket_context_t | null = null): void {
  const log: AccessFields | null = ctx.logging ? { clientIP, target: r.target(), host: r.host, userAgent: req.getHeader('user-agent'), referer: req.getHeader('referer'), headers: ctx.headers?.request(req) ?? null } : null
  const service = routing.table.serviceOf(router)
  const x = new Exchange(res, routing.table, ctx.ep, r.method, router, service, -1, startedAt, log, ctx.sink)
  const flow = new Flow(ctx, res, req, x, routing, router, service, clientIP, routing.chains.of(router, ctx.ep), r.method, r.host, r.path, r.query)
  flow.upgrade = upgrade
  // A client not trusted with forwarding headers: no middleware sees them (ipStrategy, redirectScheme...).
  if (untrusted) flow.dropForwarding()
  flow.next()
  // uWS's request dies when the handler returns: what was not kept is gone.
  flow.release()
}


// Headers are copied with a module-level visitor, so copying makes no closure.
let into: string[] = []
function collect(name: string, value: string): void {
  into.push(name, value)
}
function collectButForwarding(name: string, value: string): void {
  if (!FORWARDING_HEADERS.has(name)) into.push(name, value)
}

const TEXT_PLAIN = 'text/plain; charset=utf-8'

/** Headers pier writes itself when forwarding: a middleware's value for one replaces pier's (ForwardInfo.overrides). */
const PIER_SET = new Set(['x-forwarded-host', 'x-forwarded-port', 'x-forwarded-proto', 'x-forwarded-server', 'x-real-ip'])

export class Flow implements HeaderSource, RequestController, UpstreamChain {
  /** The request as it will be forwarded: raw (percent-encoded) path, query without '?', Host. */
  method: string
  path: string
  query: string
  host: string
  /** The client's Host and path as they arrived (X-Forwarded-Host, error pages, logs). */
  readonly originalHost: string
  readonly originalPath: string
  /**
   * A WebSocket upgrade request: uWS's socket context to upgrade in once the
   * chain lets it through (the request phase applies; response-phase
   * middlewares do not see the 101). null for any other request.
   */
  upgrade: us_socket_context_t | null = null
  /** Middleware values for the headers pier writes itself, [name, value] flat; null when none. */
  overrides: string[] | null = null
  /** uWS's request while the handler runs; null once a step went asynchronous. */
  private req: HttpRequest | null
  /** The headers, copied on the first edit or before going asynchronous (lower-case names). */
  private headers: string[] | null = null
  /** Where responses go: the newest filter, else the exchange. */
  top: ResponseHandler
  private newest: ResponseFilter | null = null
  private i = 0
  /** The backend request, once the terminal sent it. */
  private ctl: RequestController | null = null
  /** What an asynchronous step waits on (forwardAuth's call, a rate limit's delay): stopped if the client goes away. */
  pending: { abort(): void } | null = null
  aborted = false
  /** Body chunks that arrived before the terminal took the request (copies). */
  private body: Buffer[] | null = null
  private bodyEnded = false
  private listening = false
  private waiter: BodyWaiter | null = null
  private bodyLimit = -1
  private bodyBytes = 0
  /**
   * A retry middleware's policy (middlewares/retry.ts), read when the backend
   * fails or answers; the steps after it ran once, and do not run again.
   */
  retry: RetryPolicy | null = null

  constructor(
    readonly ctx: FlowContext,
    readonly res: HttpResponse,
    req: HttpRequest,
    readonly x: Exchange,
    public routing: Routing,
    public router: number,
    public service: number,
    readonly clientIP: string,
    private readonly chain: readonly Middleware[],
    method: string,
    host: string,
    path: string,
    query: string,
  ) {
    this.req = req
    this.method = method
    this.host = this.originalHost = host
    this.path = this.originalPath = path
    this.query = query
    this.top = x
    x.ctl = this
  }

  /** The connection is TLS. */
  get https(): boolean {
    return this.ctx.https
  }

  /** Runs the steps from where the chain stands; a step that went asynchronous calls it again. */
  next(): void {
    try {
      while (this.i < this.chain.length) {
        if (this.aborted || this.x.finished) return
        const step: Step = this.chain[this.i++]!.request(this)
        if (step === DONE) return
        if (step === WAIT) {
          if (this.req !== null) this.suspend()
          return
        }
      }
      if (this.aborted || this.x.finished) return
      this.ctx.terminal.pass(this)
    } catch (err) {
      this.fail(err)
    }
  }

  /**
   * Before forwarding: if the table was swapped while the chain waited, point
   * the request at its router's service in the new table. False when the
   * router is gone from it.
   */
  retarget(current: Routing): boolean {
    if (current === this.routing) return true
    const router = current.table.routerIndex(this.routing.table.routerNames[this.router]!)
    this.routing = current
    if (router < 0) return false
    this.router = router
    this.service = current.table.serviceOf(router)
    const x = this.x
    x.table = current.table
    x.router = router
    x.service = this.service
    return true
  }

  /** A step failed unexpectedly: 500, never the request served without the step. */
  fail(err: unknown): void {
    this.pending?.abort()
    this.pending = null
    if (!this.x.finished && !this.aborted) {
      if (this.x.status === 0) this.answer(500, [], 'Internal Server Error')
      else this.top.onError(Object.assign(new Error('middleware failed'), { code: 'PIER_INTERNAL' }) as never)
    }
    this.ctx.log.error('middleware failed', { routerName: this.routing.table.routerNames[this.router], error: String((err as Error)?.stack ?? err) })
  }

  /** Answers the request from a middleware: the response passes the filters wrapped before it. */
  answer(status: number, headers: string[], body: string): Step {
    const buf = body === '' ? null : Buffer.from(body)
    if (buf !== null && !H.hasHeader(headers, 'content-type')) headers.push('content-type', TEXT_PLAIN)
    const top = this.top
    top.onHeaders(status, statusText(status), headers, buf === null ? 0 : buf.length, false)
    if (buf !== null && this.method !== 'HEAD') top.onData(buf)
    top.onComplete([])
    return DONE
  }

  /** Answers as Go's http.Error does: the status text and a newline, nosniff. */
  error(status: number, text = statusText(status)): Step {
    return this.answer(status, ['x-content-type-options', 'nosniff'], `${text}\n`)
  }

  /** Puts a filter between what answers and the client. */
  wrap(filter: ResponseFilter): void {
    filter.next = this.top
    filter.up = this
    if (this.newest !== null) this.newest.up = filter
    else this.x.ctl = filter
    this.newest = filter
    this.top = filter
  }

  /** The target as sent upstream. */
  target(): string {
    return this.query ? `${this.path}?${this.query}` : this.path
  }

  // Headers -----------------------------------------------------------------

  getHeader(lowerName: string): string {
    return this.headers !== null ? H.getHeader(this.headers, lowerName) : this.live().getHeader(lowerName)
  }

  private live(): HttpRequest {
    if (this.req === null) throw new Error('a middleware read request headers after the request phase without flow.keep()')
    return this.req
  }

  /** Every value of a header, in order. */
  headerValues(lowerName: string): string[] {
    return H.getAll(this.edited(), lowerName)
  }

  forEach(cb: (name: string, value: string) => void): void {
    if (this.headers === null) return this.live().forEach(cb)
    const h = this.headers
    for (let i = 0; i < h.length; i += 2) cb(h[i]!, h[i + 1]!)
  }

  setHeader(name: string, value: string): void {
    const lower = name.toLowerCase()
    if (lower === 'host') this.host = value
    if (PIER_SET.has(lower)) this.override(lower, value)
    H.setHeader(this.edited(), lower, value)
  }

  private override(lower: string, value: string): void {
    const o = (this.overrides ??= [])
    const i = o.indexOf(lower)
    if (i >= 0 && (i & 1) === 0) o[i + 1] = value
    else o.push(lower, value)
  }

  addHeader(name: string, value: string): void {
    const lower = name.toLowerCase()
    if (PIER_SET.has(lower)) this.override(lower, value)
    H.addHeader(this.edited(), lower, value)
  }

  removeHeader(name: string): void {
    const lower = name.toLowerCase()
    if (PIER_SET.has(lower)) this.override(lower, '')
    H.removeHeader(this.edited(), lower)
  }

  /** For a step that reads request headers later, on the response: copy them now. */
  keep(): void {
    this.edited()
  }

  /** The handler returned: uWS's request may no longer be read. */
  release(): void {
    this.req = null
  }

  /** Copies the headers without the forwarding ones (the client is not trusted with them). */
  dropForwarding(): void {
    into = []
    this.live().forEach(collectButForwarding)
    this.headers = into
    into = []
  }

  private edited(): string[] {
    if (this.headers === null) {
      into = []
      this.live().forEach(collect)
      this.headers = into
      into = []
    }
    return this.headers
  }

  // Body and the backend request ------------------------------------------

  /**
   * The step needs the whole request body before the chain goes on: call it
   * from request() and return WAIT. waiter gets the body (an empty one when
   * there is none), or null past limit bytes (-1: no limit). The body is kept
   * and forwarded as it came.
   */
  readBody(limit: number, waiter: BodyWaiter): void {
    this.waiter = waiter
    this.bodyLimit = limit
  }

  private bodyRead(tooLarge: boolean): void {
    const w = this.waiter!
    this.waiter = null
    if (tooLarge) return w.onBody(this, null)
    const whole = this.body === null ? Buffer.alloc(0) : this.body.length === 1 ? this.body[0]! : Buffer.concat(this.body)
    if (this.body !== null) this.body = [whole]
    w.onBody(this, whole)
  }

  /** Before going asynchronous: copy what uWS's request holds, and start taking the body. */
  private suspend(): void {
    const req = this.live()
    const hasBody = req.getHeader('transfer-encoding') !== '' || (req.getHeader('content-length') !== '' && req.getHeader('content-length') !== '0')
    this.edited()
    this.req = null
    if (hasBody) this.listen()
    else if (this.waiter !== null) queueMicrotask(() => this.bodyRead(false))
  }

  private listen(): void {
    this.listening = true
    this.res.onData((ab, isLast) => {
      if (this.aborted || this.x.finished) return
      this.x.bytesIn += ab.byteLength
      const ctl = this.ctl
      if (ctl === null) {
        // Not forwarded yet: keep it and, unless a step reads it all, stop reading until the terminal takes the request.
        if (ab.byteLength > 0) {
          ;(this.body ??= []).push(Buffer.from(new Uint8Array(ab)))
          this.bodyBytes += ab.byteLength
        }
        this.bodyEnded = isLast
        if (this.waiter !== null) {
          if (this.bodyLimit >= 0 && this.bodyBytes > this.bodyLimit) this.bodyRead(true)
          else if (isLast) this.bodyRead(false)
        } else if (!isLast) this.res.pause()
        return
      }
      // write() copies: uWS reuses ab once this callback returns. The exchange resumes the upload on drain.
      if (ab.byteLength > 0 && !ctl.write(new Uint8Array(ab))) this.x.pauseRequest()
      if (isLast) {
        this.x.requestRead()
        ctl.end()
      }
    })
  }

  // UpstreamChain: the backend request and its answer, before the filters -----

  /** The backend answered: its own status goes to passive health; no failover after this. */
  private answered = false

  get upstream(): RequestController | null {
    return this.ctl
  }

  moved(ctl: RequestController): void {
    this.ctl = ctl
  }

  onHeaders(status: number, statusText: string, headers: string[], contentLength: number, obsText: boolean): void {
    if (this.retry !== null && this.x.retryStatus(status, this.retry)) return
    this.answered = true
    this.x.noteResponse(status)
    this.top.onHeaders(status, statusText, headers, contentLength, obsText)
  }

  onData(chunk: Buffer): boolean {
    return this.top.onData(chunk)
  }

  onComplete(trailers: string[]): void {
    this.top.onComplete(trailers)
  }

  onError(err: UpstreamError): void {
    if (!this.answered && this.x.retry(err, this.retry)) return
    if (this.answered) this.x.noteFailure(err)
    this.top.onError(err)
  }

  onRequestDrain(): void {
    this.top.onRequestDrain?.()
  }

  /** The terminal sent the request (x.send): the body (mode from buildHead: 0 none) follows it. */
  pipeBody(bodyMode: number): void {
    const ctl = this.ctl!
    if (bodyMode === 0) return
    if (!this.listening) return this.listen()
    const chunks = this.body
    this.body = null
    if (chunks !== null) for (const c of chunks) ctl.write(c)
    if (this.bodyEnded) ctl.end()
    else this.res.resume()
  }

  // RequestController: what the client side asks of the backend request ----

  write(chunk: Uint8Array): boolean {
    return this.ctl === null ? true : this.ctl.write(chunk)
  }

  end(): void {
    this.ctl?.end()
  }

  pause(): void {
    this.ctl?.pause()
  }

  resume(): void {
    this.ctl?.resume()
  }

  replayableBody(): { chunks: Buffer[]; ended: boolean } | null {
    return this.ctl?.replayableBody() ?? null
  }

  keepBody(maxBytes: number): void {
    this.ctl?.keepBody(maxBytes)
  }

  abort(): void {
    this.aborted = true
    this.pending?.abort()
    this.pending = null
    this.ctl?.abort()
  }
}

export { NEXT, DONE, WAIT }
