// One proxied request: the bridge between a uWS response and an upstream
// request, with backpressure both ways. uWS's response may only be touched
// until it is aborted, and every write to it is corked.
import type { HttpResponse } from 'uWebSockets.js'
import type { BodyMode, RequestController, RequestOptions, ResponseHandler, UpstreamPool } from '../upstream/pool.js'
import type { Failover, Failure } from './failover.js'
import type { RetryPolicy } from '../middlewares/retry.js'
import { isDroppedResponseHeader, connectionListed, announcedLength } from './response-head.js'
import type { CapturedHeaders } from '../accesslog/header-capture.js'
import type { RouteTable } from '../table/reader.js'
import type { Deadlines, Timed } from './deadlines.js'

/** What metrics and the access log need of one finished request. */
export interface Finished {
  /** The table the request was routed by: router, service and server index into it. */
  table: RouteTable
  ep: number
  router: number
  service: number
  server: number
  status: number
  method: string
  /** performance.now() at the start, and when the backend's head arrived (-1: never) */
  startedAt: number
  headersAt: number
  bytesOut: number
  /** Request body bytes read from the client. */
  bytesIn: number
  /** Servers tried after the first (failover) */
  attempts: number
  /** Filled only while the access log is on ('' otherwise). */
  log: AccessFields | null
}

export interface AccessFields {
  clientIP: string
  target: string
  host: string
  userAgent: string
  referer: string
  /** Header fields the access log's fields ask for (accessLog.fields.headers), or null */
  headers: CapturedHeaders | null
}

/** Told when an exchange starts and ends (drain accounting), and of every finished request (metrics, logs). */
export interface ExchangeSink {
  begin(): void
  /** An exchange ended: counts it out, then records it. */
  done(x: Finished): void
  /** A request pier answered itself. */
  record(f: Finished): void
  /** An exchange handed its client to another (a WebSocket upgrade after a middleware chain): count it out, unrecorded. */
  forget(): void
  /** The thread is stopping: ask clients to close their connections. */
  readonly closing: boolean
}

/** Traefik's answers when no response came: timeouts 504, a bug of ours 500, anything else 502. */
const STATUS_LINE_FOR_ERROR: Record<string, string> = {
  UPSTREAM_HEADERS_TIMEOUT: '504 Gateway Timeout',
  UPSTREAM_CONNECT_TIMEOUT: '504 Gateway Timeout',
  PIER_INTERNAL: '500 Internal Server Error',
}

/**
 * uWS 20.30 closes a connection whose upload brings less than 160 KiB in
 * 10 s (its timer is re-armed only then). While bytes keep coming, pier
 * re-arms it this often (pause + resume does), so that readTimeout, not
 * uWS, bounds a slow upload.
 */
const REARM_UPLOAD_MS = 4000

/**
 * uWS 20.30's res.pause() takes every event off the client's socket,
 * writable too, so a paused client whose response is backed up is never told
 * that it can take more: with a backend that answers while it reads (an
 * echo), both directions then wait on each other. While both are held, the
 * exchange tries the client by hand, this often at first and backing off to
 * PROBE_MAX_MS. A failed write re-enables reading (uSockets polls readable and
 * writable after one), so the client is paused again after every write.
 */
const PROBE_FIRST_MS = 1
const PROBE_MAX_MS = 64

function noop(): void {}

/**
 * uWS 20.30 drops a write that does not fit its 16 KiB cork buffer when the
 * bytes already corked (a chunk's size line) cannot all be sent: the size
 * line goes out, the data does not, and the client reads the next chunk as
 * this one's. A chunked response is therefore written in pieces that fit the
 * cork buffer with their size line, each in a cork of its own.
 */
const CORK_PIECE = 16 * 1024 - 16

/**
 * uWS writes a string as UTF-8: text holding characters 0x80-0xff (header
 * bytes decoded as latin1) goes as its own bytes instead.
 */
export function asBytes(s: string): string | Buffer {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'latin1')
  return s
}

/**
 * The last status line written, as bytes, reused while backends keep
 * answering the same (the parser hands back the same reason string): uWS
 * copies a string argument through a fresh UTF-8 buffer, bytes it takes as
 * they are. latin1 gives obs-text its own bytes.
 */
