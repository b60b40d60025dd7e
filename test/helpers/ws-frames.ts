// Raw WebSocket frames for parser tests, and a feed that runs pier's frame
// parser over bytes split at given offsets, recording what it reports in a
// comparable shape (message pieces joined).
import { FrameParser, type FrameSink } from '../../src/websocket/frame-parser.js'

export interface FrameSpec {
  op: number
  payload?: Buffer | string
  fin?: boolean
  rsv?: number
  /** A masking key: the frame is masked (servers must not mask). */
  mask?: Buffer
  /** Force the 16- or 64-bit length form whatever the length. */
  lengthForm?: 16 | 64
  /** Write this length instead of the payload's. */
  length?: number
}

/** One frame as a server would send it (unmasked unless asked). */
export function frame(f: FrameSpec): Buffer {
  const payload = typeof f.payload === 'string' ? Buffer.from(f.payload) : (f.payload ?? Buffer.alloc(0))
  const len = f.length ?? payload.length
  const b0 = ((f.fin ?? true) ? 0x80 : 0) | ((f.rsv ?? 0) << 4) | f.op
  const maskBit = f.mask ? 0x80 : 0
  let head: Buffer
  if (f.lengthForm === 64 || (f.lengthForm === undefined && len > 65535)) {
    head = Buffer.alloc(10)
    head[1] = maskBit | 127
    head.writeBigUInt64BE(BigInt(len), 2)
  } else if (f.lengthForm === 16 || len > 125) {
    head = Buffer.alloc(4)
    head[1] = maskBit | 126
    head.writeUInt16BE(len, 2)
  } else {
    head = Buffer.alloc(2)
    head[1] = maskBit | len
  }
  head[0] = b0
  if (!f.mask) return Buffer.concat([head, payload])
  const masked = Buffer.from(payload.map((b, i) => b ^ f.mask![i & 3]!))
  return Buffer.concat([head, f.mask, masked])
}

export interface Reported {
  messages: Array<{ binary: boolean; data: string }>
  pings: string[]
  pongs: string[]
  close: { code: number; reason: string } | null
  error: { code: number; message: string } | null
  /** Bytes not consumed after the close frame. */
  left: number
}

export function closeFrame(code: number, reason = ''): Buffer {
  const p = Buffer.alloc(2 + Buffer.byteLength(reason))
  p.writeUInt16BE(code, 0)
  p.write(reason, 2)
  return frame({ op: 8, payload: p })
}

/** Parses bytes split at the given offsets, each piece copied into a reused buffer as the shared read buffer would be. */
export function feedFrames(bytes: Buffer, splits: number[] = [], maxMessage = 1 << 20): Reported {
  const out: Reported = { messages: [], pings: [], pongs: [], close: null, error: null, left: 0 }
  let current: { binary: boolean; data: string } | null = null
  const sink: FrameSink = {
    onMessageStart(binary) {
      current = { binary, data: '' }
    },
    onMessageData(piece, last) {
      current!.data += piece.toString('latin1')
      if (last) {
        out.messages.push(current!)
        current = null
      }
      return true
    },
    onPing: (p) => (out.pings.push(p.toString('latin1')), true),
    onPong: (p) => (out.pongs.push(p.toString('latin1')), true),
    onClose: (code, reason) => (out.close = { code, reason: reason.toString() }),
  }
  const parser = new FrameParser(sink, maxMessage)
  const reuse = Buffer.alloc(bytes.length + 16)
  const cuts = [...splits.filter((s) => s > 0 && s < bytes.length).sort((a, b) => a - b), bytes.length]
  let from = 0
  for (const cut of cuts) {
    reuse.fill(0x58)
    bytes.copy(reuse, 0, from, cut)
    const p = parser.execute(reuse, 0, cut - from)
    if (p < 0) {
      out.error = parser.error
      return out
    }
    if (parser.closed) {
      out.left = cut - from - p + (bytes.length - cut)
      return out
    }
    from = cut
  }
  return out
}
