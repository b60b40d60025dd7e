// One keep-alive socket to a backend with its parser state; it carries one
// request at a time. Socket callbacks are bound once per connection, reads go
// into one shared buffer (no allocation per read), and the parser's sink
// is the connection itself, so a request allocates no closures here.
import { connect, type Socket } from 'node:net'
import type { ConnectionOptions } from 'node:tls'
import { nodeTls } from '../lazy-modules.js'
import { dialTarget } from './address.js'
import { ErrorCode, UpstreamError } from './errors.js'
import type { Head } from './head.js'
import { ResponseParser, type ParserSink } from './parser.js'
import { ACTIVE, DONE, type Request } from './request.js'
import { writeHead } from './head-write.js'
import { keepBytes } from './kept-bytes.js'

/**
 * Reads of every connection in this thread land here; each is parsed before
 * the next read happens. Large enough for a 64 KiB body and its head in one
 * read, so that it reaches the client in one write.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024)

/**
 * A connection is retired this long before the server's announced
 * Keep-Alive timeout, so a request is not sent just as the server closes it
 * (undici does the same).
 */
const KEEP_ALIVE_MARGIN_MS = 1000

const CRLF = '\r\n'
const LAST_CHUNK = '0\r\n\r\n'

/** What a connection needs from its pool. */
export interface ConnectionOwner {
  /** The response is done and the connection can carry another request. */
  release(conn: Connection): void
  /** The connection is closed: forget it (no dispatching yet). */
  detach(conn: Connection): void
  /** Dial a fresh connection for a request lost with a reused one. */
  retry(req: Request): void
  /** Dispatch queued requests onto free capacity. */
  pump(): void
}

function uncork(socket: Socket): void {
  socket.uncork()
}

function resumeTick(conn: Connection): void {
  conn.drainRest()
}

function drainTick(conn: Connection): void {
  const req = conn.req
  if (req !== null && req.wantDrain) {
    req.wantDrain = false
    req.handler.onRequestDrain?.()
  }
}

export class Connection implements ParserSink {
  readonly socket: Socket
  readonly parser: ResponseParser
  /** The request being served, or null when idle. */
  req: Request | null = null
  connected = false
  /** Served a response before (so it sat idle in the pool: a loss may mean a stale connection). */
  reused = false
  /** Closed and forgotten by the pool. */
  dead = false
  /** Dial start while connecting, idle-since while idle (ms). */
  since: number
  /** The server's Keep-Alive timeout less a margin (ms), -1 when not announced; the pool's idle limit applies too. */
  idleLimit = -1
  /** Index in the pool's list of connections. */
  index = -1
  /** Reading paused for backpressure. */
  private readPaused = false
  /** Unparsed bytes kept while paused (kept-bytes.ts). */
  private rest: Buffer | null = null
  /** EOF seen while paused with bytes left: handled once they are parsed. */
  private eofPending = false
  private sysError: Error | null = null
  private timedOut = false

  constructor(
    private readonly owner: ConnectionOwner,
    host: string,
    port: number,
    now: number,
    maxHeadBytes: number,
    tls?: ConnectionOptions,
  ) {
    this.since = now
    this.parser = new ResponseParser(this, maxHeadBytes)
    // TLS sockets read decrypted bytes into the shared buffer too, a TLS record
    // per callback (tls.connect takes onread since Node 15; @types/node omits it).
    const onread = { buffer: READ_BUFFER, callback: (n: number, buf: Buffer) => this.onRead(n, buf) }
    if (tls) {
      this.socket = nodeTls().connect({ host, port, ...tls, onread } as ConnectionOptions)
      this.socket.setNoDelay(true)
      this.socket.on('secureConnect', () => this.onConnect())
    } else {
      this.socket = connect({ ...dialTarget(host, port), onread })
      this.socket.on('connect', () => this.onConnect())
    }
    this.socket.on('error', (err: Error) => {
      this.sysError = err
    })
    this.socket.on('end', () => this.onEnd())
    this.socket.on('close', () => this.onClose())
    this.socket.on('drain', () => drainTick(this))
  }