let lastStatus = 0
let lastReason = ''
let lastLine = Buffer.alloc(0)
function statusLine(status: number, reason: string): Buffer {
  if (status !== lastStatus || reason !== lastReason) {
    lastStatus = status
    lastReason = reason
    lastLine = Buffer.from(reason ? `${status} ${reason}` : String(status), 'latin1')
  }
  return lastLine
}

let corking: Exchange | null = null
let corkChunk: Buffer | null = null
let corkOk = true
function writeCorked(): void {
  corkOk = corking!.writeChunk(corkChunk!)
}

/**
 * A middleware chain between the backend and the exchange (middlewares/flow.ts):
 * it hears the backend first (failover and passive health are its business
 * then) and it holds the backend request, the exchange's ctl being the chain.
 */
export interface UpstreamChain extends ResponseHandler {
  /** The backend request, null before one is sent. */
  readonly upstream: RequestController | null
  /** The backend request is now ctl: the first one, or another server's after failover. */
  moved(ctl: RequestController): void
}

export class Exchange implements ResponseHandler, Finished, Timed {
  ctl: RequestController | null = null
  aborted = false
  finished = false
  prevTimed: Timed | null = null
  nextTimed: Timed | null = null
  timed = false
  /** Response status sent to the client (0 until decided; 499 when the client went away first, as nginx logs it). */
  status = 0
  bytesOut = 0
  bytesIn = 0
  headersAt = -1
  errorCode = ''
  /** Servers tried so far (failover.ts): a bit per server from the service's first, and how many. */
  tried = 0
  attempts = 0
  /** What another attempt needs: set by send(). */
  head = ''
  bodyMode: BodyMode = 0
  options: RequestOptions | null = null
  idempotent = false
  private failover: Failover | null = null
  /** A sticky service's Set-Cookie for the server that answers, after the backend's own ('' for none). */
  setCookie = ''
  /** The middleware chain this exchange serves, if any. */
  chain: UpstreamChain | null = null
  private readonly isHead: boolean
  private statusText = ''
  private headers: string[] | null = null
  /** Some header text holds bytes 0x80-0xff. */
  private obsText = false
  private length = -1
  private headWritten = false
  private pending: Buffer | null = null
  private pendingOffset = 0
  private deadlines: Deadlines | null = null
  /** performance.now() by which the request body must be in, or the response written (0: none). */
  private readDeadline = 0
  private writeDeadline = 0
  /** The request body is still coming. */
  private reading = false
  /** The client's upload is paused while the backend's socket is full. */
  private requestPaused = false
  /** The client has not taken what was written last: a write failed and no writable event came since. */
  private blocked = false
  /** Chunked, blocked and paused: backend bytes not given to uWS yet, written one at a time to try the client. */
  private held: Buffer | null = null
  private probeTimer: NodeJS.Timeout | null = null
  private probeMs = PROBE_FIRST_MS
  private rearmedAt = 0
  private bytesInAtRearm = 0

  constructor(
    readonly res: HttpResponse,
    /** table, router, service and server: set anew by failover, or when a middleware chain forwards the request later. */
    public table: RouteTable,
    readonly ep: number,
    readonly method: string,
    public router: number,
    public service: number,
    public server: number,
    readonly startedAt: number,
    readonly log: AccessFields | null,
    private readonly sink: ExchangeSink,
  ) {
    this.isHead = method === 'HEAD'
    sink.begin()
    res.onAborted(() => {
      this.aborted = true
      if (!this.finished) {
        this.ctl?.abort()
        if (this.status === 0) this.status = 499
        this.finish()
      }
    })
  }


  /** Sends the request upstream on pool, keeping what another attempt would need. */
  send(pool: UpstreamPool, head: string, bodyMode: BodyMode, options: RequestOptions, idempotent: boolean, failover: Failover): void {
    this.head = head
    this.bodyMode = bodyMode
    this.options = options
    this.idempotent = idempotent
    this.failover = failover
    const ctl = pool.request(head, bodyMode, this.handler(), options)
    if (this.chain !== null) this.chain.moved(ctl)
    else this.ctl = ctl
  }

  /** What backend requests report to: the middleware chain, else the exchange itself. */
  handler(): ResponseHandler {
    return this.chain ?? this
  }

