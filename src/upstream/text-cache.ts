// Short header texts as strings without a string per response: backends
// send the same names, the same reason phrase and mostly the same values
// response after response, so each short byte range is looked up by a hash
// of its bytes in a small per-thread table and its string reused when the
// bytes match. A miss decodes (latin1) and takes the slot.
import { latin1 } from './chars.js'

/** Longest text kept; longer ones are decoded every time. */
const MAX = 48
const SLOTS = 512
const bytes = new Uint8Array(SLOTS * MAX)
const lengths = new Int16Array(SLOTS).fill(-1)
const texts: string[] = new Array<string>(SLOTS).fill('')

/** buf[s..e) decoded as latin1, the same string as last time for the same bytes. */
export function text(buf: Buffer, s: number, e: number): string {
  const n = e - s
  if (n > MAX) return latin1(buf, s, e)
  let h = n
  for (let i = s; i < e; i++) h = (Math.imul(h, 31) + buf[i]!) | 0
  const slot = (h ^ (h >>> 9)) & (SLOTS - 1)
  const at = slot * MAX
  if (lengths[slot] === n) {
    let i = 0
    while (i < n && bytes[at + i] === buf[s + i]) i++
    if (i === n) return texts[slot]!
  }
  const t = n === 0 ? '' : latin1(buf, s, e)
  buf.copy(bytes, at, s, e)
  lengths[slot] = n
  texts[slot] = t
  return t
}
