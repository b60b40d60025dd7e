// Incremental, strict parser of the frames a WebSocket server sends (RFC
// 6455 section 5), for pier's side of the link to a backend. Bytes may arrive
// split anywhere. Data frames are passed on piece by piece as they arrive
// (pier never holds a whole message); control frames are collected (at most
// 125 bytes) and passed on whole. The parser never throws on bad input:
// execute() returns -1 and `error` holds the close code to answer with.
//
// Refused: a masked frame, RSV bits (no extension is ever negotiated with a
// backend), unknown opcodes, fragmented or oversized control frames, a
// continuation without a message or a new message inside one, a length not
// in its shortest form or with the top bit set, a message over the size
// limit, text or a close reason that is not UTF-8, a close code that may not
// be sent.
import { isUtf8 } from 'node:buffer'
import { Utf8Stream } from './utf8.js'
import { isSendableCloseCode } from './close-codes.js'

export const OP_CONTINUATION = 0
export const OP_TEXT = 1
export const OP_BINARY = 2
export const OP_CLOSE = 8
export const OP_PING = 9
export const OP_PONG = 10

export const CLOSE_PROTOCOL_ERROR = 1002
export const CLOSE_INVALID_DATA = 1007
export const CLOSE_TOO_BIG = 1009

/** Receives what the parser finds; a false return stops execute() right after the call. */
export interface FrameSink {
  /** A data message begins. */
  onMessageStart(binary: boolean): void
  /** The next piece of the message (valid during the call only); last: the message ends with it. */
  onMessageData(piece: Buffer, last: boolean): boolean
  onPing(payload: Buffer): boolean
  onPong(payload: Buffer): boolean
  /** A close frame: code 1005 when it carried none; the parser reads nothing after it. */
  onClose(code: number, reason: Buffer): void
}

export interface FrameError {
  /** The close code to send: 1002, 1007 or 1009. */
  code: number
  message: string
}

const HEADER = 0
const PAYLOAD = 1
const CONTROL = 2
const CLOSED = 3
const ERROR = 4

const EMPTY = Buffer.alloc(0)

export class FrameParser {
  error: FrameError | null = null
  private state: number = HEADER
  /** Header bytes gathered so far (a header may be split across reads). */
  private readonly header = Buffer.alloc(10)
  private headerLen = 0
  private opcode = 0
  private fin = false
  /** Payload bytes left in the current frame. */
  private remaining = 0
  /** In a fragmented message: its opcode (text or binary), else 0. */
  private messageOp = 0
  private messageBytes = 0
  private readonly control = Buffer.alloc(125)
  private controlLen = 0
  private readonly utf8 = new Utf8Stream()

  constructor(
    private readonly sink: FrameSink,
    /** Largest message accepted, in bytes (all its frames together). */
    private readonly maxMessage: number,
  ) {}

  private get failed(): boolean {
    return this.state === ERROR
  }

  /** The close frame has been read. */
  get closed(): boolean {
    return this.state === CLOSED
  }

  /**
   * Consumes buf[start..end). Returns the index it stopped at: end when all
   * was consumed, less when the sink asked to stop or a close frame ended
   * the stream; -1 on a protocol violation (see error).
   */
  execute(buf: Buffer, start: number, end: number): number {
    let p = start
    while (p < end) {
      const state = this.state
      switch (state) {
        case HEADER: {
          p = this.readHeader(buf, p, end)
          if (p < 0) return -1
          // A data frame with nothing in it still ends its message.
          if (this.state === PAYLOAD && this.remaining === 0 && this.fin) {
            this.state = HEADER
            if (!this.deliver(EMPTY, true)) return this.failed ? -1 : p
          } else if (this.state === PAYLOAD && this.remaining === 0) {
            this.state = HEADER
          } else if (this.state === CONTROL && this.remaining === 0) {
            if (!this.endControl()) return this.failed ? -1 : p
          }
          break
        }
        case PAYLOAD: {
          const n = Math.min(this.remaining, end - p)
          this.remaining -= n
          const last = this.remaining === 0 && this.fin
          if (this.remaining === 0) this.state = HEADER
          const more = this.deliver(buf.subarray(p, p + n), last)
          p += n
          if (this.failed) return -1
          if (!more) return p
          break
        }
        case CONTROL: {
          const n = Math.min(this.remaining, end - p)
          buf.copy(this.control, this.controlLen, p, p + n)
          this.controlLen += n
          this.remaining -= n
          p += n
          if (this.remaining === 0 && !this.endControl()) return this.failed ? -1 : p
          break
        }
        case CLOSED:
          return p
        default:
          return -1
      }
    }
    return p
  }

