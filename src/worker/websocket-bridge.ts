// One proxied WebSocket: uWS's WebSocket toward the client, a switched
// backend connection (a Tunnel) with pier's frame parser and masked frames
// toward the backend. Messages go both ways as they come; close codes and
// reasons are passed on; an abnormal end on one side ends the other without
// a close frame, so each peer sees what it would see without pier.
//
// Backpressure: backend bytes waiting in uWS for the client pause the
// backend socket (resumed on drain), so pier holds at most one read per
// connection beyond that mark. uWS 20.30 cannot pause reading a WebSocket,
// so toward a backend that does not read, pier buffers up to the largest
// message plus 1 MiB, then closes the client with 1013 (Try Again Later).
import type { WebSocket } from 'uWebSockets.js'
import type { Tunnel, TunnelReader } from '../upstream/upgrade.js'
import type { UpstreamError } from '../upstream/errors.js'
import type { Slot } from './websocket-behavior.js'
import { FrameParser, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, type FrameSink } from '../websocket/frame-parser.js'
import { closePayload, maskedFrame } from '../websocket/frame-writer.js'
import { CLOSE_GOING_AWAY, CLOSE_TRY_AGAIN_LATER } from '../websocket/close-codes.js'

export interface WebSocketSettings {
  /** Largest message either way, in bytes. */
  maxMessageSize: number
  /** Compress messages toward clients that offer permessage-deflate. */
  compress: boolean
}

/** Told once both sides of the bridge are closed. */
export interface BridgeOwner {
  bridgeEnded(bridge: Bridge): void
}

/** Bytes buffered in uWS toward the client above which the backend is paused, and below which it resumes. */
const CLIENT_HIGH_WATER = 256 * 1024
const CLIENT_LOW_WATER = 64 * 1024
/** Frames from this size up may take uWS 20.30's direct write, which can lose their payload (onMessageData). */
const DIRECT_WRITE_MIN = 16 * 1024
/** What goes in one frame instead: with its 4-byte header it fits uWS's cork buffer (16 KiB, one per thread), so it is not copied per socket. */
const SMALL_FRAME = 16 * 1024 - 8
/** Room toward the backend beyond the largest message before a client is cut off. */
const BACKEND_SLACK = 1 << 20
/** How long a closing backend connection may take to finish the close handshake before it is cut (shorter at shutdown). */
const CLOSE_WAIT_MS = 5000
const GOING_AWAY_WAIT_MS = 1000
/** The close code a client gets when the backend broke the protocol (IANA: Bad Gateway). */
const CLOSE_BAD_GATEWAY = 1014

const EMPTY = new Uint8Array(0)

/** Every open bridge of this thread, for closing them all at shutdown. */
const open = new Set<Bridge>()
/** The thread is shutting down: a WebSocket whose upgrade was still under way closes as soon as it opens. */
let goingAway = false

/** Closes every WebSocket of this thread with 1001 (both sides), and any that opens later; returns how many there were. */
export function closeAllWebSockets(): number {
  goingAway = true
  const n = open.size
  for (const b of [...open]) b.goAway()
  return n
}

function cutTunnel(b: Bridge): void {
  b.cut()
}

export class Bridge implements TunnelReader, FrameSink {
  private ws: WebSocket<Slot> | null = null
  private readonly parser: FrameParser
  private readonly backendLimit: number
  /** The next piece toward the client starts a message. */
  private first = true
  private binary = false
  /** Reading the backend is paused until uWS drains toward the client. */
  private paused = false
  /** A close frame went to the backend. */
  private closeSent = false
  /** The client side is closed (uWS's close handler ran). */
  private clientDone = false
  /** The backend connection is closed or cut. */
  private backendDone = false
  /** ws.end() is running on the backend's behalf: the client's close handler must not answer the backend. */
  private endingClient = false
  private closeTimer: NodeJS.Timeout | null = null
  private closeWaitMs = CLOSE_WAIT_MS
  private ended = false
  /** Message bytes sent to the client. */
  bytesOut = 0

