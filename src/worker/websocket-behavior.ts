// uWS's WebSocket behaviour for every entrypoint: the upgrade request goes
// through pier's request handler (routed like any request), and each event
// of an upgraded connection goes to its Bridge.
//
// Idle policy: uWS pings a client after idleTimeout / 2 without a byte from
// it and closes it after idleTimeout (tried: 8 s gives pings at 4 s and a
// close at 8 s), so a vanished client does not hold its backend connection
// forever; a live one (every browser answers pings) stays open however long
// it is silent. HTTP's idle timeout no longer applies once upgraded.
import uWS, { type WebSocketBehavior } from 'uWebSockets.js'
import type { Bridge, WebSocketSettings } from './websocket-bridge.js'
import type { Handler } from './handler.js'

/** Seconds without a byte from a client before uWS closes it (it pings at half of it). */
export const WEBSOCKET_IDLE_TIMEOUT_S = 120

/** What uWS keeps per WebSocket: it copies the own properties of the object given to upgrade(), so the Bridge goes in a field. */
export interface Slot {
  bridge: Bridge
}

export function webSocketBehavior(settings: WebSocketSettings, handler: Handler): WebSocketBehavior<Slot> {
  return {
    maxPayloadLength: settings.maxMessageSize,
    idleTimeout: WEBSOCKET_IDLE_TIMEOUT_S,
    sendPingsAutomatically: true,
    // 0: uWS never drops a message; the bridge bounds what is buffered by pausing the backend.
    maxBackpressure: 0,
    // Shared (de)compressors: no per-connection window, so no memory per WebSocket for it.
    compression: settings.compress ? uWS.SHARED_COMPRESSOR | uWS.SHARED_DECOMPRESSOR : uWS.DISABLED,
    upgrade: handler,
    open: (ws) => ws.getUserData().bridge.opened(ws),
    message: (ws, message, isBinary) => ws.getUserData().bridge.fromClient(message, isBinary),
    drain: (ws) => ws.getUserData().bridge.clientDrained(),
    ping: (ws, message) => ws.getUserData().bridge.pingFromClient(message),
    pong: (ws, message) => ws.getUserData().bridge.pongFromClient(message),
    close: (ws, code, message) => ws.getUserData().bridge.clientClosed(code, message),
  }
}
