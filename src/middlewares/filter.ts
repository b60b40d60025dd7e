// A middleware's hold on one response: sits between the backend's response
// (or a later middleware's answer) and the client, passing everything on
// unless it overrides a method. It is also the controller the client side
// talks back through (pause, resume, abort), so backpressure and aborts
// travel the same path in the other direction.
import type { RequestController, ResponseHandler } from '../upstream/pool.js'
import type { UpstreamError } from '../upstream/errors.js'

export class ResponseFilter implements ResponseHandler, RequestController {
  /** Toward the client. */
  next!: ResponseHandler
  /** Toward the backend. */
  up!: RequestController

  onHeaders(status: number, statusText: string, headers: string[], contentLength: number, obsText: boolean): void {
    this.next.onHeaders(status, statusText, headers, contentLength, obsText)
  }

  onData(chunk: Buffer): boolean {
    return this.next.onData(chunk)
  }

  onComplete(trailers: string[]): void {
    this.next.onComplete(trailers)
  }

  onError(err: UpstreamError): void {
    this.next.onError(err)
  }

  onRequestDrain(): void {
    this.next.onRequestDrain?.()
  }

  write(chunk: Uint8Array): boolean {
    return this.up.write(chunk)
  }

  end(): void {
    this.up.end()
  }

  pause(): void {
    this.up.pause()
  }

  resume(): void {
    this.up.resume()
  }

  replayableBody(): { chunks: Buffer[]; ended: boolean } | null {
    return this.up.replayableBody()
  }

  keepBody(maxBytes: number): void {
    this.up.keepBody(maxBytes)
  }

  abort(): void {
    this.up.abort()
  }
}