  constructor(
    private readonly tunnel: Tunnel,
    private readonly owner: BridgeOwner,
    private readonly settings: WebSocketSettings,
    /** The client is on TLS: uWS never writes to it directly (onMessageData). */
    private readonly tls: boolean,
  ) {
    this.parser = new FrameParser(this, settings.maxMessageSize)
    this.backendLimit = settings.maxMessageSize + BACKEND_SLACK
  }

  // -- client side (uWS's WebSocket behaviour) --

  opened(ws: WebSocket<Slot>): void {
    this.ws = ws
    open.add(this)
    this.tunnel.start(this)
    if (goingAway) this.goAway()
  }

  fromClient(message: ArrayBuffer, isBinary: boolean): void {
    if (this.closeSent || this.backendDone) return
    this.tunnel.send(maskedFrame(isBinary ? OP_BINARY : OP_TEXT, new Uint8Array(message)))
    if (this.tunnel.buffered > this.backendLimit) this.endClient(CLOSE_TRY_AGAIN_LATER, 'backend is not reading')
  }

  pingFromClient(message: ArrayBuffer): void {
    // uWS has answered the client already; the backend's pong is dropped (uWS cannot send one on its own).
    if (!this.closeSent && !this.backendDone) this.tunnel.send(maskedFrame(OP_PING, new Uint8Array(message)))
  }

  pongFromClient(message: ArrayBuffer): void {
    if (!this.closeSent && !this.backendDone) this.tunnel.send(maskedFrame(OP_PONG, new Uint8Array(message)))
  }

  clientDrained(): void {
    if (this.paused && this.ws !== null && this.ws.getBufferedAmount() < CLIENT_LOW_WATER) {
      this.paused = false
      this.tunnel.resume()
    }
  }

  clientClosed(code: number, message: ArrayBuffer): void {
    this.ws = null
    this.clientDone = true
    open.delete(this)
    // What the backend still sends is read and dropped, so that its close frame is seen.
    if (this.paused) {
      this.paused = false
      this.tunnel.resume()
    }
    if (this.endingClient || this.backendDone) return this.maybeEnded()
    if (code === 1006) {
      // The client vanished (or uWS cut it): the backend sees the same, no close frame.
      this.cut()
      return
    }
    this.closeBackend(code, new Uint8Array(message))
  }

  /** Shutdown: 1001 to both sides. */
  goAway(): void {
    this.closeWaitMs = GOING_AWAY_WAIT_MS
    if (this.ws !== null) this.endClient(CLOSE_GOING_AWAY, '')
    else this.cut()
  }

  // -- backend side (TunnelReader) --

  onTunnelData(buf: Buffer, start: number, end: number): number {
    if (this.parser.closed) return end
    // Not inside ws.cork(): uWS 20.30 garbles frames sent corked while the socket has backpressure.
    const p = this.parser.execute(buf, start, end)
    if (p >= 0) return this.parser.closed ? end : p
    const err = this.parser.error!
    this.closeBackend(err.code, Buffer.from(err.message))
    this.endClient(CLOSE_BAD_GATEWAY, `backend broke the WebSocket protocol: ${err.message}`)
    return end
  }

  onTunnelDrain(): void {}

  onTunnelClose(_err: UpstreamError | null): void {
    this.backendDone = true
    this.clearTimer()
    // Gone without a close handshake (killed, reset): the client sees an abnormal close too.
    if (this.ws !== null) {
      this.endingClient = true
      this.ws.close()
    }
    this.maybeEnded()
  }

  // -- frames from the backend (FrameSink) --

  onMessageStart(binary: boolean): void {
    this.first = true
    this.binary = binary
  }

