// pier's HTTP/1.1 client to one backend server: a bounded pool of keep-alive
// connections, one request per connection at a time, and a FIFO of requests
// waiting for a free connection.
//
//   const pool = new UpstreamPool({ host: '127.0.0.1', port: 9001, maxConnections: 64, dialTimeoutMs: 30000 })
//   const ctl = pool.request('GET / HTTP/1.1\r\nhost: a\r\n\r\n', 0, handler,
//                            { headersTimeoutMs: 0, isHead: false, idempotent: true })
//
// The head is sent as given, in UTF-8 (the caller serialized and checked it,
// framing header included; uWS hands over header values decoded as UTF-8, and
// encoded so they come out as the bytes that came in: as latin1, a decoded
// U+010D or U+010A would go out as CR or LF). The response streams to the handler (onHeaders, onData,
// onComplete or onError: see types.ts); the controller writes the request
// body and applies backpressure both ways. Deadlines (dial, response headers,
// idle) are checked by one coarse per-thread timer (ticker.ts).
import { isSocketPath } from './address.js'
import { Connection, type ConnectionOwner } from './connection.js'
import { DEFAULT_MAX_HEAD_BYTES } from './parser.js'
import { ErrorCode, UpstreamError } from './errors.js'
import { DONE, QUEUED, Request, type RequestOwner } from './request.js'
import { watch, unwatch, type Tickable } from './ticker.js'
import { Tunnel, type UpgradeHandler } from './upgrade.js'
import type { BodyMode, PoolOptions, PoolStats, RequestController, RequestOptions, ResponseHandler } from './types.js'

export type { BodyMode, PoolOptions, PoolStats, RequestController, RequestOptions, ResponseHandler } from './types.js'
export type { Tunnel, TunnelReader, UpgradeHandler } from './upgrade.js'
export { UpstreamError, ErrorCode, BadResponse } from './errors.js'

const DEFAULT_IDLE_TIMEOUT_MS = 60_000

function failClosed(req: Request): void {
  const err = new UpstreamError(ErrorCode.CLOSED, 'upstream pool is closed')
  if (!req.wrote) err.delivery = 'unsent'
  req.handler.onError(err)
}

function optionError(message: string): TypeError {
  return Object.assign(new TypeError(`invalid upstream pool options: ${message}`), { code: 'UPSTREAM_BAD_OPTIONS' })
}

function validate(opts: PoolOptions): Required<Omit<PoolOptions, 'tls'>> & Pick<PoolOptions, 'tls'> {
  if (typeof opts.host !== 'string' || opts.host === '') throw optionError('host must be a non-empty string')
  if (!isSocketPath(opts.host, opts.port) && (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535)) throw optionError(`port must be an integer 1-65535 (or 0 with a socket path), got ${opts.port}`)
  if (!Number.isInteger(opts.maxConnections) || opts.maxConnections < 1) throw optionError(`maxConnections must be an integer >= 1, got ${opts.maxConnections}`)
  if (!(opts.dialTimeoutMs > 0)) throw optionError(`dialTimeoutMs must be > 0, got ${opts.dialTimeoutMs}`)
  const idle = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
  if (!(idle > 0)) throw optionError(`idleTimeoutMs must be > 0, got ${idle}`)
  const maxHead = opts.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES
  if (!Number.isInteger(maxHead) || maxHead < 64) throw optionError(`maxHeadBytes must be an integer >= 64, got ${maxHead}`)
  return { host: opts.host, port: opts.port, maxConnections: opts.maxConnections, dialTimeoutMs: opts.dialTimeoutMs, idleTimeoutMs: idle, maxHeadBytes: maxHead, tls: opts.tls }
}

export class UpstreamPool implements ConnectionOwner, RequestOwner, Tickable {
  private readonly opts: ReturnType<typeof validate>
  /** Every open connection (dialing, busy or idle). */
  private readonly conns: Connection[] = []
  /** Idle connections, most recently used last (reused first, so the oldest age out). */
  private readonly idle: Connection[] = []
  private readonly queue: Request[] = []
  /** Live entries in queue (aborted ones stay until they reach the front). */
  private queued = 0
  private destroyed = false

  constructor(opts: PoolOptions) {
    this.opts = validate(opts)
    watch(this)
  }

