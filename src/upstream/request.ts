// One request through a pool: the RequestController handed to the caller,
// plus the state the pool and connection keep for it. A fresh object per
// request (a plain class, no closures), so a late call on a finished
// request's controller can never touch the connection's next request.
import type { Connection } from './connection.js'
import type { BodyMode, RequestController, ResponseHandler } from './types.js'

export const QUEUED = 0
export const ACTIVE = 1
export const DONE = 2

/** What the pool needs from its requests' side (kept narrow to avoid an import cycle). */
export interface RequestOwner {
  unqueue(req: Request): void
}

export class Request implements RequestController {
  state = QUEUED
  conn: Connection | null = null
  /** Body bytes written before a connection was assigned (copies). */
  pendingBody: Buffer[] | null = null
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
  }

  /** Copies chunk (the caller may reuse or neuter its memory after return). */
  write(chunk: Uint8Array): boolean {
    if (this.state === DONE || this.bodyEnded || this.bodyMode === 0 || chunk.byteLength === 0) return true
    const copy = Buffer.from(chunk)
    const conn = this.conn
    if (conn === null) {
      ;(this.pendingBody ??= []).push(copy)
      this.wantDrain = true
      return false
    }
    const ok = conn.writeBody(copy, this.bodyMode)
    if (!ok) this.wantDrain = true
    return ok
  }

  end(): void {
    if (this.state === DONE || this.bodyEnded) return
    this.bodyEnded = true
    if (this.conn !== null) this.conn.endBody(this)
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