  onMessageData(piece: Buffer, last: boolean): boolean {
    const ws = this.ws
    if (ws === null) return true
    // Only a message that came whole in one read is compressed: uWS 20.30's
    // shared compressor corrupts fragmented messages, and an uncompressed
    // message is always allowed on a permessage-deflate connection. A send
    // asked to compress never takes uWS's direct write (below).
    if (this.first && last && this.settings.compress) {
      ws.send(piece, this.binary, true)
      this.first = false
    } else {
      // uWS 20.30 writes a frame of 16 KiB or more straight to the socket
      // when nothing is buffered, and loses its payload when the kernel takes
      // no more than the header (uWebSockets 143db30, later than this build):
      // the client reads the next frame as that payload. While nothing is
      // buffered, such a piece goes out in frames below that size (not on
      // TLS, where uWS always goes through its buffer).
      let at = 0
      while (!this.tls && piece.length - at >= DIRECT_WRITE_MIN && ws.getBufferedAmount() === 0) {
        this.sendFrame(ws, piece.subarray(at, at + SMALL_FRAME), false)
        at += SMALL_FRAME
      }
      this.sendFrame(ws, at === 0 ? piece : piece.subarray(at), last)
    }
    this.bytesOut += piece.length
    return this.flowing(ws)
  }

  onPing(payload: Buffer): boolean {
    const ws = this.ws
    if (ws === null) return true
    ws.ping(payload)
    return this.flowing(ws)
  }

  onPong(_payload: Buffer): boolean {
    return true
  }

  onClose(code: number, reason: Buffer): void {
    // Answer the backend's close (unless this is the answer to ours), then let it close the connection.
    if (!this.closeSent) {
      this.closeSent = true
      this.tunnel.send(maskedFrame(OP_CLOSE, closePayload(code, reason)))
    }
    this.tunnel.closeWrite()
    this.armCloseTimer()
    this.endClient(code, reason)
  }

  // -- closing --

  /** Cuts the backend connection at once (no close frame). */
  cut(): void {
    if (this.backendDone) return
    this.backendDone = true
    this.clearTimer()
    this.tunnel.destroy()
    this.maybeEnded()
  }

  /** One uncompressed frame of the current message. */
  private sendFrame(ws: WebSocket<Slot>, data: Buffer, last: boolean): void {
    if (this.first) {
      if (last) ws.send(data, this.binary, false)
      else ws.sendFirstFragment(data, this.binary, false)
      this.first = false
    } else if (last) {
      ws.sendLastFragment(data, false)
    } else {
      ws.sendFragment(data, false)
    }
  }

  private flowing(ws: WebSocket<Slot>): boolean {
    if (ws.getBufferedAmount() <= CLIENT_HIGH_WATER) return true
    // Paused here, not only by the unread rest: a read may end right at this message.
    this.paused = true
    this.tunnel.pause()
    return false
  }

  private closeBackend(code: number, reason: Uint8Array): void {
    if (this.backendDone) return
    if (!this.closeSent) {
      this.closeSent = true
      this.tunnel.send(maskedFrame(OP_CLOSE, closePayload(code, reason)))
    }
    this.armCloseTimer()
  }

  /** Closes the client with a close frame; its close handler runs at once, inside ws.end(). */
  private endClient(code: number, reason: Uint8Array | string): void {
    const ws = this.ws
    if (ws === null) return
    this.endingClient = code !== CLOSE_TRY_AGAIN_LATER && code !== CLOSE_GOING_AWAY
    if (code === 1005) ws.end()
    else ws.end(code, typeof reason === 'string' ? closePayload(code, Buffer.from(reason)).subarray(2) : reason.length > 0 ? reason : EMPTY)
  }

  private armCloseTimer(): void {
    if (this.closeTimer !== null || this.backendDone) return
    this.closeTimer = setTimeout(cutTunnel, this.closeWaitMs, this)
    this.closeTimer.unref()
  }

  private clearTimer(): void {
    if (this.closeTimer !== null) clearTimeout(this.closeTimer)
    this.closeTimer = null
  }

  private maybeEnded(): void {
    if (this.ended || !this.clientDone || !this.backendDone) return
    this.ended = true
    this.owner.bridgeEnded(this)
  }
}
