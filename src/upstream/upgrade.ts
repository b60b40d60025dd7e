// An upgrade request (WebSocket) to a backend: a connection of its own,
// outside the keep-alive pool (it will never carry another request, and a
// long-lived WebSocket must not hold a pool slot). The response is parsed as
// any other: a 101 hands the socket over as a Tunnel; anything else (a 401, a
// 404, a 200 from a server that ignored the upgrade) streams to the handler
// like an ordinary response, and the connection closes after it.
import { connect, type Socket } from 'node:net'
import type { ConnectionOptions } from 'node:tls'
import { nodeTls } from '../lazy-modules.js'
import { dialTarget } from './address.js'
import { ErrorCode, UpstreamError } from './errors.js'
import type { Head } from './head.js'
import { ResponseParser, type ParserSink } from './parser.js'
import { keepBytes } from './kept-bytes.js'
import { watch, unwatch, type Tickable } from './ticker.js'
import type { RequestController, ResponseHandler } from './types.js'

/** Reads of every upgrade connection and tunnel in this thread land here; each is consumed before the next read. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024)

/** Backend sockets of open tunnels get TCP keep-alive probes after this long idle, so a vanished host is noticed. */
const TUNNEL_KEEPALIVE_MS = 60_000

export interface UpgradeOptions {
  host: string
  port: number
  dialTimeoutMs: number
  /** The response head (101 or not) must be complete within this many ms after the request was sent; 0 = no limit. */
  headersTimeoutMs: number
  /** Largest response head accepted. */
  maxHeadBytes: number
  /** TLS to the backend (wss), as the pool's. */
  tls?: ConnectionOptions
}

/** Receives the bytes of a switched connection. */
export interface TunnelReader {
  /**
   * Bytes from the backend in buf[start..end), valid only during the call.
   * Returns how far it consumed: less than end pauses reading, and the rest
   * is offered again after resume().
   */
  onTunnelData(buf: Buffer, start: number, end: number): number
  /** The socket can take more after write() returned false. */
  onTunnelDrain(): void
  /** The connection is gone: EOF (err null) or an error. Called once, never after destroy(). */
  onTunnelClose(err: UpstreamError | null): void
}

export interface UpgradeHandler extends ResponseHandler {
  /**
   * The backend answered 101: head is its response head, and the tunnel (the
   * socket, with any bytes that followed the head) now belongs to the
   * handler, which must call tunnel.start(reader) or tunnel.destroy().
   */
  onUpgrade(head: Head, tunnel: Tunnel): void
}

const DIALING = 0
const WAITING = 1
const RESPONSE = 2
const TUNNEL = 3
const DONE = 4

/** An upgrade request and, once the backend switched, its connection. Made by UpstreamPool.upgrade(). */
export class Tunnel implements ParserSink, RequestController, Tickable {
  private readonly socket: Socket
  private readonly parser: ResponseParser
  private state = DIALING
  private readonly dialDeadline: number
  private headersDeadline = 0
  private reader: TunnelReader | null = null
  private paused = false
  /** Unconsumed bytes kept while paused (kept-bytes.ts). */
  private rest: Buffer | null = null
  private eofPending = false
  private sysError: Error | null = null

  constructor(
    head: string,
    private readonly handler: UpgradeHandler,
    private readonly opts: UpgradeOptions,
  ) {
    this.dialDeadline = Date.now() + opts.dialTimeoutMs
    this.parser = new ResponseParser(this, opts.maxHeadBytes)
    this.parser.reset(false, true)
    // TLS reads land in the shared buffer too (connection.ts says why the cast).
    const onread = { buffer: READ_BUFFER, callback: (n: number, buf: Buffer) => this.onRead(buf, n) }
    if (opts.tls) {
      this.socket = nodeTls().connect({ host: opts.host, port: opts.port, ...opts.tls, onread } as ConnectionOptions)
      this.socket.setNoDelay(true)
      this.socket.on('secureConnect', () => this.onConnect())
    } else {
      this.socket = connect({ ...dialTarget(opts.host, opts.port), onread })
      this.socket.on('connect', () => this.onConnect())
    }
    // UTF-8, as pool.ts explains.
    this.socket.write(head, 'utf8')
    this.socket.on('error', (err: Error) => (this.sysError = err))
    this.socket.on('end', () => this.onEnd())
    this.socket.on('close', () => this.onClose())
    this.socket.on('drain', () => this.state === TUNNEL && this.reader?.onTunnelDrain())
    watch(this)
  }

  // -- after the switch --

  /** Starts delivering the backend's bytes to reader (those that came with the 101 first). */
  start(reader: TunnelReader): void {
    this.reader = reader
    this.socket.setKeepAlive(true, TUNNEL_KEEPALIVE_MS)
    if (this.rest !== null) process.nextTick(resumeTick, this)
    else if (!this.paused) this.socket.resume()
  }

  /** Bytes to the backend; false when buffered beyond the socket's high-water mark (onTunnelDrain follows). */
  send(data: Buffer): boolean {
    return this.socket.destroyed ? true : this.socket.write(data)
  }

  /** Bytes the socket holds that the kernel has not taken yet. */
  get buffered(): number {
    return this.socket.writableLength
  }

  /** Half-closes after what was written (the backend closes its side). */
  closeWrite(): void {
    if (!this.socket.destroyed) this.socket.end()
  }

  /** Closes at once; no callback follows. */
  destroy(): void {
    if (this.state === DONE) return
    this.state = DONE
    unwatch(this)
    this.socket.destroy()
  }

