// The public contract of the backend client (re-exported by pool.ts, which is
// what callers import). The worker's proxy handler is built against these.
import type { UpstreamError } from './errors.js'
import type { ConnectionOptions } from 'node:tls'

export interface PoolOptions {
  /** Backend address (IP or name) and port. */
  host: string
  port: number
  /** Upper bound on open connections of this pool; requests beyond wait in a FIFO. */
  maxConnections: number
  /** A connection not established within this many ms fails with UPSTREAM_CONNECT_TIMEOUT (Traefik's default is 30000). */
  dialTimeoutMs: number
  /** Idle pooled connections are closed after this many ms (default 60000). */
  idleTimeoutMs?: number
  /** Largest response head, and trailer section, accepted (default 16384): UPSTREAM_BAD_RESPONSE HEADERS_TOO_LARGE beyond. */
  maxHeadBytes?: number
  /** Speak TLS to the server with these options (servername, ca, ...); absent: plain TCP. Upgrades too. */
  tls?: ConnectionOptions
  /** Replaces every request's headersTimeoutMs (a serversTransport's responseHeaderTimeout); absent: the request's own. */
  headersTimeoutMs?: number
}

/**
 * How the request body is framed on the wire (the caller's head carries the
 * matching framing header):
 * 0 no body; 1 content-length, the caller writes exactly that many bytes;
 * 2 chunked, each write() becomes one chunk and end() writes the last chunk.
 */
export type BodyMode = 0 | 1 | 2

export interface RequestOptions {
  /** Response head must be complete within this many ms after the request was sent; 0 = no limit. */
  headersTimeoutMs: number
  /** The request is HEAD: the response has no body whatever its headers say. */
  isHead: boolean
  /** Safe to send twice (GET, HEAD, OPTIONS, PUT, DELETE, ...): a bodyless request lost with a reused connection is retried once. */
  idempotent: boolean
}

export interface ResponseHandler {
  /**
   * Final response head (1xx interim responses are skipped). headers is a flat
   * [name, value, ...] array in received order, names as received.
   * contentLength: the parsed Content-Length, -1 when unknown (chunked or
   * close-delimited), 0 for responses without a body (HEAD, 204, 304).
   * Names and values are latin1, one character per byte; obsText: the reason
   * phrase or some value holds bytes 0x80-0xff.
   */
  onHeaders(status: number, statusText: string, headers: string[], contentLength: number, obsText: boolean): void
  /**
   * A piece of the de-chunked body. Return false to pause; call
   * controller.resume() later. The Buffer may be reused after return: copy it
   * if you keep it.
   */
  onData(chunk: Buffer): boolean
  /** Body complete; trailers flat like headers (empty if none). The connection is already back in the pool or closed. */
  onComplete(trailers: string[]): void
  /** Failure before or after the head; err.code is an ErrorCode value. At most once, never after onComplete or abort(). */
  onError(err: UpstreamError): void
  /** The request body may be written again after write() returned false. */
  onRequestDrain?(): void
}

export interface RequestController {
  /**
   * Request body bytes (body modes 1 and 2). The bytes are copied, so the
   * caller may reuse the memory. Returns false when buffered beyond the
   * socket's high-water mark: wait for onRequestDrain. Ignored once the
   * response has completed or failed.
   */
  write(chunk: Uint8Array): boolean
  /** End of the request body. */
  end(): void
  /** Stop delivering response data until resume(). */
  pause(): void
  resume(): void
  /** Abandon the request (the client went away): the connection is destroyed, not reused; no callback follows. */
  abort(): void
  /**
   * After a failure: the body handed over so far (chunks to write again, and
   * whether end() was called), for sending the request to another server;
   * null when part of a written body is no longer kept.
   */
  replayableBody(): { chunks: Buffer[]; ended: boolean } | null
  /** Keep up to maxBytes of the body (-1: all), past the response head too, so it can be sent again after an answer. */
  keepBody(maxBytes: number): void
}

export interface PoolStats {
  /** Connections open or being dialed. */
  open: number
  /** Open connections waiting in the pool for a request. */
  idle: number
  /** Requests waiting for a connection. */
  queued: number
}
