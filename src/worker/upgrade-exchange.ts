// A WebSocket upgrade request through pier: an Exchange whose backend may
// answer 101. Any other answer (401, 403, 404, ...) reaches the client as
// it is, through the Exchange. A 101 is checked, then the client is upgraded
// by uWS with the backend's chosen subprotocol and its other end-to-end
// headers (Set-Cookie and the like), and a Bridge carries the messages. The
// exchange is finished, counted and logged (status 101) when the WebSocket
// closes on both sides.
import type { HttpResponse, us_socket_context_t } from 'uWebSockets.js'
import { Exchange, asBytes, type AccessFields, type ExchangeSink } from './exchange.js'
import { isDroppedResponseHeader } from './response-head.js'
import { Bridge, type BridgeOwner, type WebSocketSettings } from './websocket-bridge.js'
import type { Head } from '../upstream/head.js'
import type { Tunnel, UpgradeHandler } from '../upstream/upgrade.js'
import type { RouteTable } from '../table/reader.js'
import { checkBackendHandshake } from '../websocket/handshake.js'
import type { Logger } from '../log.js'
import type { Slot } from './websocket-behavior.js'

/** What the client's upgrade request said, read while uWS's request was valid. */
export interface ClientHandshake {
  key: string
  protocols: string
  extensions: string
  context: us_socket_context_t
  /** The client came in over TLS (uWS's direct write, which the Bridge works around, is for plain sockets only). */
  tls: boolean
}

/** Headers of the backend's 101 that uWS writes itself. */
function writtenByUws(name: string): boolean {
  const n = name.toLowerCase()
  return n === 'sec-websocket-accept' || n === 'sec-websocket-protocol' || n === 'sec-websocket-extensions'
}

export class UpgradeExchange extends Exchange implements UpgradeHandler, BridgeOwner {
  constructor(
    res: HttpResponse,
    table: RouteTable,
    ep: number,
    router: number,
    service: number,
    server: number,
    startedAt: number,
    log: AccessFields | null,
    sink: ExchangeSink,
    private readonly client: ClientHandshake,
    private readonly settings: WebSocketSettings,
    private readonly logger: Logger,
  ) {
    super(res, table, ep, 'GET', router, service, server, startedAt, log, sink)
  }

  onUpgrade(head: Head, tunnel: Tunnel): void {
    if (this.aborted || this.finished) return tunnel.destroy()
    const check = checkBackendHandshake(head.headers, this.client.key, this.client.protocols)
    if (check.problem !== '') {
      tunnel.destroy()
      this.logger.warn('backend refused as a WebSocket server', { server: this.table.serverUrls[this.server], problem: check.problem })
      return this.onError({ code: 'UPSTREAM_BAD_UPGRADE' })
    }
    this.headersAt = performance.now()
    this.status = 101
    const bridge = new Bridge(tunnel, this, this.settings, this.client.tls)
    const res = this.res
    const h = head.headers
    const extensions = this.settings.compress ? this.client.extensions : ''
    res.cork(() => {
      // uWS writes Upgrade, Connection, the accept key, the subprotocol and extensions; pier adds the rest.
      res.writeStatus('101 Switching Protocols')
      for (let i = 0; i < h.length; i += 2) {
        if (!isDroppedResponseHeader(h[i]!) && !writtenByUws(h[i]!)) res.writeHeader(h[i]!, head.obsText ? asBytes(h[i + 1]!) : h[i + 1]!)
      }
      if (this.setCookie !== '') res.writeHeader('set-cookie', this.setCookie)
      res.upgrade<Slot>({ bridge }, this.client.key, check.protocol, extensions, this.client.context)
    })
  }

  bridgeEnded(bridge: Bridge): void {
    this.bytesOut = bridge.bytesOut
    this.finish()
  }
}