  request(head: string, body: BodyMode, handler: ResponseHandler, opts: RequestOptions): RequestController {
    const req = new Request(this, head, body, handler, opts.headersTimeoutMs, opts.isHead, opts.idempotent)
    if (this.destroyed) {
      req.state = DONE
      process.nextTick(failClosed, req)
      return req
    }
    const conn = this.idle.pop()
    if (conn !== undefined) conn.start(req, Date.now())
    else if (this.conns.length < this.opts.maxConnections) this.dial(req)
    else {
      this.queue.push(req)
      this.queued++
    }
    return req
  }

  /**
   * An upgrade request (head asks to switch protocols) on a connection of
   * its own, outside maxConnections: it never returns to the pool.
   */
  upgrade(head: string, handler: UpgradeHandler, headersTimeoutMs: number): RequestController {
    return new Tunnel(head, handler, { host: this.opts.host, port: this.opts.port, dialTimeoutMs: this.opts.dialTimeoutMs, headersTimeoutMs, maxHeadBytes: this.opts.maxHeadBytes })
  }

  stats(): PoolStats {
    return { open: this.conns.length, idle: this.idle.length, queued: this.queued }
  }

  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    unwatch(this)
    const busy: Request[] = []
    for (const conn of this.conns.slice()) {
      const req = conn.req
      if (req !== null) {
        conn.req = null
        req.conn = null
        req.state = DONE
        busy.push(req)
      }
      conn.close()
    }
    const waiting = this.queue.splice(0).filter((r) => r.state !== DONE)
    this.queued = 0
    for (const req of [...busy, ...waiting]) {
      req.state = DONE
      failClosed(req)
    }
  }

  // -- ConnectionOwner --

  release(conn: Connection): void {
    const req = this.nextQueued()
    if (req !== null) {
      conn.start(req, Date.now())
      return
    }
    conn.since = Date.now()
    this.idle.push(conn)
  }

  detach(conn: Connection): void {
    const i = conn.index
    const last = this.conns.pop()!
    if (last !== conn) {
      this.conns[i] = last
      last.index = i
    }
    conn.index = -1
    const j = this.idle.indexOf(conn)
    if (j !== -1) this.idle.splice(j, 1)
  }

  retry(req: Request): void {
    req.state = QUEUED
    if (this.destroyed) {
      req.state = DONE
      failClosed(req)
    } else if (this.conns.length < this.opts.maxConnections) {
      this.dial(req)
    } else {
      this.queue.unshift(req)
      this.queued++
    }
  }

  pump(): void {
    if (this.destroyed) return
    while (this.queued > 0) {
      const conn = this.idle.pop()
      if (conn === undefined && this.conns.length >= this.opts.maxConnections) return
      const req = this.nextQueued()!
      if (conn !== undefined) conn.start(req, Date.now())
      else this.dial(req)
    }
  }

  // -- RequestOwner --

  unqueue(_req: Request): void {
    this.queued--
  }

  // -- Tickable --

  tick(now: number): void {
    const conns = this.conns
    // Backwards: a check may close a connection, which moves the last one into its slot.
    for (let i = conns.length - 1; i >= 0; i--) {
      const conn = conns[i]
      if (conn === undefined) continue
      if (conn.req !== null || !conn.connected) conn.checkDeadlines(now, this.opts.dialTimeoutMs)
    }
    const idle = this.idle
    for (let i = idle.length - 1; i >= 0; i--) {
      const conn = idle[i]!
      const limit = conn.idleLimit > 0 ? Math.min(conn.idleLimit, this.opts.idleTimeoutMs) : this.opts.idleTimeoutMs
      if (now - conn.since >= limit) conn.close()
    }
  }

  private dial(req: Request): void {
    const conn = new Connection(this, this.opts.host, this.opts.port, Date.now(), this.opts.maxHeadBytes, this.opts.tls)
    conn.index = this.conns.length
    this.conns.push(conn)
    conn.start(req, Date.now())
  }

  private nextQueued(): Request | null {
    while (this.queue.length > 0) {
      const req = this.queue.shift()!
      if (req.state === DONE) continue
      this.queued--
      return req
    }
    return null
  }
}