  private readHeader(buf: Buffer, p: number, end: number): number {
    const h = this.header
    // The two fixed bytes, then as many length bytes as the second one announces.
    while (this.headerLen < 2 && p < end) h[this.headerLen++] = buf[p++]!
    if (this.headerLen < 2) return p
    const b0 = h[0]!
    const b1 = h[1]!
    if (this.headerLen === 2 && !this.checkFirst(b0, b1)) return -1
    const len7 = b1 & 0x7f
    const size = len7 === 126 ? 4 : len7 === 127 ? 10 : 2
    while (this.headerLen < size && p < end) h[this.headerLen++] = buf[p++]!
    if (this.headerLen < size) return p
    this.headerLen = 0
    let length = len7
    if (len7 === 126) {
      length = h.readUInt16BE(2)
      if (length < 126) return this.fail(CLOSE_PROTOCOL_ERROR, 'frame length not in its shortest form')
    } else if (len7 === 127) {
      const hi = h.readUInt32BE(2)
      if (hi & 0x80000000) return this.fail(CLOSE_PROTOCOL_ERROR, 'frame length with the most significant bit set')
      length = hi * 2 ** 32 + h.readUInt32BE(6)
      if (length < 65536) return this.fail(CLOSE_PROTOCOL_ERROR, 'frame length not in its shortest form')
    }
    return this.begin(length) ? p : -1
  }

  /** Checks the first two header bytes as soon as they are there. */
  private checkFirst(b0: number, b1: number): boolean {
    if (b0 & 0x70) return this.fail(CLOSE_PROTOCOL_ERROR, 'RSV bits set, but no extension was negotiated') >= 0
    if (b1 & 0x80) return this.fail(CLOSE_PROTOCOL_ERROR, 'masked frame from a server') >= 0
    const op = b0 & 0x0f
    const fin = (b0 & 0x80) !== 0
    if (op >= OP_CLOSE) {
      if (op > OP_PONG) return this.fail(CLOSE_PROTOCOL_ERROR, `unknown control opcode ${op}`) >= 0
      if (!fin) return this.fail(CLOSE_PROTOCOL_ERROR, 'fragmented control frame') >= 0
      if ((b1 & 0x7f) > 125) return this.fail(CLOSE_PROTOCOL_ERROR, 'control frame longer than 125 bytes') >= 0
      if (op === OP_CLOSE && (b1 & 0x7f) === 1) return this.fail(CLOSE_PROTOCOL_ERROR, 'close frame with a 1-byte payload') >= 0
    } else if (op > OP_BINARY) {
      return this.fail(CLOSE_PROTOCOL_ERROR, `unknown data opcode ${op}`) >= 0
    } else if (op === OP_CONTINUATION) {
      if (this.messageOp === 0) return this.fail(CLOSE_PROTOCOL_ERROR, 'continuation frame outside a fragmented message') >= 0
    } else if (this.messageOp !== 0) {
      return this.fail(CLOSE_PROTOCOL_ERROR, 'new message inside a fragmented one') >= 0
    }
    this.opcode = op
    this.fin = fin
    return true
  }

  private begin(length: number): boolean {
    this.remaining = length
    if (this.opcode >= OP_CLOSE) {
      this.state = CONTROL
      this.controlLen = 0
      return true
    }
    if (this.opcode !== OP_CONTINUATION) {
      this.messageOp = this.opcode
      this.messageBytes = 0
      this.utf8.reset()
      this.sink.onMessageStart(this.opcode === OP_BINARY)
    }
    this.messageBytes += length
    if (this.messageBytes > this.maxMessage) return this.fail(CLOSE_TOO_BIG, `message larger than ${this.maxMessage} bytes`) >= 0
    this.state = PAYLOAD
    return true
  }

  /** Passes a piece on, checking text as it goes; false to stop (or on error, with state ERROR). */
  private deliver(piece: Buffer, last: boolean): boolean {
    if (this.messageOp === OP_TEXT && !this.utf8.push(piece, last)) return this.fail(CLOSE_INVALID_DATA, 'text message is not valid UTF-8') >= 0
    if (last) this.messageOp = 0
    return this.sink.onMessageData(piece, last)
  }

  private endControl(): boolean {
    this.state = HEADER
    const payload = this.control.subarray(0, this.controlLen)
    if (this.opcode === OP_PING) return this.sink.onPing(payload)
    if (this.opcode === OP_PONG) return this.sink.onPong(payload)
    let code = 1005
    let reason = EMPTY
    if (payload.length >= 2) {
      code = payload.readUInt16BE(0)
      if (!isSendableCloseCode(code)) return this.fail(CLOSE_PROTOCOL_ERROR, `close code ${code} may not be sent`) >= 0
      reason = payload.subarray(2)
      if (!isUtf8(reason)) return this.fail(CLOSE_INVALID_DATA, 'close reason is not valid UTF-8') >= 0
    }
    this.state = CLOSED
    this.sink.onClose(code, reason)
    return false
  }

  private fail(code: number, message: string): number {
    this.state = ERROR
    this.error = { code, message }
    return -1
  }
}
