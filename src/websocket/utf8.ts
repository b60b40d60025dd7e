// UTF-8 validation of a text message that arrives in pieces split anywhere,
// even inside a character. The bulk of each piece is checked natively
// (buffer.isUtf8); only a character cut by a piece boundary is carried over
// (at most 3 bytes) and checked once complete.
import { isUtf8 } from 'node:buffer'

/** Length of the sequence a lead byte announces; 1 for bytes that cannot lead one (isUtf8 then refuses them). */
function sequenceLength(b: number): number {
  if (b < 0xc0) return 1
  if (b < 0xe0) return 2
  if (b < 0xf0) return 3
  if (b < 0xf8) return 4
  return 1
}

export class Utf8Stream {
  private readonly carry = Buffer.alloc(4)
  private carried = 0
  private need = 0

  reset(): void {
    this.carried = 0
    this.need = 0
  }

  /** Checks the next piece; last: the message ends with it. False once the text is not valid UTF-8. */
  push(piece: Uint8Array, last: boolean): boolean {
    let start = 0
    const end = piece.length
    if (this.carried > 0) {
      const take = Math.min(this.need - this.carried, end)
      for (let i = 0; i < take; i++) this.carry[this.carried++] = piece[i]!
      start = take
      if (this.carried < this.need) return !last
      if (!isUtf8(this.carry.subarray(0, this.carried))) return false
      this.carried = 0
    }
    // A sequence cut at the end: find the last lead byte among the final 3 and see whether it is complete.
    let cut = end
    for (let i = end - 1; i >= start && i >= end - 3; i--) {
      const b = piece[i]!
      if ((b & 0xc0) === 0x80) continue
      const len = sequenceLength(b)
      if (i + len > end) cut = i
      break
    }
    if (cut > start && !isUtf8(piece.subarray(start, cut))) return false
    if (cut < end) {
      if (last) return false
      this.need = sequenceLength(piece[cut]!)
      for (let i = cut; i < end; i++) this.carry[this.carried++] = piece[i]!
    }
    return true
  }
}
