// Where HTTP/1.1 responses end in a byte stream, for the open-loop load
// generator: status line and headers, then a Content-Length body, a chunked
// body (sizes, extensions, trailers) or a body that runs to the close.
// Bytes may arrive split anywhere; several responses may share one chunk.
import { codedError } from './hdr.mjs'

const CRLF2 = Buffer.from('\r\n\r\n')
const HEAD = 0
const BODY = 1
const CHUNK_SIZE = 2
const CHUNK_DATA = 3
const CHUNK_END = 4
const TRAILERS = 5
const TO_CLOSE = 6
const MAX_HEAD = 64 * 1024

export class ResponseReader {
  /** onResponse(status, close): close when the server said Connection: close (or the body ran to the close). */
  constructor(onResponse) {
    this.onResponse = onResponse
    this.reset()
  }

  reset() {
    this.state = HEAD
    this.pending = null // bytes of an unfinished head or chunk-size/trailer line
    this.remaining = 0
    this.status = 0
    this.close = false
  }

  /** Feeds bytes; throws EBADRESPONSE on bytes that are not an HTTP/1.x response. */
  push(buf) {
    let at = 0
    if (this.pending) {
      buf = Buffer.concat([this.pending, buf])
      this.pending = null
    }
    while (at < buf.length) {
      switch (this.state) {
        case HEAD: {
          const end = buf.indexOf(CRLF2, at)
          if (end < 0) return this.keep(buf, at)
          this.head(buf.toString('latin1', at, end))
          at = end + 4
          break
        }
        case BODY: {
          const n = Math.min(this.remaining, buf.length - at)
          at += n
          this.remaining -= n
          if (this.remaining === 0) this.done()
          break
        }
        case CHUNK_SIZE:
        case TRAILERS: {
          const eol = buf.indexOf('\r\n', at, 'latin1')
          if (eol < 0) return this.keep(buf, at)
          const line = buf.toString('latin1', at, eol)
          at = eol + 2
          if (this.state === TRAILERS) {
            if (line === '') this.done()
            break
          }
          const size = /^([0-9a-fA-F]+)[ \t]*(;.*)?$/.exec(line)
          if (!size) throw codedError('EBADRESPONSE', `bad chunk size line "${line.slice(0, 40)}"`)
          this.remaining = parseInt(size[1], 16)
          this.state = this.remaining === 0 ? TRAILERS : CHUNK_DATA
          break
        }
        case CHUNK_DATA: {
          const n = Math.min(this.remaining, buf.length - at)
          at += n
          this.remaining -= n
          if (this.remaining === 0) {
            this.state = CHUNK_END
            this.remaining = 2 // the CRLF after the data
          }
          break
        }
        case CHUNK_END: {
          const n = Math.min(this.remaining, buf.length - at)
          at += n
          this.remaining -= n
          if (this.remaining === 0) this.state = CHUNK_SIZE
          break
        }
        case TO_CLOSE:
          return // everything up to the close is body
      }
    }
  }

  /** The connection closed: ends a body that runs to the close; true if a response was cut short. */
  end() {
    if (this.state === TO_CLOSE) {
      this.done()
      return false
    }
    return this.state !== HEAD || this.pending !== null
  }

  keep(buf, at) {
    if (buf.length - at > MAX_HEAD) throw codedError('EBADRESPONSE', `no end of line within ${MAX_HEAD} bytes`)
    this.pending = buf.subarray(at)
  }

  head(text) {
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(text)
    if (!m) throw codedError('EBADRESPONSE', `not an HTTP/1.x status line: "${text.split('\r\n')[0].slice(0, 60)}"`)
    this.status = Number(m[1])
    this.close = /\r\nconnection:[ \t]*close/i.test(text) || text.startsWith('HTTP/1.0')
    if (this.status < 200 || this.status === 204 || this.status === 304) {
      if (this.status >= 100 && this.status < 200) return // an interim response: the real one follows
      return this.done()
    }
    if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(text)) {
      this.state = CHUNK_SIZE
      return
    }
    const cl = /\r\ncontent-length:[ \t]*(\d+)/i.exec(text)
    if (cl) {
      this.remaining = Number(cl[1])
      if (this.remaining === 0) return this.done()
      this.state = BODY
      return
    }
    this.state = TO_CLOSE
    this.close = true
  }

  done() {
    const { status, close } = this
    this.reset()
    this.onResponse(status, close)
  }
}
