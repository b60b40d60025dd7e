// One request through a pool: the RequestController handed to the caller,
// plus the state the pool and connection keep for it. A fresh object per
// request (a plain class, no closures), so a late call on a finished
// request's controller can never touch the connection's next request.
import type { Connection } from './connection.js'
import type { BodyMode, RequestController, ResponseHandler } from './types.js'

export const QUEUED = 0
export const ACTIVE = 1
export const DONE = 2

/**
 * Body bytes kept after they were written, until the response head arrives,
 * so that a request the backend reset unread can go to another server.
 * Beyond this, a written body is not kept (and such a request is not retried).
 */
export const RETAIN_BODY_BYTES = 64 * 1024

/** What the pool needs from its requests' side (kept narrow to avoid an import cycle). */
export interface RequestOwner {
  unqueue(req: Request): void
}

export class Request implements RequestController {
  state = QUEUED
  conn: Connection | null = null
  /** Body bytes not yet handed to a connected socket (copies). */
  pendingBody: Buffer[] | null = null
  /** The head went to a connected socket. */
  wrote = false
  /** Copies of body bytes already written, while they fit RETAIN_BODY_BYTES and no response came; null once dropped. */
  sentBody: Buffer[] | null
  private sentBytes = 0
  /** Most body bytes kept; with keepPastHead, kept after the response head too (a retry on status). */
  private retainLimit = RETAIN_BODY_BYTES
  keepPastHead = false
  /** The whole body has been handed over (always, for a bodyless request). */
  bodyEnded: boolean
  /** write() returned false: onRequestDrain is owed. */
  wantDrain = false
  /** The caller asked to pause the response. */
  paused = false
  /** Already retried once after losing a reused connection. */
  retried = false
  /** Absolute time (ms) by which the response head must be complete; 0 = none. */
  headersDeadline = 0

  constructor(
    readonly owner: RequestOwner,
    readonly head: string,
    readonly bodyMode: BodyMode,
    readonly handler: ResponseHandler,
    readonly headersTimeoutMs: number,
    readonly isHead: boolean,
    readonly idempotent: boolean,
  ) {
    this.bodyEnded = bodyMode === 0
    this.sentBody = bodyMode === 0 ? null : []
  }

  /** Copies chunk (the caller may reuse or neuter its memory after return). */
  write(chunk: Uint8Array): boolean {
    if (this.state === DONE || this.bodyEnded || this.bodyMode === 0 || chunk.byteLength === 0) return true
    const copy = Buffer.from(chunk)
    const conn = this.conn
    if (conn === null || !this.wrote) {
      ;(this.pendingBody ??= []).push(copy)
      this.wantDrain = true
      return false
    }
    this.retain(copy)
    const ok = conn.writeBody(copy, this.bodyMode)
    if (!ok) this.wantDrain = true
    return ok
  }

  end(): void {
    if (this.state === DONE || this.bodyEnded) return
    this.bodyEnded = true
    if (this.conn !== null && this.wrote) this.conn.endBody(this)
  }

  /** Keeps a copy of a body chunk that went out, while the total fits. */
  retain(chunk: Buffer): void {
    const sent = this.sentBody
    if (sent === null) return
    this.sentBytes += chunk.length
    if (this.retainLimit >= 0 && this.sentBytes > this.retainLimit) this.sentBody = null
    else sent.push(chunk)
  }

  keepBody(maxBytes: number): void {
    this.retainLimit = maxBytes
    this.keepPastHead = true
  }

  /** The whole body written or handed over so far, for another attempt; null when part of it is no longer kept. */
  replayableBody(): { chunks: Buffer[]; ended: boolean } | null {
    if (this.bodyMode === 0) return { chunks: [], ended: true }
    if (this.sentBody === null) return null
    return { chunks: [...this.sentBody, ...(this.pendingBody ?? [])], ended: this.bodyEnded }
  }

  pause(): void {
    if (this.state === DONE) return
    this.paused = true
    if (this.conn !== null) this.conn.pauseReading()
  }

  resume(): void {
    if (this.state === DONE || !this.paused) return
    this.paused = false
    if (this.conn !== null) this.conn.resumeReading()
  }

  abort(): void {
    if (this.state === DONE) return
    const wasQueued = this.state === QUEUED && this.conn === null
    this.state = DONE
    if (wasQueued) this.owner.unqueue(this)
    else if (this.conn !== null) this.conn.abandon(this)
  }

  /** Starts the headers deadline once the request has been fully handed to the socket. */
  armHeadersTimeout(now: number): void {
    if (this.headersTimeoutMs > 0) this.headersDeadline = now + this.headersTimeoutMs
  }
}
