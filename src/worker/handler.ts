// The request hot path of one worker: match, pick, forward. Matching and the
// WRR pick allocate nothing; the rest allocates what forwarding needs (the
// head string, one Exchange).
import type { HttpRequest, HttpResponse } from 'uWebSockets.js'
import type { MatchRequest } from '../rules/index.js'
import type { RouteTable } from '../table/reader.js'
import type { SmoothWRR } from '../balancer/wrr.js'
import type { UpstreamPool } from '../upstream/pool.js'
import { buildHead, BODY_NONE } from './request-head.js'
import { Exchange, type ExchangeSink } from './exchange.js'
import type { Logger } from '../log.js'

/** The worker's current routing state; replaced as a whole on a table swap. */
export interface Routing {
  table: RouteTable
  wrr: SmoothWRR
  pools: UpstreamPool[]
}

export interface HandlerContext {
  routing(): Routing
  sink: ExchangeSink
  headersTimeoutMs: number
  serverName: string
  log: Logger
  /** Requests seen, for telling when a retiring thread has gone quiet. */
  requests: number
}

/** The one MatchRequest of this thread, pointed at the request being handled. */
class RequestView implements MatchRequest {
  host = ''
  path = ''
  query = ''
  method = ''
  req: HttpRequest | null = null
  res: HttpResponse | null = null
  header(name: string): string {
    return this.req!.getHeader(name)
  }
  clientIP(): string {
    return clientAddress(this.res!)
  }
}

function clientAddress(res: HttpResponse): string {
  const ip = Buffer.from(res.getRemoteAddressAsText()).toString('latin1')
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'])

function reply(res: HttpResponse, status: string, body: string, close: boolean): void {
  res.cork(() => res.writeStatus(status).writeHeader('content-type', 'text/plain; charset=utf-8').end(body, close))
}

export function createHandler(ctx: HandlerContext, ep: number, epPort: number): (res: HttpResponse, req: HttpRequest) => void {
  const view = new RequestView()
  return (res, req) => {
    let x: Exchange | null = null
    ctx.requests++
    try {
      const { table, wrr, pools } = ctx.routing()
      view.req = req
      view.res = res
      view.host = req.getHeader('host')
      view.path = req.getUrl()
      view.query = req.getQuery() ?? ''
      view.method = req.getCaseSensitiveMethod()
      const router = table.match(view, ep)
      if (router < 0) return reply(res, '404 Not Found', '404 page not found\n', ctx.sink.closing)
      const service = table.serviceOf(router)
      const server = wrr.pick(service)
      if (server < 0) return reply(res, '503 Service Unavailable', 'Service Unavailable', ctx.sink.closing)
      const method = view.method
      const clientIP = clientAddress(res)
      const serverHost = table.serverHosts[server]!
      const head = buildHead(req, {
        method,
        target: view.query ? `${view.path}?${view.query}` : view.path,
        host: table.passHostHeader(service) ? view.host : `${serverHost.includes(':') ? `[${serverHost}]` : serverHost}:${table.port(server)}`,
        clientIP,
        forwardedHost: view.host,
        port: epPort,
        server: ctx.serverName,
      })
      if (head.status !== 0) return reply(res, head.status === 400 ? '400 Bad Request' : '501 Not Implemented', head.reason, ctx.sink.closing)
      const body = head.body
      x = new Exchange(res, method === 'HEAD', router, service, server, ctx.sink)
      x.startedAt = performance.now()
      const ctl = pools[server]!.request(head.head, body, x, {
        headersTimeoutMs: ctx.headersTimeoutMs,
        isHead: method === 'HEAD',
        idempotent: body === BODY_NONE && IDEMPOTENT.has(method),
      })
      x.ctl = ctl
      if (body !== BODY_NONE) {
        const ex = x
        res.onData((ab, isLast) => {
          if (ex.aborted || ex.finished) return
          if (ab.byteLength > 0 && !ctl.write(Buffer.copyBytesFrom(new Uint8Array(ab)))) res.pause()
          if (isLast) ctl.end()
        })
      }
    } catch (err) {
      // A bug must not take the worker (and its other connections) down.
      ctx.log.error('request handler failed', { error: String((err as Error)?.stack ?? err) })
      if (x === null) reply(res, '500 Internal Server Error', 'Internal Server Error', true)
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
