// compress: gzip or brotli (node:zlib), chosen from Accept-Encoding with
// the configured encodings' order breaking ties, streamed as the backend
// sends. As in Traefik: nothing for HEAD, a request whose content type is
// excluded (application/grpc always), a response already encoded or below
// minResponseBodyBytes (1024); Vary: Accept-Encoding on what it handles.
// Never a partial (206, Content-Range) or event-stream response either.
// zstd, a Traefik default, is accepted in the list and skipped: Node 20's
// zlib has none.
import type { BrotliCompress, Gzip } from 'node:zlib'
import { nodeZlib } from '../lazy-modules.js'
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, PHASE_RESPONSE, type Middleware, type Step } from './kind.js'
import { compressSchema } from './schemas.js'
import type { Flow } from './flow.js'
import { ResponseFilter } from './filter.js'
import * as H from './headers-list.js'
import type { UpstreamError } from '../upstream/errors.js'

interface MediaType {
  type: string
  params: [string, string][]
}

interface Compiled {
  encodings: string[]
  defaultEncoding: string
  excluded: MediaType[]
  included: MediaType[]
  minSize: number
}

const KNOWN = ['gzip', 'br', 'zstd']
const USABLE = new Set(['gzip', 'br'])

/** Go's mime.ParseMediaType, as far as comparing goes: lower-case type and params; null when malformed. */
export function parseMediaType(v: string): MediaType | null {
  const parts = v.split(';')
  const type = parts[0]!.trim().toLowerCase()
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+*-]+$/.test(type)) return null
  const params: [string, string][] = []
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=')
    if (eq < 0) {
      if (p.trim() === '') continue
      return null
    }
    params.push([p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')])
  }
  return { type, params }
}

/** A configured media type matches when the types are equal and every param it names has that value. */
function matches(want: MediaType, got: MediaType): boolean {
  return want.type === got.type && want.params.every(([k, v]) => got.params.some(([k2, v2]) => k2 === k && v2 === v))
}

class Compress implements Middleware {
  /** Preference by encoding: its place in the list; identity after them, the wildcard first. */
  private readonly rank: Map<string, number>

  constructor(readonly c: Compiled) {
    this.rank = new Map([['*', -1], ...c.encodings.map((e, i) => [e, i] as [string, number]), ['identity', c.encodings.length]])
  }

  /** The encoding for an Accept-Encoding header ('' none; the header absent is undefined). */
  choose(accept: string | undefined): string {
    if (accept === undefined) return this.c.defaultEncoding
    if (accept === '') return ''
    let best = ''
    let bestQ = 0
    for (const item of accept.replace(/ /g, '').split(',')) {
      const [name, param] = item.split(';', 2) as [string, string | undefined]
      if (!this.rank.has(name)) continue
      let q = 1
      if (param !== undefined && param.startsWith('q=')) {
        q = Number(param.slice(2)) || 0
        if (q === 0) continue
      }
      if (q > bestQ || (q === bestQ && this.rank.get(name)! < this.rank.get(best)!)) {
        best = name
        bestQ = q
      }
    }
    if (best === '*') return this.c.defaultEncoding || this.c.encodings.find((e) => USABLE.has(e)) || ''
    return USABLE.has(best) ? best : ''
  }

  request(flow: Flow): Step {
    if (flow.method === 'HEAD') return NEXT
    const ct = parseMediaType(flow.getHeader('content-type'))
    if (ct !== null && this.c.excluded.some((m) => matches(m, ct))) return NEXT
    const accept = flow.headerValues('accept-encoding')
    const encoding = this.choose(accept.length === 0 ? undefined : accept.join(','))
    if (encoding !== '') flow.wrap(new CompressFilter(this, encoding))
    return NEXT
  }

  /** Whether a response with these headers may be compressed. */
  eligible(status: number, headers: string[], contentLength: number): boolean {
    if (status === 204 || status === 304 || status === 206 || (status >= 100 && status < 200)) return false
    if (H.getHeader(headers, 'content-encoding') !== '' || H.hasHeader(headers, 'content-range')) return false
    if (contentLength >= 0 && contentLength < this.c.minSize) return false
    const ct = H.getHeader(headers, 'content-type')
    if (ct === '') return true
    const m = parseMediaType(ct)
    if (m === null || m.type === 'text/event-stream') return false
    if (this.c.included.length > 0) return this.c.included.some((w) => matches(w, m))
    return !this.c.excluded.some((w) => matches(w, m))
  }
}

/** Holds the head until minSize bytes have come (or the body ended), then streams compressed or passes as is. */
class CompressFilter extends ResponseFilter {
  private status = 0
  private statusText = ''
  /** The backend's head holds bytes 0x80-0xff (written as bytes, not re-encoded). */
  private obsText = false
  private headers: string[] = []
  private length = -1
  /** Body held while deciding. */
  private held: Buffer[] | null = null
  private heldBytes = 0
  private z: Gzip | BrotliCompress | null = null
  private passing = false
  private blocked = false
  private trailers: string[] = []