  /** The backend request (the chain holds it when there is one). */
  upstream(): RequestController | null {
    return this.chain !== null ? this.chain.upstream : this.ctl
  }

  /** For a middleware chain: the backend failed before answering; true when failover (or the chain's retry policy) tries again. */
  retry(err: Failure, policy: RetryPolicy | null): boolean {
    return this.failover?.retry(this, err, policy) ?? false
  }

  /** For a middleware chain with a retry policy: true when this response is dropped and the request tried again. */
  retryStatus(status: number, policy: RetryPolicy): boolean {
    return this.failover?.retryStatus(this, status, policy) ?? false
  }

  /** For a middleware chain: the backend's own status or failure, for passive health. */
  noteResponse(status: number): void {
    this.failover?.noteResponse(this, status)
  }

  noteFailure(err: Failure): void {
    this.failover?.noteFailure(this, err)
  }

  /** Failover moved the request to another server (of table, which may be newer than the one it began on). */
  moveTo(table: RouteTable, service: number, server: number, ctl: RequestController, head: string): void {
    this.attempts++
    if (table !== this.table) this.router = table.routerIndex(this.table.routerNames[this.router]!)
    this.table = table
    this.service = service
    this.server = server
    if (this.chain !== null) this.chain.moved(ctl)
    else this.ctl = ctl
    this.head = head
  }

  /** Puts the exchange under its entrypoint's timeouts (ms, 0 = none); reading: a request body follows. */
  watch(deadlines: Deadlines, readTimeoutMs: number, writeTimeoutMs: number, reading: boolean): void {
    if (this.finished) return
    this.deadlines = deadlines
    this.reading = reading
    this.rearmedAt = this.startedAt
    if (readTimeoutMs > 0) this.readDeadline = this.startedAt + readTimeoutMs
    if (writeTimeoutMs > 0) this.writeDeadline = this.startedAt + writeTimeoutMs
    deadlines.add(this)
  }

  /** The backend cannot take more of the request body for now. */
  pauseRequest(): void {
    this.requestPaused = true
    this.res.pause()
    if (this.blocked) this.probeLater(PROBE_FIRST_MS)
  }

  /** The whole request body has arrived. */
  requestRead(): void {
    this.reading = false
    this.readDeadline = 0
    if (this.writeDeadline === 0) this.deadlines?.remove(this)
  }

  tick(now: number): void {
    if (this.finished) return
    if (this.reading) {
      if (this.readDeadline !== 0 && now >= this.readDeadline) return this.timedOut('408 Request Timeout')
      if (!this.requestPaused && this.bytesIn !== this.bytesInAtRearm && now - this.rearmedAt >= REARM_UPLOAD_MS) {
        this.rearmedAt = now
        this.bytesInAtRearm = this.bytesIn
        this.res.pause()
        this.res.resume()
      }
    }
    if (this.writeDeadline !== 0 && now >= this.writeDeadline) this.timedOut('504 Gateway Timeout')
  }

  /** A client timeout: answered when nothing was sent yet, else the connection is cut. */
  private timedOut(line: string): void {
    this.ctl?.abort()
    if (this.headWritten || this.pending) {
      this.res.close()
    } else {
      this.status = Number(line.slice(0, 3))
      this.res.cork(() => this.res.writeStatus(line).writeHeader('content-type', 'text/plain; charset=utf-8').end(line.slice(4), true))
    }
    this.finish()
  }

  onHeaders(status: number, statusText: string, headers: string[], contentLength: number, obsText: boolean): void {
    this.headersAt = performance.now()
    this.obsText = obsText
    if (this.chain === null) this.failover?.noteResponse(this, status)
    this.status = status
    this.statusText = statusText
    this.headers = headers
    this.length = this.isHead || status === 204 || status === 304 ? 0 : contentLength
  }

