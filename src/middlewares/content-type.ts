// contentType: a response without Content-Type gets the one its first bytes
// tell (Go's content sniffing), as Traefik did by default before v3.
import { kind, NEXT, PHASE_REQUEST, PHASE_RESPONSE, type Middleware, type Step } from './kind.js'
import { contentTypeSchema } from './schemas.js'
import type { Flow } from './flow.js'
import { ResponseFilter } from './filter.js'
import { detectContentType } from './sniff.js'
import * as H from './headers-list.js'

const SNIFF_BYTES = 512

/** Holds the head of a response without Content-Type until 512 bytes (or the end) have come. */
class Sniff extends ResponseFilter {
  private status = 0
  private statusText = ''
  /** The backend's head holds bytes 0x80-0xff (written as bytes, not re-encoded). */
  private obsText = false
  private headers: string[] | null = null
  private length = -1
  private held: Buffer[] = []
  private heldBytes = 0

  override onHeaders(status: number, text: string, headers: string[], length: number, obsText: boolean): void {
    if (H.hasHeader(headers, 'content-type') || length === 0 || status === 204 || status === 304) return this.next.onHeaders(status, text, headers, length, obsText)
    this.obsText = obsText
    this.status = status
    this.statusText = text
    this.headers = headers
    this.length = length
  }

  override onData(chunk: Buffer): boolean {
    if (this.headers === null) return this.next.onData(chunk)
    this.held.push(Buffer.from(chunk))
    this.heldBytes += chunk.length
    return this.heldBytes < SNIFF_BYTES ? true : this.release()
  }

  private release(): boolean {
    const h = this.headers!
    this.headers = null
    const held = Buffer.concat(this.held)
    this.held = []
    if (held.length > 0) h.push('Content-Type', detectContentType(held))
    this.next.onHeaders(this.status, this.statusText, h, this.length, this.obsText)
    return held.length === 0 ? true : this.next.onData(held)
  }

  override onComplete(trailers: string[]): void {
    if (this.headers !== null) this.release()
    this.next.onComplete(trailers)
  }
}

class ContentType implements Middleware {
  request(flow: Flow): Step {
    flow.wrap(new Sniff())
    return NEXT
  }
}

export default kind<Record<string, never>>({
  schema: contentTypeSchema,
  phases: () => PHASE_REQUEST | PHASE_RESPONSE,
  compile: () => ({}),
  create: () => new ContentType(),
})
