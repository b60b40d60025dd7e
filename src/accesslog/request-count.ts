// Traefik's RequestCount: requests since start across the whole process. Every
// worker numbers its own lines from one shared counter, so the primary writes
// batches as they come without touching them. Two Uint32 words make a 64-bit
// count: Atomics has no Float64, and a BigInt counter would allocate per line.
// (At the wrap of the low word, once per 2^32 requests, a line numbered in
// that instant by another thread may lack the carry.)

export class RequestCounter {
  readonly #words: Uint32Array

  /** buffer: 8 bytes shared by every thread that numbers lines. */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.#words = new Uint32Array(buffer, 0, 2)
  }

  /** The next number, from 1. */
  next(): number {
    const w = this.#words
    const low = Atomics.add(w, 0, 1)
    // The thread that wraps the low word carries, and counts with the high word from before.
    const high = low === 0xffffffff ? Atomics.add(w, 1, 1) : Atomics.load(w, 1)
    return high * 0x100000000 + low + 1
  }
}