  /**
   * Starts req on this connection. Nothing is written before the socket is
   * connected, so that a request whose dial fails has reached no one and
   * keeps its whole body for another server.
   */
  start(req: Request, now: number): void {
    this.req = req
    req.conn = this
    req.state = ACTIVE
    this.parser.reset(req.isHead)
    if (req.paused) this.pauseReading()
    if (this.connected) this.send(req, now)
  }

  /** The head (and any body handed over so far) goes out. */
  private send(req: Request, now: number): void {
    req.wrote = true
    const s = this.socket
    if (req.bodyMode === 0) {
      writeHead(s, req.head)
      req.armHeadersTimeout(now)
      return
    }
    // Head and body written in this tick leave in one writev.
    s.cork()
    s.write(req.head, 'utf8')
    const pending = req.pendingBody
    if (pending !== null) {
      req.pendingBody = null
      for (const chunk of pending) {
        req.retain(chunk)
        this.writeBody(chunk, req.bodyMode)
      }
    }
    if (req.bodyEnded) this.endBody(req)
    process.nextTick(uncork, s)
    if (req.wantDrain) process.nextTick(drainTick, this)
  }

  writeBody(chunk: Buffer, mode: number): boolean {
    const s = this.socket
    if (s.destroyed) return true
    if (mode === 1) return s.write(chunk)
    s.cork()
    s.write(chunk.length.toString(16) + CRLF, 'latin1')
    s.write(chunk)
    const ok = s.write(CRLF, 'latin1')
    s.uncork()
    return ok
  }

  endBody(req: Request): void {
    if (req.bodyMode === 2 && !this.socket.destroyed) this.socket.write(LAST_CHUNK, 'latin1')
    req.armHeadersTimeout(Date.now())
  }

  pauseReading(): void {
    if (this.readPaused) return
    this.readPaused = true
    this.socket.pause()
  }

  resumeReading(): void {
    if (!this.readPaused) return
    this.readPaused = false
    // Later, not inside the caller's stack: it may be in one of our callbacks.
    if (this.rest !== null) process.nextTick(resumeTick, this)
    else this.socket.resume()
  }

  /** Parses bytes kept while paused, then reads again. */
  drainRest(): void {
    const rest = this.rest
    const req = this.req
    if (this.readPaused || rest === null || req === null) return
    this.rest = null
    this.consume(req, rest, rest.length)
    if (this.readPaused || this.dead || this.req !== req || this.rest !== null) return
    if (this.eofPending) this.onEnd()
    else this.socket.resume()
  }

  /** The caller abandoned its request: close without callbacks. */
  abandon(req: Request): void {
    if (this.req !== req) return
    this.req = null
    req.conn = null
    this.close()
    this.owner.pump()
  }

  /** Closes the socket and leaves the pool (idempotent). */
  close(): void {
    if (this.dead) return
    this.dead = true
    this.socket.destroy()
    this.owner.detach(this)
  }

  /** Pool timer: dial timeout (not connected by deadline) and response headers timeout. */
  checkDeadlines(now: number, dialTimeoutMs: number): void {
    if (!this.connected) {
      if (now - this.since >= dialTimeoutMs) {
        this.timedOut = true
        this.onClose()
      }
      return
    }
    const req = this.req
    if (req !== null && req.headersDeadline !== 0 && now >= req.headersDeadline && !this.parser.inBody) {
      this.fail(req, new UpstreamError(ErrorCode.HEADERS_TIMEOUT, `no response headers from backend within ${req.headersTimeoutMs} ms`))
    }
  }

  // -- parser sink --

  onHead(head: Head, contentLength: number): boolean {
    const req = this.req!
    req.headersDeadline = 0
    if (!req.keepPastHead) req.sentBody = null
    req.handler.onHeaders(head.status, head.statusText, head.headers, contentLength, head.obsText)
    return this.req === req && !this.readPaused
  }

  onBody(chunk: Buffer): boolean {
    const req = this.req!
    if (!req.handler.onData(chunk)) {
      req.paused = true
      this.readPaused = true
    }
    return this.req === req && !this.readPaused
  }

  // -- socket events --

  private onConnect(): void {
    this.connected = true
    const req = this.req
    if (req !== null) this.send(req, Date.now())
  }

