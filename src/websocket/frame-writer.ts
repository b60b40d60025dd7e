// Frames pier sends a backend, as a WebSocket client must (RFC 6455 5.3):
// every frame masked with a fresh unpredictable key. Keys come from a block
// of random bytes refilled from the system's CSPRNG, one syscall per 1,024
// frames. Each frame is one Buffer: header and masked payload together,
// written with one socket write.
import { nodeCrypto } from '../lazy-modules.js'

const KEYS = Buffer.alloc(4096)
let keyAt = KEYS.length

function nextKey(): number {
  if (keyAt === KEYS.length) {
    nodeCrypto().randomFillSync(KEYS)
    keyAt = 0
  }
  keyAt += 4
  return keyAt - 4
}

/** One final frame of opcode with payload (copied and masked). */
export function maskedFrame(opcode: number, payload: Uint8Array): Buffer {
  const len = payload.length
  const head = len < 126 ? 6 : len < 65536 ? 8 : 14
  const out = Buffer.allocUnsafe(head + len)
  out[0] = 0x80 | opcode
  if (len < 126) {
    out[1] = 0x80 | len
  } else if (len < 65536) {
    out[1] = 0x80 | 126
    out.writeUInt16BE(len, 2)
  } else {
    out[1] = 0x80 | 127
    out.writeUInt32BE(Math.floor(len / 2 ** 32), 2)
    out.writeUInt32BE(len >>> 0, 6)
  }
  const k = nextKey()
  const m = head - 4
  KEYS.copy(out, m, k, k + 4)
  const k0 = KEYS[k]!
  const k1 = KEYS[k + 1]!
  const k2 = KEYS[k + 2]!
  const k3 = KEYS[k + 3]!
  let i = 0
  for (; i + 3 < len; i += 4) {
    out[head + i] = payload[i]! ^ k0
    out[head + i + 1] = payload[i + 1]! ^ k1
    out[head + i + 2] = payload[i + 2]! ^ k2
    out[head + i + 3] = payload[i + 3]! ^ k3
  }
  for (; i < len; i++) out[head + i] = payload[i]! ^ KEYS[k + (i & 3)]!
  return out
}

/** A close frame's payload: the code (none for 1005) and the reason, cut to fit 125 bytes on a character boundary. */
export function closePayload(code: number, reason: Uint8Array): Buffer {
  if (code === 1005 || code === 1006) return Buffer.alloc(0)
  let n = Math.min(reason.length, 123)
  // Do not cut a UTF-8 sequence: step back over continuation bytes to a lead byte.
  if (n < reason.length) while (n > 0 && (reason[n]! & 0xc0) === 0x80) n--
  const out = Buffer.allocUnsafe(2 + n)
  out.writeUInt16BE(code, 0)
  out.set(reason.subarray(0, n), 2)
  return out
}
