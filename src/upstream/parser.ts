// Incremental HTTP/1.1 response parser: head, then the body framed by
// Content-Length, chunked coding (extensions skipped, trailers kept) or the
// connection close; HEAD/204/304 have no body; 1xx interim heads are
// skipped. Bytes may arrive split anywhere. The parser never throws on bad
// input: execute() returns -1 and `error` says what was wrong.
import { CR, FIELD, HEX, HTAB, LF, SP } from './chars.js'
import { BadResponse, ErrorCode, UpstreamError, badResponse } from './errors.js'
import { HEAD_ERROR, HEAD_INCOMPLETE, Head, parseFields, parseHead } from './head.js'

/** Largest response head (status line + headers) or trailer section accepted unless told otherwise. */
export const DEFAULT_MAX_HEAD_BYTES = 16 * 1024
/** Largest chunk-size line (size + extensions), as Node's own limit on chunk extensions. */
const MAX_CHUNK_LINE = 16 * 1024
/** Chunk sizes above this are refused (far beyond any real chunk, and exact in a double). */
const MAX_CHUNK_SIZE = 2 ** 48

const HEAD = 0
const BODY_LENGTH = 1
const BODY_CLOSE = 2
const CHUNK_SIZE = 3
const CHUNK_SIZE_WS = 4
const CHUNK_EXT = 5
const CHUNK_SIZE_LF = 6
const CHUNK_DATA = 7
const CHUNK_DATA_CR = 8
const CHUNK_DATA_LF = 9
const TRAILERS = 10
const DONE = 11
const ERROR = 12

/** The trailers of every response that has none (most): one frozen list, not one per response. */
const NO_TRAILERS: string[] = Object.freeze([]) as unknown as string[]

/** Receives the parsed response. A false return stops execute() right after the call. */
export interface ParserSink {
  /** The final (non-1xx) head; contentLength as in ResponseHandler.onHeaders. */
  onHead(head: Head, contentLength: number): boolean
  onBody(chunk: Buffer): boolean
}

export class ResponseParser {
  readonly head = new Head()
  /** Set when execute() returned -1 or finish() failed. */
  error: UpstreamError | null = null
  /** Trailer fields of the completed response (flat name/value pairs; the shared empty list when none: read-only). */
  trailers: string[] = NO_TRAILERS
  /** Whether the connection may carry another request once this response is done. */
  keepAlive = false
  /** How long the server keeps an idle connection (Keep-Alive: timeout=N), in ms; -1 unknown. */
  keepAliveTimeoutMs = -1
  /** Any byte of this response (interim heads included) has arrived. */
  started = false
  /** The response was a 101 to an upgrade request: done, and the bytes after the head belong to the new protocol. */
  upgraded = false

  private state = HEAD
  private isHead = false
  private upgrade = false
  private readonly sink: ParserSink
  /** Unfinished head line(s) kept between reads, in pending[0..pendingLen). */
  private pending: Buffer | null = null
  private pendingLen = 0
  /** Bytes of the current head already parsed (for the size limit). */
  private headBytes = 0
  private readonly trailerHead = new Head()
  /** Body bytes left in the Content-Length body or the current chunk. */
  private remaining = 0
  private chunkSize = 0
  private lineLen = 0
  private trailerBytes: number[] | null = null
  private sawCR = false
  /** Set when the sink returned false from onHead. */
  private stopped = false

  constructor(
    sink: ParserSink,
    /** Largest head (status line + fields) or trailer section accepted. */
    private readonly maxHeadBytes = DEFAULT_MAX_HEAD_BYTES,
  ) {
    this.sink = sink
  }

  /**
   * Prepares for the response to a new request; isHead: the request was HEAD
   * (no body follows); upgrade: it asked to switch protocols, so a 101 ends
   * the HTTP exchange (see upgraded) instead of being an error.
   */
  reset(isHead: boolean, upgrade = false): void {
    this.state = HEAD
    this.isHead = isHead
    this.upgrade = upgrade
    this.upgraded = false
    this.error = null
    this.head.reset()
    this.pendingLen = 0
    this.headBytes = 0
    this.trailers = NO_TRAILERS
    this.trailerBytes = null
    this.keepAlive = false
    this.started = false
  }

  /** The response is complete (bytes after it, if any, were not consumed). */
  get done(): boolean {
    return this.state === DONE
  }

  /** A final head was parsed and its body is being read. */
  get inBody(): boolean {
    return this.state !== HEAD && this.state !== ERROR
  }