  constructor(
    private readonly mw: Compress,
    private readonly encoding: string,
  ) {
    super()
  }

  override onHeaders(status: number, statusText: string, headers: string[], contentLength: number, obsText: boolean): void {
    const vary = H.getHeader(headers, 'vary')
    if (!/(^|,)\s*accept-encoding\s*(,|$)/i.test(vary)) H.addHeader(headers, 'Vary', 'Accept-Encoding')
    if (!this.mw.eligible(status, headers, contentLength)) {
      this.passing = true
      return this.next.onHeaders(status, statusText, headers, contentLength, obsText)
    }
    this.status = status
    this.statusText = statusText
    this.headers = headers
    this.obsText = obsText
    this.length = contentLength
    this.held = []
  }

  override onData(chunk: Buffer): boolean {
    if (this.passing) return this.next.onData(chunk)
    if (this.z !== null) return this.feed(chunk)
    this.held!.push(Buffer.from(chunk))
    this.heldBytes += chunk.length
    if (this.heldBytes < this.mw.c.minSize) return true
    this.start()
    const held = this.held!
    this.held = null
    let ok = true
    for (const c of held) ok = this.feed(c) && ok
    return ok
  }

  private start(): void {
    H.removeHeader(this.headers, 'content-length')
    H.setHeader(this.headers, 'Content-Encoding', this.encoding)
    const { constants, createBrotliCompress, createGzip } = nodeZlib()
    const z =
      this.encoding === 'br'
        ? createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 6 }, flush: constants.BROTLI_OPERATION_FLUSH })
        : createGzip({ flush: constants.Z_SYNC_FLUSH })
    this.z = z
    z.on('data', (out: Buffer) => {
      if (!this.next.onData(out)) {
        this.blocked = true
        z.pause()
      }
    })
    z.on('drain', () => this.up.resume())
    z.on('end', () => this.next.onComplete(this.trailers))
    z.on('error', (err: Error) => this.next.onError(Object.assign(err, { code: 'PIER_COMPRESS' }) as never))
    this.next.onHeaders(this.status, this.statusText, this.headers, -1, this.obsText)
  }

  /** Compresses a chunk, flushed on its own (the flush mode set at creation) so a streamed response is not held back; false: the compressor is full. */
  private feed(chunk: Buffer): boolean {
    return this.z!.write(chunk)
  }

  override onComplete(trailers: string[]): void {
    if (this.passing) return this.next.onComplete(trailers)
    if (this.z === null) {
      // Ended below minSize: as the backend sent it.
      this.passing = true
      this.next.onHeaders(this.status, this.statusText, this.headers, this.length >= 0 ? this.length : this.heldBytes, this.obsText)
      for (const c of this.held!) this.next.onData(c)
      this.held = null
      return this.next.onComplete(trailers)
    }
    this.trailers = trailers
    this.z.end()
  }

  override onError(err: UpstreamError): void {
    this.z?.destroy()
    this.next.onError(err)
  }

  override resume(): void {
    if (this.blocked) {
      this.blocked = false
      this.z!.resume()
    }
    this.up.resume()
  }

  override abort(): void {
    this.z?.destroy()
    this.up.abort()
  }
}

function mediaTypes(list: unknown, option: string): MediaType[] {
  return ((list as string[] | undefined) ?? []).map((v) => {
    const m = parseMediaType(v)
    if (m === null) throw new MiddlewareError(`${option}: ${JSON.stringify(v)} is not a media type`)
    return m
  })
}

export default kind<Compiled>({
  schema: compressSchema,
  phases: () => PHASE_REQUEST | PHASE_RESPONSE,
  compile(o) {
    const excluded = [{ type: 'application/grpc', params: [] }, ...mediaTypes(o.excludedContentTypes, 'excludedContentTypes')]
    const included = mediaTypes(o.includedContentTypes, 'includedContentTypes')
    if (included.length > 0 && excluded.length > 1) throw new MiddlewareError('excludedContentTypes and includedContentTypes options are mutually exclusive')
    const encodings = (o.encodings as string[] | undefined) ?? [...KNOWN]
    if (encodings.length === 0) throw new MiddlewareError('at least one encoding must be specified')
    for (const e of encodings) if (!KNOWN.includes(e)) throw new MiddlewareError(`unsupported encoding: ${e}`)
    const defaultEncoding = typeof o.defaultEncoding === 'string' ? o.defaultEncoding : ''
    if (defaultEncoding !== '' && !encodings.includes(defaultEncoding)) throw new MiddlewareError(`unsupported default encoding: ${defaultEncoding}`)
    const min = typeof o.minResponseBodyBytes === 'number' && o.minResponseBodyBytes > 0 ? o.minResponseBodyBytes : 1024
    return { encodings, defaultEncoding: USABLE.has(defaultEncoding) ? defaultEncoding : '', excluded, included, minSize: min }
  },
  create: (c) => new Compress(c),
})