  private onRead(nread: number, buf: Buffer): boolean {
    const req = this.req
    if (req === null) {
      // Bytes nobody asked for on an idle connection: it is out of step, drop it.
      this.close()
      this.owner.pump()
      return false
    }
    if (this.readPaused || this.rest !== null) {
      // A paused TLS socket delivers what it had already decrypted: kept, in order, for resume.
      this.rest = keepBytes(this.rest, buf, 0, nread)
      return false
    }
    this.consume(req, buf, nread)
    return !this.readPaused && !this.dead
  }

  private consume(req: Request, buf: Buffer, end: number): void {
    const p = this.parser.execute(buf, 0, end)
    if (this.req !== req) return // aborted from a callback
    if (p < 0) {
      this.fail(req, this.parser.error!)
    } else if (this.parser.done) {
      this.complete(req, p < end)
    } else if (p < end) {
      // Stopped for backpressure: keep the unread bytes for resume.
      this.rest = keepBytes(null, buf, p, end)
      this.socket.pause()
    }
  }

  private complete(req: Request, extraBytes: boolean): void {
    const trailers = this.parser.trailers
    this.req = null
    req.conn = null
    req.state = DONE
    if (this.readPaused) {
      this.readPaused = false
      if (!this.dead) this.socket.resume()
    }
    const hint = this.parser.keepAliveTimeoutMs
    this.idleLimit = hint < 0 ? -1 : hint - KEEP_ALIVE_MARGIN_MS
    if (this.parser.keepAlive && (hint < 0 || this.idleLimit > 0) && !extraBytes && req.bodyEnded && !this.dead && this.socket.writable) {
      this.reused = true
      this.owner.release(this)
    } else {
      this.close()
      this.owner.pump()
    }
    req.handler.onComplete(trailers)
  }

  private fail(req: Request, err: UpstreamError): void {
    this.req = null
    req.conn = null
    req.state = DONE
    this.close()
    this.owner.pump()
    req.handler.onError(err)
  }

  private onEnd(): void {
    const req = this.req
    if (req === null) {
      this.close() // the backend closed an idle connection
      this.owner.pump()
      return
    }
    if (this.rest !== null) {
      this.eofPending = true
      return
    }
    if (this.parser.finish()) this.complete(req, false)
    else {
      const err = this.parser.error!
      if (!this.parser.started) err.delivery = 'unanswered'
      this.lost(req, err)
    }
  }

  private onClose(): void {
    if (this.dead) return
    const req = this.req
    if (req === null) {
      this.close()
      this.owner.pump()
      return
    }
    if (!this.connected) {
      this.fail(req, this.dialError())
      return
    }
    const sys = this.sysError as NodeJS.ErrnoException | null
    const why = sys !== null ? `${sys.code ?? sys.message}` : 'closed'
    const err = new UpstreamError(ErrorCode.RESET, `connection to backend lost (${why}) before the response was complete`, undefined, sys?.code)
    if (!this.parser.started) err.delivery = sys?.code === 'ECONNRESET' || sys?.code === 'EPIPE' ? 'unread' : 'unanswered'
    this.lost(req, err)
  }

  /**
   * The connection ended before the response did. A bodyless idempotent
   * request on a reused connection that got no byte back was most likely sent
   * into a connection the backend had just closed: retry it once, fresh.
   */
  private lost(req: Request, err: UpstreamError): void {
    if (this.reused && !this.parser.started && req.bodyMode === 0 && req.idempotent && !req.retried) {
      this.req = null
      req.conn = null
      req.state = DONE
      this.close()
      req.retried = true
      req.wrote = false
      this.owner.retry(req)
      this.owner.pump()
      return
    }
    this.fail(req, err)
  }

  private dialError(): UpstreamError {
    const sys = this.sysError as NodeJS.ErrnoException | null
    const err = this.timedOut
      ? new UpstreamError(ErrorCode.CONNECT_TIMEOUT, 'timed out connecting to backend')
      : sys?.code === 'ECONNREFUSED'
        ? new UpstreamError(ErrorCode.CONNECT_REFUSED, `backend refused the connection (${sys.message})`, undefined, sys.code)
        : new UpstreamError(ErrorCode.CONNECT_FAILED, `cannot connect to backend: ${sys?.message ?? 'closed'}`, undefined, sys?.code)
    err.delivery = 'unsent'
    return err
  }
}