  private writeHead(): void {
    this.headWritten = true
    const res = this.res
    res.writeStatus(statusLine(this.status, this.statusText))
    // uWS closes the connection only when end() is told to, and the other
    // endings cannot be: the client is asked to, and a retiring thread closes
    // what is left when it ends.
    if (this.sink.closing) res.writeHeader('connection', 'close')
    const h = this.headers!
    if (this.isHead) {
      // uWS 20.30's endWithoutBody(length) leaves the response open: the length is written here.
      const n = announcedLength(h)
      if (n >= 0) res.writeHeader('content-length', String(n))
    }
    const listed = connectionListed(h)
    const captured = this.log?.headers ?? null
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i]!
      if (isDroppedResponseHeader(name)) continue
      if (listed !== null && listed.includes(name.toLowerCase())) continue
      res.writeHeader(name, this.obsText ? asBytes(h[i + 1]!) : h[i + 1]!)
      if (captured !== null) captured.header('downstream_', name, h[i + 1]!)
    }
    if (this.setCookie !== '') res.writeHeader('set-cookie', this.setCookie)
  }

  onData(chunk: Buffer): boolean {
    if (this.aborted) return true
    if (this.blocked && this.length < 0) {
      // uWS is not given more while the client has not taken the last write (tryClient() asked for these bytes).
      this.held = this.held === null ? Buffer.from(chunk) : Buffer.concat([this.held, chunk])
      if (!this.requestPaused) this.tryClient()
      return !this.blocked
    }
    const ok = this.writeBody(chunk)
    if (this.requestPaused) this.res.pause()
    return ok
  }

  private writeBody(chunk: Buffer): boolean {
    // cork() takes a callback: one module-level function fed through these
    // variables, rather than a fresh closure per chunk (restored after, in
    // case a write ever re-enters another exchange).
    const outer = corking
    const outerChunk = corkChunk
    corking = this
    if (this.length >= 0 || chunk.length <= CORK_PIECE) {
      corkChunk = chunk
      this.res.cork(writeCorked)
    } else {
      let ok = true
      for (let at = 0; at < chunk.length; at += CORK_PIECE) {
        corkChunk = chunk.subarray(at, at + CORK_PIECE)
        this.res.cork(writeCorked)
        ok &&= corkOk
      }
      corkOk = ok
    }
    corking = outer
    corkChunk = outerChunk
    return corkOk
  }

  /** The body of onData, inside uWS's cork. */
  writeChunk(chunk: Buffer): boolean {
    if (!this.headWritten) this.writeHead()
    // uWS counts body bytes per response: before the first chunk the offset is 0, no need to ask.
    const first = this.bytesOut === 0
    this.bytesOut += chunk.length
    if (first && chunk.length === this.length && this.writeDeadline === 0) {
      // The whole body at once (the usual small response): end() takes it all,
      // keeping what the socket cannot take yet, with no tuple to allocate.
      // Under a write timeout, tryEnd's path keeps the unsent rest in sight.
      this.res.end(chunk)
      this.finish()
      return true
    }
    if (this.length >= 0) {
      const offset = first ? 0 : this.res.getWriteOffset()
      const [sent, done] = this.res.tryEnd(chunk, this.length)
      if (done) this.finish()
      else if (!sent) {
        this.pending = Buffer.from(chunk)
        this.pendingOffset = offset
        this.res.onWritable((this.retryEndFn ??= (offset) => this.retryEnd(offset)))
        this.nowBlocked()
        return false
      }
      return true
    }
    if (this.res.write(chunk)) return true
    this.res.onWritable((this.resumeFn ??= () => this.resumeUpstream()))
    this.nowBlocked()
    return false
  }

  private nowBlocked(): void {
    if (this.blocked) return
    this.blocked = true
    if (this.requestPaused) this.probeLater(PROBE_FIRST_MS)
  }

  private probeLater(ms: number): void {
    if (this.probeTimer !== null) return
    this.probeMs = ms
    this.probeTimer = setTimeout((this.probeFn ??= () => this.probe()), ms)
  }

  private stopProbing(): void {
    if (this.probeTimer === null) return
    clearTimeout(this.probeTimer)
    this.probeTimer = null
  }

  /** Paused and blocked: no event will say when the client takes more, so try it now and then. */
  private probe(): void {
    this.probeTimer = null
    if (this.finished || this.aborted || !this.requestPaused || !this.blocked) return
    this.tryClient()
    this.res.pause()
    if (this.blocked) this.probeLater(Math.min(this.probeMs * 2, PROBE_MAX_MS))
  }

  /**
   * Blocked, with no writable event to wait for (paused, or just resumed:
   * uWS's resume() restores events from a slot its sockets share, so whether
   * it listens for writable is unknown): writes what proves whether the client
   * takes more. A failed write leaves uWS listening for writable.
   */
  private tryClient(): void {
    const held = this.held
    if (this.pending !== null) {
      this.res.cork((this.retryCorkedFn ??= () => void this.retryEnd(this.res.getWriteOffset())))
    } else if (held === null) {
      // Nothing to try with: drain uWS's buffer, and ask the backend for bytes (onData holds them).
      this.res.cork(noop)
      this.ctl?.resume()
    } else if (!this.writeBody(held.subarray(0, 1))) {
      // A chunked write cannot be tried without giving uWS the bytes: one at a time bounds what a client that never reads piles up.
      this.held = held.length > 1 ? held.subarray(1) : null
    } else {
      this.held = null
      this.blocked = held.length > 1 && !this.writeBody(held.subarray(1))
      if (!this.blocked) this.ctl?.resume()
    }
  }

  /** Callbacks, made on the first backpressure only (most exchanges never see one). */
  private retryEndFn: ((offset: number) => boolean) | null = null
  private resumeFn: (() => boolean) | null = null
  private probeFn: (() => void) | null = null
  private retryCorkedFn: (() => void) | null = null

  private retryEnd(offset: number): boolean {
    // uWS keeps calling onWritable for the rest of the response; with nothing of ours held, its own buffer drains with the next write.
    if (this.pending === null) return true
    const [sent, done] = this.res.tryEnd(this.pending.subarray(offset - this.pendingOffset), this.length)
    if (done) this.finish()
    if (sent || done) {
      this.pending = null
      this.blocked = false
      this.ctl?.resume()
    }
    return sent
  }

  private resumeUpstream(): boolean {
    // With onWritable set, uWS leaves its own buffer for the next write: drain it now, or it waits for the backend's next chunk.
    this.res.cork(noop)
    this.blocked = false
    const held = this.held
    this.held = null
    if (held === null || this.writeBody(held)) this.ctl?.resume()
    return true
  }

  onComplete(): void {
    if (this.aborted || this.finished) return
    // The backend is done but the client has not taken its last chunk yet: retryEnd ends the response with it.
    if (this.pending !== null) return
    if (this.held !== null) {
      const held = this.held
      this.held = null
      this.writeBody(held)
    }
    this.res.cork(() => {
      if (!this.headWritten) this.writeHead()
      // No arguments: given any, uWS 20.30 writes a Content-Length (2^63 for undefined).
      if (this.isHead || this.status === 204 || this.status === 304) this.res.endWithoutBody()
      else this.res.end()
    })
    this.finish()
  }

  onError(err: Failure): void {
    this.errorCode = err.code
    if (this.aborted || this.finished) return
    // With a middleware chain, failover and passive health were decided where the backend's answer came in.
    if (this.chain === null && this.headersAt < 0 && this.failover?.retry(this, err)) return
    if (this.chain === null && this.headersAt >= 0) this.failover?.noteFailure(this, err)
    if (this.headWritten || this.pending) {
      // The client already has part of the response: cut the connection so it cannot mistake it for a whole one.
      this.res.close()
    } else {
      const line = STATUS_LINE_FOR_ERROR[err.code] ?? '502 Bad Gateway'
      this.status = Number(line.slice(0, 3))
      this.res.cork(() => {
        this.res.writeStatus(line)
        if (this.sink.closing) this.res.writeHeader('connection', 'close')
        this.res.end(line.slice(4))
      })
    }
    this.finish()
  }

  /** Another exchange took the client (a WebSocket upgrade that passed a middleware chain): this one ends unrecorded. */
  handOff(): void {
    if (this.finished) return
    this.finished = true
    this.sink.forget()
  }

  /** Request body flow control: uWS pauses while the upstream socket is full. */
  onRequestDrain(): void {
    if (this.aborted || this.finished || !this.requestPaused) return
    this.requestPaused = false
    this.stopProbing()
    this.res.resume()
    if (this.blocked) this.tryClient()
  }

  protected finish(): void {
    if (this.finished) return
    this.finished = true
    this.stopProbing()
    this.deadlines?.remove(this)
    this.sink.done(this)
  }
}
