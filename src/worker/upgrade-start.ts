// The start of a WebSocket upgrade, once the request is routed: the checks
// pier makes of the client's handshake, then the dial to the backend.
import type { HttpResponse, us_socket_context_t } from 'uWebSockets.js'
import type { UpstreamPool } from '../upstream/pool.js'
import type { RouteTable } from '../table/reader.js'
import type { AccessFields } from './exchange.js'
import { UpgradeExchange } from './upgrade-exchange.js'
import { BODY_NONE, type HeaderSource } from './request-head.js'
import { hasToken, isWebSocketKey } from '../websocket/handshake.js'
import type { HandlerContext } from './handler.js'

/** A GET asking to switch to WebSocket (uWS sends only requests with a 24-character key here). */
export function isUpgradeRequest(req: HeaderSource): boolean {
  return hasToken(req.getHeader('upgrade'), 'websocket') && hasToken(req.getHeader('connection'), 'upgrade')
}

export interface Refusal {
  status: string
  reason: string
  /** A header the answer must carry (426 names the version pier speaks). */
  header?: [string, string]
}

/** Dials the backend for an upgrade, or says why pier answers the request itself. */
export function startUpgrade(
  ctx: HandlerContext,
  res: HttpResponse,
  /** uWS's request, or a middleware chain's flow that let the upgrade through */
  req: HeaderSource,
  context: us_socket_context_t,
  tls: boolean,
  head: string,
  body: number,
  table: RouteTable,
  ep: number,
  router: number,
  service: number,
  server: number,
  startedAt: number,
  log: AccessFields | null,
  pool: UpstreamPool,
  /** The sticky cookie the 101 sets ('' for none). */
  setCookie: string,
): Refusal | null {
  if (req.getHeader('sec-websocket-version') !== '13') return { status: '426 Upgrade Required', reason: 'WebSocket version 13 only', header: ['sec-websocket-version', '13'] }
  const key = req.getHeader('sec-websocket-key')
  if (!isWebSocketKey(key)) return { status: '400 Bad Request', reason: 'Sec-WebSocket-Key is not 16 bytes in base64' }
  if (body !== BODY_NONE) return { status: '400 Bad Request', reason: 'an upgrade request has no body' }
  const client = { key, protocols: req.getHeader('sec-websocket-protocol'), extensions: req.getHeader('sec-websocket-extensions'), context, tls }
  const x = new UpgradeExchange(res, table, ep, router, service, server, startedAt, log, ctx.sink, client, ctx.webSocket, ctx.log)
  x.setCookie = setCookie
  x.ctl = pool.upgrade(head, x, ctx.headersTimeoutMs)
  return null
}
