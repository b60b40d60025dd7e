// buffering: the request body is read whole before it is forwarded
// (maxRequestBodyBytes: 413 beyond it, at once when Content-Length says so)
// and the response whole before it is sent (maxResponseBodyBytes: 500
// beyond it). pier keeps buffered bodies in memory: memRequestBodyBytes and
// memResponseBodyBytes, Traefik's thresholds for spilling to disk, are
// accepted and change nothing.
import { kind, MiddlewareError, PHASE_REQUEST, PHASE_RESPONSE, WAIT, type Middleware, type Step } from './kind.js'
import { bufferingSchema } from './schemas.js'
import type { BodyWaiter, Flow } from './flow.js'
import { ResponseFilter } from './filter.js'
import { statusText } from './status-text.js'

interface Compiled {
  maxRequestBodyBytes: number
  maxResponseBodyBytes: number
}

/** Holds the whole response; past the limit, 500 instead. */
class ResponseBuffer extends ResponseFilter {
  private status = 0
  private statusText = ''
  /** The backend's head holds bytes 0x80-0xff (written as bytes, not re-encoded). */
  private obsText = false
  private headers: string[] = []
  private chunks: Buffer[] = []
  private size = 0
  private over = false

  constructor(private readonly max: number) {
    super()
  }

  override onHeaders(status: number, text: string, headers: string[], length: number, obsText: boolean): void {
    this.obsText = obsText
    this.status = status
    this.statusText = text
    this.headers = headers
    if (this.max > 0 && length > this.max) this.over = true
  }

  override onData(chunk: Buffer): boolean {
    if (this.over) return true
    this.size += chunk.length
    if (this.max > 0 && this.size > this.max) {
      this.over = true
      this.chunks = []
    } else this.chunks.push(Buffer.from(chunk))
    return true
  }

  override onComplete(trailers: string[]): void {
    if (this.over) {
      const body = Buffer.from(statusText(500))
      this.next.onHeaders(500, statusText(500), [], body.length, false)
      this.next.onData(body)
      return this.next.onComplete([])
    }
    this.next.onHeaders(this.status, this.statusText, this.headers, this.size, this.obsText)
    for (const c of this.chunks) this.next.onData(c)
    this.chunks = []
    this.next.onComplete(trailers)
  }
}

class Buffering implements Middleware, BodyWaiter {
  constructor(private readonly c: Compiled) {}

  request(flow: Flow): Step {
    const max = this.c.maxRequestBodyBytes
    if (max > 0) {
      const cl = flow.getHeader('content-length')
      if (cl !== '' && Number(cl) > max) return this.tooLarge(flow)
    }
    if (this.c.maxResponseBodyBytes > 0) flow.wrap(new ResponseBuffer(this.c.maxResponseBodyBytes))
    flow.readBody(max > 0 ? max : -1, this)
    return WAIT
  }

  onBody(flow: Flow, body: Buffer | null): void {
    if (body === null) this.tooLarge(flow)
    else flow.next()
  }

  private tooLarge(flow: Flow): Step {
    return flow.answer(413, [], statusText(413))
  }
}

export default kind<Compiled>({
  schema: bufferingSchema,
  phases: (c) => PHASE_REQUEST | (c.maxResponseBodyBytes > 0 ? PHASE_RESPONSE : 0),
  compile(o) {
    const num = (v: unknown): number => (typeof v === 'number' ? v : 0)
    const c = { maxRequestBodyBytes: num(o.maxRequestBodyBytes), maxResponseBodyBytes: num(o.maxResponseBodyBytes) }
    if (c.maxRequestBodyBytes < 0 || c.maxResponseBodyBytes < 0) throw new MiddlewareError('body size limits must not be negative')
    return c
  },
  create: (c) => new Buffering(c),
})