  // -- RequestController (the refused upgrade's response) --

  // An upgrade request has no body: write() and end() have nothing to do.
  write(_chunk: Uint8Array): boolean {
    return true
  }

  end(): void {}

  // An upgrade is not moved to another server (the exchange has no failover).
  replayableBody(): null {
    return null
  }

  keepBody(): void {}

  pause(): void {
    if (this.paused || this.state === DONE) return
    this.paused = true
    this.socket.pause()
  }

  resume(): void {
    if (!this.paused || this.state === DONE) return
    this.paused = false
    if (this.rest !== null) process.nextTick(resumeTick, this)
    else this.socket.resume()
  }

  abort(): void {
    this.destroy()
  }

  // -- Tickable --

  tick(now: number): void {
    if (this.state === DIALING && now >= this.dialDeadline) {
      this.fail(new UpstreamError(ErrorCode.CONNECT_TIMEOUT, 'timed out connecting to backend'))
    } else if (this.state === WAITING && this.headersDeadline !== 0 && now >= this.headersDeadline) {
      this.fail(new UpstreamError(ErrorCode.HEADERS_TIMEOUT, `no response headers from backend within ${this.opts.headersTimeoutMs} ms`))
    }
  }

  // -- ParserSink (responses other than 101) --

  onHead(head: Head, contentLength: number): boolean {
    this.state = RESPONSE
    this.handler.onHeaders(head.status, head.statusText, head.headers, contentLength, head.obsText)
    return this.state === RESPONSE && !this.paused
  }

  onBody(chunk: Buffer): boolean {
    if (!this.handler.onData(chunk)) this.pause()
    return this.state === RESPONSE && !this.paused
  }

  // -- socket events --

  private onConnect(): void {
    if (this.state !== DIALING) return
    this.state = WAITING
    if (this.opts.headersTimeoutMs > 0) this.headersDeadline = Date.now() + this.opts.headersTimeoutMs
  }

  private onRead(buf: Buffer, n: number): boolean {
    if (this.state === DONE) return false
    if (this.paused || this.rest !== null || (this.state === TUNNEL && this.reader === null)) {
      // A paused TLS socket delivers what it had already decrypted: kept, in order, for resume.
      this.rest = keepBytes(this.rest, buf, 0, n)
      return false
    }
    this.consume(buf, 0, n)
    return !this.paused && this.state !== DONE
  }

  /** Parses bytes kept while paused, then reads again. */
  drainRest(): void {
    const rest = this.rest
    if (this.paused || rest === null || this.state === DONE) return
    if (this.state === TUNNEL && this.reader === null) return
    this.rest = null
    this.consume(rest, 0, rest.length)
    if (this.paused || this.state === DONE || this.rest !== null) return
    if (this.eofPending) this.onEnd()
    else this.socket.resume()
  }

  private consume(buf: Buffer, start: number, end: number): void {
    if (this.state === TUNNEL) {
      const p = this.reader!.onTunnelData(buf, start, end)
      if (p < end && this.state === TUNNEL) this.keep(buf, p, end)
      return
    }
    const p = this.parser.execute(buf, start, end)
    if (this.state === DONE) return
    if (p < 0) return this.fail(this.parser.error!)
    if (this.parser.upgraded) return this.switched(buf, p, end)
    if (this.parser.done) return this.complete()
    if (p < end) this.keep(buf, p, end)
  }

  private keep(buf: Buffer, p: number, end: number): void {
    this.rest = keepBytes(null, buf, p, end)
    this.paused = true
    this.socket.pause()
  }

  private switched(buf: Buffer, p: number, end: number): void {
    this.state = TUNNEL
    unwatch(this)
    // Nothing is read until the new owner starts the tunnel.
    this.socket.pause()
    if (p < end) this.rest = keepBytes(null, buf, p, end)
    this.handler.onUpgrade(this.parser.head, this)
  }

  private complete(): void {
    const trailers = this.parser.trailers
    this.destroy()
    this.handler.onComplete(trailers)
  }

  private fail(err: UpstreamError): void {
    this.destroy()
    this.handler.onError(err)
  }

  private onEnd(): void {
    if (this.state === DONE) return
    if (this.rest !== null) {
      this.eofPending = true
      return
    }
    if (this.state === TUNNEL) {
      this.state = DONE
      unwatch(this)
      this.socket.destroy()
      this.reader?.onTunnelClose(null)
      return
    }
    if (this.parser.finish()) this.complete()
    else this.fail(this.parser.error!)
  }

  private onClose(): void {
    if (this.state === DONE) return
    const sys = this.sysError as NodeJS.ErrnoException | null
    if (this.state === DIALING) {
      if (sys?.code === 'ECONNREFUSED') return this.fail(new UpstreamError(ErrorCode.CONNECT_REFUSED, `backend refused the connection (${sys.message})`, undefined, sys.code))
      return this.fail(new UpstreamError(ErrorCode.CONNECT_FAILED, `cannot connect to backend: ${sys?.message ?? 'closed'}`, undefined, sys?.code))
    }
    const err = new UpstreamError(ErrorCode.RESET, `connection to backend lost (${sys?.code ?? sys?.message ?? 'closed'})`, undefined, sys?.code)
    if (this.state === TUNNEL) {
      this.state = DONE
      unwatch(this)
      this.reader?.onTunnelClose(err)
      return
    }
    this.fail(err)
  }
}

function resumeTick(t: Tunnel): void {
  t.drainRest()
}
