// The request hot path of one worker: match, pick, forward. Matching and the
// WRR pick allocate nothing; the rest allocates what forwarding needs (the
// head string, one Exchange).
import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js'
import type { MatchRequest } from '../rules/index.js'
import type { RouteTable } from '../table/reader.js'
import type { SmoothWRR } from '../balancer/wrr.js'
import type { RequestOptions, UpstreamPool } from '../upstream/pool.js'
import { readRequest, upstreamHead, BODY_NONE, REFUSAL, type ForwardInfo, type HeadResult } from './request-head.js'
import { Exchange, type ExchangeSink, type Finished, type AccessFields } from './exchange.js'
import type { Deadlines } from './deadlines.js'
import type { ClientLimits } from '../config/static.js'
import type { Logger } from '../log.js'
import type { ClientTrustRules } from './client-trust.js'
import { isUpgradeRequest, startUpgrade } from './upgrade-start.js'
import type { WebSocketSettings } from './websocket-bridge.js'
import type { Failover } from './failover.js'
import { redirectLocation, redirectStatus, type EntryPointRedirect } from './redirect.js'
import { CHALLENGE_PREFIX, challengeAnswer } from './acme-challenges.js'
import type { Chains } from '../middlewares/chains.js'
import { startFlow, type FlowContext } from '../middlewares/flow.js'
import { ServerChoice } from '../balancer/sticky.js'
import type { HeaderPlan } from '../accesslog/header-capture.js'

/** What an entrypoint does besides routing. */
export interface EntryPointOptions {
  /** X-Forwarded-Proto */
  proto: 'http' | 'https'
  redirect: EntryPointRedirect | null
  /** Answers ACME http-01 challenges before any router */
  acmeChallenge: boolean
  limits: ClientLimits
  /** Whom the entrypoint believes about the client (forwardedHeaders, proxyProtocol). */
  trust: ClientTrustRules
}

/** The worker's current routing state; replaced as a whole on a table swap. */
export interface Routing {
  table: RouteTable
  wrr: SmoothWRR
  pools: UpstreamPool[]
  /** The routers' middleware chains. */
  chains: Chains
}

export interface HandlerContext {
  routing(): Routing
  sink: ExchangeSink
  deadlines: Deadlines
  headersTimeoutMs: number
  serverName: string
  log: Logger
  /** Requests seen, for telling when a retiring thread has gone quiet. */
  requests: number
  /** The access log is on: keep what its lines need. */
  logging: boolean
  /** The header fields its lines carry (accessLog.fields.headers), or null: none captured */
  headers: HeaderPlan | null
  webSocket: WebSocketSettings
  /** Sends failed requests to another server, and keeps passive health. */
  failover: Failover
}