  /**
   * Consumes buf[start..end). Returns the index it stopped at: end when all
   * was consumed, less when the response completed (the rest is not part of
   * it) or the sink asked to stop; -1 on a malformed response (see error).
   */
  execute(buf: Buffer, start: number, end: number): number {
    let p = start
    if (p < end) this.started = true
    while (p < end) {
      switch (this.state) {
        case HEAD: {
          p = this.readHead(buf, p, end)
          if (p < 0 || this.stopped) return this.takeStop(p)
          break
        }
        case BODY_LENGTH: {
          const n = Math.min(this.remaining, end - p)
          this.remaining -= n
          if (this.remaining === 0) this.state = DONE
          const more = this.sink.onBody(buf.subarray(p, p + n))
          p += n
          if (!more || this.state === DONE) return p
          break
        }
        case BODY_CLOSE:
          this.sink.onBody(buf.subarray(p, end))
          return end
        case CHUNK_DATA: {
          const n = Math.min(this.remaining, end - p)
          this.remaining -= n
          if (this.remaining === 0) this.state = CHUNK_DATA_CR
          const more = this.sink.onBody(buf.subarray(p, p + n))
          p += n
          if (!more) return p
          break
        }
        case DONE:
          return p
        case ERROR:
          return -1
        default:
          p = this.chunkControl(buf, p, end)
          if (p < 0 || this.state === DONE) return p
      }
    }
    return p
  }

  /**
   * The connection reached EOF. Returns true when that completes the response
   * (a close-delimited body); otherwise sets error (the response was cut short)
   * and returns false. A response already done is left as it is.
   */
  finish(): boolean {
    if (this.state === DONE) return true
    if (this.state === BODY_CLOSE) {
      this.state = DONE
      return true
    }
    if (this.state !== ERROR) {
      const where = this.state === HEAD ? (this.started ? 'in the response head' : 'before any response') : 'in the response body'
      this.fail(new UpstreamError(ErrorCode.RESET, `backend closed the connection ${where}`))
    }
    return false
  }

  // -- head --

  private takeStop(p: number): number {
    this.stopped = false
    return p
  }

  private readHead(buf: Buffer, p: number, end: number): number {
    const head = this.head
    let data = buf
    let from = p
    let limit = end
    if (this.pendingLen > 0) {
      // Continue the head kept from earlier reads: append, then resume at its
      // unfinished line (re-scanned; bounded by maxHeadBytes).
      this.appendPending(buf, p, end)
      data = this.pending!
      from = 0
      limit = this.pendingLen
    }
    const r = parseHead(data, from, limit, head)
    if (r === HEAD_ERROR) return this.fail(head.error!)
    if (r === HEAD_INCOMPLETE) {
      const resume = head.resume
      this.headBytes += resume - from
      if (data === buf) {
        this.pendingLen = 0
        this.appendPending(buf, resume, end)
      } else {
        this.pending!.copyWithin(0, resume, limit)
        this.pendingLen = limit - resume
      }
      if (this.headBytes + this.pendingLen > this.maxHeadBytes) return this.tooLarge()
      return end
    }
    this.headBytes += r - from
    if (this.headBytes > this.maxHeadBytes) return this.tooLarge()
    this.headBytes = 0
    // Position after the head in buf's coordinates.
    const next = data === buf ? r : end - (limit - r)
    this.pendingLen = 0
    if (this.pending !== null && this.pending.length > 8192) this.pending = null // do not keep a huge head's buffer
    const status = head.status
    if (status < 200) {
      if (status === 101) {
        if (!this.upgrade) return this.fail(badResponse(BadResponse.UPGRADE, '101 Switching Protocols, but no upgrade was requested'))
        this.upgraded = true
        this.keepAlive = false
        this.state = DONE
        return next
      }
      head.reset()
      return next // interim response: the final head follows
    }
    this.keepAlive = head.minor === 1 ? !head.close : head.keepAlive && !head.close
    this.keepAliveTimeoutMs = head.keepAliveTimeoutMs
    let length: number
    if (this.isHead || status === 204 || status === 304) {
      length = 0
      this.state = DONE
    } else if (head.chunked) {
      length = -1
      this.state = CHUNK_SIZE
      this.chunkSize = 0
      this.lineLen = 0
    } else if (head.contentLength >= 0) {
      length = head.contentLength
      this.remaining = length
      this.state = length === 0 ? DONE : BODY_LENGTH
    } else {
      length = -1
      this.state = BODY_CLOSE
      this.keepAlive = false
    }
    if (!this.sink.onHead(head, length)) this.stopped = true
    return next
  }