/** The one MatchRequest of an entrypoint's handler, pointed at the request being handled. */
class RequestView implements MatchRequest {
  host = ''
  path = ''
  query = ''
  method = ''
  req: HttpRequest | null = null
  res: HttpResponse | null = null
  constructor(private readonly trust: ClientTrustRules) {}
  header(name: string): string {
    return this.req!.getHeader(name)
  }
  clientIP(): string {
    return this.trust.client(this.res!)
  }
  /** The request target as sent upstream and logged: path and query. */
  target(): string {
    return this.query ? `${this.path}?${this.query}` : this.path
  }
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'])


/** Serves a request; context is given for a WebSocket upgrade request (uWS's upgrade handler). */
export type Handler = (res: HttpResponse, req: HttpRequest, context?: us_socket_context_t) => void

export function createHandler(ctx: HandlerContext, ep: number, epPort: number, epOptions: EntryPointOptions): Handler {
  const { redirect, acmeChallenge, limits, trust } = epOptions
  const https = epOptions.proto === 'https'
  const view = new RequestView(trust)
  const choice = new ServerChoice()
  // A request pier answers itself (404, 503, an upgrade it refuses), reported like an exchange.
  const own: Finished = { table: ctx.routing().table, ep, router: -1, service: -1, server: -1, status: 0, method: '', startedAt: 0, headersAt: -1, bytesOut: 0, bytesIn: 0, attempts: 0, log: null }
  /** ctx.requests when pier last answered itself: a failure after that must not answer twice. */
  let repliedTo = -1
  const ownLog = (res: HttpResponse, req: HttpRequest): AccessFields | null =>
    // The access log reads the client address, which uWS forbids once the response ended.
    ctx.logging ? { clientIP: trust.client(res), target: view.target(), host: view.host, userAgent: req.getHeader('user-agent'), referer: req.getHeader('referer'), headers: ctx.headers?.request(req) ?? null } : null
  const reply = (res: HttpResponse, req: HttpRequest, router: number, service: number, status: string, body: string, close: boolean, startedAt: number, header?: [string, string]): void => {
    own.log = ownLog(res, req)
    own.table = ctx.routing().table
    repliedTo = ctx.requests
    res.cork(() => {
      res.writeStatus(status).writeHeader('content-type', 'text/plain; charset=utf-8')
      if (header) res.writeHeader(header[0], header[1])
      res.end(body, close)
    })
    own.router = router
    own.service = service
    own.status = Number(status.slice(0, 3))
    own.method = view.method
    own.startedAt = startedAt
    own.bytesOut = body.length
    ctx.sink.record(own)
  }
  // A request refused (for its framing, or after a bug) is answered once uWS
  // has finished the read it came in, then the connection closes. Answered
  // from the handler, uWS would go on to parse whatever follows in the same
  // read as the next request (a request smuggled in the refused one's body);
  // left pending, a following request makes uWS close the connection instead.
  const refuse = (res: HttpResponse, req: HttpRequest, status: number, reason: string, startedAt: number): void => {
    repliedTo = ctx.requests
    const line = REFUSAL[status]!
    const body = `${line.slice(4)}: ${reason}\n`
    const f: Finished = { table: ctx.routing().table, ep, router: -1, service: -1, server: -1, status, method: view.method, startedAt, headersAt: -1, bytesOut: 0, bytesIn: 0, attempts: 0, log: ownLog(res, req) }
    let aborted = false
    res.onAborted(() => (aborted = true))
    setImmediate(() => {
      if (!aborted) {
        res.cork(() => res.writeStatus(line).writeHeader('content-type', 'text/plain; charset=utf-8').end(body, true))
        f.bytesOut = body.length
      }
      ctx.sink.record(f)
    })
  }
  // Reused for every request: upstreamHead and pool.request read them before returning.
  // options[2 * isHead + idempotent]
  const fwd: ForwardInfo = { method: '', target: '', host: '', clientIP: '', forwardedHost: '', port: epPort, proto: epOptions.proto, server: ctx.serverName, upgrade: false, trusted: false, appendForwardedFor: trust.appendForwardedFor, overrides: null }
  const options: RequestOptions[] = [false, true].flatMap((isHead) =>
    [false, true].map((idempotent) => ({ headersTimeoutMs: ctx.headersTimeoutMs, isHead, idempotent })),
  )
  const optionsFor = (method: string, body: number): RequestOptions => options[(method === 'HEAD' ? 2 : 0) + (body === BODY_NONE && IDEMPOTENT.has(method) ? 1 : 0)]!
  /** Fills fwd for a request to server; upstreamHead(fwd) then gives its head. */
  const forward = (table: RouteTable, service: number, server: number, method: string, target: string, host: string, clientHost: string, clientIP: string): void => {
    const serverHost = table.serverHosts[server]!
    fwd.method = method
    fwd.target = target
    fwd.host = table.passHostHeader(service) ? host : `${serverHost.includes(':') ? `[${serverHost}]` : serverHost}:${table.port(server)}`
    fwd.clientIP = clientIP
    fwd.forwardedHost = clientHost
  }
  /** Read and upload deadlines of an exchange that has a body (or a write timeout). */
  const watch = (x: Exchange, body: HeadResult['body']): void => {
    if (body !== BODY_NONE || limits.writeTimeoutMs > 0) x.watch(ctx.deadlines, body !== BODY_NONE ? limits.readTimeoutMs : 0, limits.writeTimeoutMs, body !== BODY_NONE)
  }
  // Routers with middlewares: the chain runs first, then this forwards the request as it left the chain.
  const flows: FlowContext = {
    ep,
    https,
    log: ctx.log,
    sink: ctx.sink,
    logging: ctx.logging,
    headers: ctx.headers,
    terminal: {
      pass(flow) {
        if (!flow.retarget(ctx.routing())) return void flow.error(404, '404 page not found')
        const { table, wrr, pools } = flow.routing
        const server = choice.pick(table, wrr, flow.service, flow)
        if (server < 0) return void flow.answer(503, [], 'Service Unavailable')
        // The chain may have edited headers and target: they are read (and checked) again, as they will go.
        const head = readRequest(flow, flow.method, flow.path, flow.query, limits)
        if (head.status !== 0) return void flow.answer(head.status, [], head.reason)
        forward(table, flow.service, server, flow.method, flow.target(), flow.host, flow.originalHost, flow.clientIP)
        // The chain began without the forwarding headers of a client not trusted with them: what is left, the chain's own included, goes.
        fwd.trusted = true
        fwd.overrides = flow.overrides
        fwd.upgrade = flow.upgrade !== null
        const upstream = upstreamHead(fwd)
        fwd.overrides = null
        const x = flow.x
        if (flow.upgrade !== null) {
          // The chain let a WebSocket upgrade through: the upgrade takes the client from here.
          const refused = startUpgrade(ctx, flow.res, flow, flow.upgrade, https, upstream, head.body, table, ep, flow.router, flow.service, server, x.startedAt, x.log, pools[server]!, choice.cookie)
          if (refused !== null) return void flow.answer(Number(refused.status.slice(0, 3)), refused.header ? [...refused.header] : [], refused.reason)
          return x.handOff()
        }
        x.server = server
        x.setCookie = choice.cookie
        x.chain = flow
        x.send(pools[server]!, upstream, head.body, optionsFor(flow.method, head.body), IDEMPOTENT.has(flow.method), ctx.failover)
        if (flow.retry !== null && flow.retry.keepBody !== 0) x.upstream()!.keepBody(flow.retry.keepBody)
        watch(x, head.body)
        flow.pipeBody(head.body)
      },
    },
  }
  return (res, req, context) => {
    let x: Exchange | null = null
    ctx.requests++
    const startedAt = performance.now()
    try {
      const routing = ctx.routing()
      const { table, wrr, pools } = routing
      view.req = req
      view.res = res
      view.path = req.getUrl()
      view.query = req.getQuery() ?? ''
      view.method = req.getCaseSensitiveMethod()
      const head = readRequest(req, view.method, view.path, view.query, limits)
      view.host = head.host
      if (head.status !== 0) return refuse(res, req, head.status, head.reason, startedAt)
      if (acmeChallenge && view.path.startsWith(CHALLENGE_PREFIX)) {
        const answer = challengeAnswer(view.path)
        return reply(res, req, -1, -1, answer ? '200 OK' : '404 Not Found', answer || '404 page not found\n', ctx.sink.closing, startedAt)
      }
      const router = table.match(view, ep)
      if (redirect !== null && (router < 0 || table.priority(router) <= redirect.priority)) {
        const status = redirectStatus(view.method, redirect.permanent)
        return reply(res, req, -1, -1, status, status.slice(4), ctx.sink.closing, startedAt, ['location', redirectLocation(redirect, view.host, view.target())])
      }
      if (router < 0) return reply(res, req, -1, -1, '404 Not Found', '404 page not found\n', ctx.sink.closing, startedAt)
      if (table.chainPhases(router, ep) !== 0) {
        const client = trust.client(res)
        return startFlow(flows, res, req, routing, router, view, startedAt, client, head.forwarded && !trust.forwardedFrom(client), context !== undefined && isUpgradeRequest(req) ? context : null)
      }
      const service = table.serviceOf(router)
      const server = choice.pick(table, wrr, service, req)
      if (server < 0) return reply(res, req, router, service, '503 Service Unavailable', 'Service Unavailable', ctx.sink.closing, startedAt)
      const method = view.method
      const clientIP = trust.client(res)
      forward(table, service, server, method, view.target(), view.host, view.host, clientIP)
      fwd.trusted = head.forwarded && trust.forwardedFrom(clientIP)
      fwd.upgrade = context !== undefined && isUpgradeRequest(req)
      const body = head.body
      const log: AccessFields | null = ctx.logging ? { clientIP, target: fwd.target, host: view.host, userAgent: head.userAgent, referer: head.referer, headers: ctx.headers?.request(req) ?? null } : null
      if (fwd.upgrade) {
        const refused = startUpgrade(ctx, res, req, context!, https, upstreamHead(fwd), body, table, ep, router, service, server, startedAt, log, pools[server]!, choice.cookie)
        if (refused !== null) reply(res, req, router, service, refused.status, refused.reason, ctx.sink.closing, startedAt, refused.header)
        return
      }
      x = new Exchange(res, table, ep, method, router, service, server, startedAt, log, ctx.sink)
      x.setCookie = choice.cookie
      x.send(pools[server]!, upstreamHead(fwd), body, optionsFor(method, body), IDEMPOTENT.has(method), ctx.failover)
      watch(x, body)
      if (body !== BODY_NONE) {
        const ex = x
        res.onData((ab, isLast) => {
          if (ex.aborted || ex.finished) return
          ex.bytesIn += ab.byteLength
          // write() copies: uWS reuses ab once this callback returns. ex.ctl changes if the request moves to another server.
          if (ab.byteLength > 0 && !ex.ctl!.write(new Uint8Array(ab))) ex.pauseRequest()
          if (isLast) {
            ex.requestRead()
            ex.ctl!.end()
          }
        })
      }
    } catch (err) {
      // A bug must not take the worker (and its other connections) down.
      ctx.log.error('request handler failed', { error: String((err as Error)?.stack ?? err) })
      if (x === null) {
        if (repliedTo !== ctx.requests) refuse(res, req, 500, 'internal error', startedAt)
      }
      else {
        x.ctl?.abort()
        x.onError({ code: 'PIER_INTERNAL' })
      }
    } finally {
      view.req = null
      view.res = null
    }
  }
}