  /** Copies buf[p..end) after the pending bytes (buf may be a shared read buffer). */
  private appendPending(buf: Buffer, p: number, end: number): void {
    const need = this.pendingLen + (end - p)
    let pend = this.pending
    if (pend === null || pend.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * (pend?.length ?? 512)))
      if (pend !== null) pend.copy(grown, 0, 0, this.pendingLen)
      this.pending = pend = grown
    }
    buf.copy(pend, this.pendingLen, p, end)
    this.pendingLen = need
  }

  private tooLarge(): number {
    return this.fail(badResponse(BadResponse.HEADERS_TOO_LARGE, `response head larger than ${this.maxHeadBytes} bytes`))
  }

  // -- chunked coding --

  /** Size lines, CRLF after data, and the trailer section: one byte at a time. */
  private chunkControl(buf: Buffer, p: number, end: number): number {
    while (p < end) {
      const c = buf[p]!
      switch (this.state) {
        case CHUNK_SIZE: {
          const h = HEX[c]!
          if (h !== 0) {
            this.chunkSize = this.chunkSize * 16 + (h - 1)
            if (this.chunkSize > MAX_CHUNK_SIZE || ++this.lineLen > MAX_CHUNK_LINE) return this.fail(badResponse(BadResponse.CHUNK_SIZE, 'chunk size too large'))
          } else if (this.lineLen === 0) {
            return this.fail(badResponse(BadResponse.CHUNK_SIZE, `invalid chunk size character 0x${c.toString(16)}`))
          } else if (c === CR) {
            this.state = CHUNK_SIZE_LF
          } else if (c === 0x3b /* ; */) {
            this.state = CHUNK_EXT
          } else if (c === SP || c === HTAB) {
            this.state = CHUNK_SIZE_WS
          } else {
            return this.fail(badResponse(BadResponse.CHUNK_SIZE, `invalid chunk size character 0x${c.toString(16)}`))
          }
          break
        }
        case CHUNK_SIZE_WS:
          if (c === 0x3b) this.state = CHUNK_EXT
          else if (c !== SP && c !== HTAB) return this.fail(badResponse(BadResponse.CHUNK_SIZE, 'whitespace after the chunk size not followed by an extension'))
          break
        case CHUNK_EXT:
          if (c === CR) this.state = CHUNK_SIZE_LF
          else if (FIELD[c] !== 1) return this.fail(badResponse(BadResponse.CHUNK_EXTENSION, `invalid character 0x${c.toString(16)} in a chunk extension`))
          else if (++this.lineLen > MAX_CHUNK_LINE) return this.fail(badResponse(BadResponse.CHUNK_EXTENSION, `chunk extensions longer than ${MAX_CHUNK_LINE} bytes`))
          break
        case CHUNK_SIZE_LF:
          if (c !== LF) return this.fail(badResponse(BadResponse.CHUNK_SIZE, 'chunk size line not ended by CRLF'))
          if (this.chunkSize === 0) {
            this.state = TRAILERS
            this.lineLen = 0
            this.sawCR = false
          } else {
            this.state = CHUNK_DATA
            this.remaining = this.chunkSize
            return p + 1
          }
          break
        case CHUNK_DATA_CR:
          if (c !== CR) return this.fail(badResponse(BadResponse.CHUNK_DATA, 'chunk data longer than its size'))
          this.state = CHUNK_DATA_LF
          break
        case CHUNK_DATA_LF:
          if (c !== LF) return this.fail(badResponse(BadResponse.CHUNK_DATA, 'chunk data not followed by CRLF'))
          this.state = CHUNK_SIZE
          this.chunkSize = 0
          this.lineLen = 0
          break
        case TRAILERS: {
          const r = this.trailerByte(c)
          if (r !== 0) return r < 0 ? -1 : p + 1
          break
        }
        default:
          return p
      }
      p++
    }
    return p
  }

  /** Feeds one byte of the trailer section: 1 once it is complete, -1 on error, else 0. */
  private trailerByte(c: number): number {
    if (this.sawCR) {
      if (c !== LF) return this.fail(badResponse(BadResponse.TRAILER, 'trailer line not ended by CRLF'))
      this.sawCR = false
      if (this.lineLen === 0) return this.endTrailers()
      this.lineLen = 0
    } else if (c === CR) {
      this.sawCR = true
      if (this.lineLen === 0) return 0 // maybe the empty line that ends the section
    } else {
      this.lineLen++
    }
    const acc = (this.trailerBytes ??= [])
    acc.push(c)
    if (acc.length > this.maxHeadBytes) return this.fail(badResponse(BadResponse.TRAILER, `trailer section larger than ${this.maxHeadBytes} bytes`))
    return 0
  }

  private endTrailers(): number {
    const acc = this.trailerBytes
    if (acc !== null) {
      // acc holds the field lines with their CRLFs; the closing empty line is added back.
      acc.push(CR, LF)
      const raw = Buffer.from(acc)
      const th = this.trailerHead
      th.reset()
      this.trailers = []
      if (parseFields(raw, 0, raw.length, th, this.trailers, BadResponse.TRAILER) !== raw.length) {
        return this.fail(th.error ?? badResponse(BadResponse.TRAILER, 'malformed trailer section'))
      }
      this.trailerBytes = null
    }
    this.state = DONE
    return 1
  }

  private fail(err: UpstreamError): number {
    this.state = ERROR
    this.error = err
    return -1
  }
}
