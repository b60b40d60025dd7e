// Counters every worker thread shares, in one SharedArrayBuffer the primary
// makes at start: rate-limit buckets and in-flight counts, one per
// (middleware, options, source) for the whole proxy, updated with Atomics
// compare-and-swap, never a lock. A request is counted once, whichever
// thread serves it.
//
// Rate limits are GCRA, which is Go's token bucket (x/time/rate, what
// Traefik uses) in one number per bucket: the theoretical arrival time
// (TAT), in microseconds since the primary started. A request at `now` is
// let through at once when max(TAT, now) - now <= (burst - 1) * T, with
// T = period / average; it may be held back (as Traefik does) for up to
// maxDelay; TAT then moves on by T. The TAT is one 64-bit word, so a single
// compare-and-swap decides a token: it never wraps, and a bucket whose TAT
// has passed is full, which is also when its slot may go to another source.
//
// Slots are found by open addressing over 8 probes from a hash of the key;
// a 32-bit fingerprint from a second hash tells keys apart. A slot is
// claimed with a compare-and-swap of its fingerprint. When all 8 probes hold
// live buckets of other sources, the key shares the first one: sources then
// share a budget (stricter, never looser).
import { FNV_OFFSET, FNV_PRIME } from '../table/layout.js'

/** Rate-limit slots: a TAT (BigInt64, µs) and a fingerprint (Int32) each. */
const RL_SLOTS = 1 << 16
/** In-flight slots: fingerprint, count (-1 while a slot changes hands). */
const IF_SLOTS = 1 << 14
const IF_INTS = 2
const PROBES = 8

export interface SharedInput {
  buffer: SharedArrayBuffer
  /** performance.timeOrigin of the primary: every thread measures time from it. */
  epochMs: number
  /** Random bytes of this run, for keys every thread must agree on (digest nonces). */
  secret: Uint8Array
}

/** The buffer for a run of pier (the primary makes it once). */
export function sharedInput(secret: Uint8Array): SharedInput {
  const buffer = new SharedArrayBuffer(RL_SLOTS * 8 + (RL_SLOTS + IF_SLOTS * IF_INTS) * 4)
  return { buffer, epochMs: performance.timeOrigin, secret }
}

/** FNV-1a of s, from a seed. */
function hash(s: string, seed: number): number {
  let x = (FNV_OFFSET ^ seed) | 0
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), FNV_PRIME)
  // A final mix: FNV's low bits are weak for short keys such as IP addresses.
  x ^= x >>> 16
  x = Math.imul(x, 0x45d9f3b)
  x ^= x >>> 16
  return x | 0
}

/** The seed of a middleware's keys: its name and its options' hash, so neither another middleware nor changed options share its budget. */
export function budgetSeed(name: string, optionsHash: number): number {
  return hash(name, optionsHash)
}

/** A rate limit's parameters, in microseconds. */
export interface Rate {
  /** Emission interval T and tolerance (burst - 1) * T. */
  t: number
  tau: number
  /** Longest a request may be held back. */
  maxDelay: number
  /** Seed of this middleware's keys (its options hash). */
  seed: number
}

/** Builds a Rate from requests per second, burst and maxDelay (ms). */
export function rateOf(perSecond: number, burst: number, maxDelayMs: number, seed: number): Rate {
  const t = Math.max(1, Math.round(1e6 / perSecond))
  return { t, tau: (burst - 1) * t, maxDelay: Math.floor(maxDelayMs * 1000), seed }
}

export class SharedState {
  private readonly tat: BigInt64Array
  private readonly fingerprints: Int32Array
  private readonly inflight: Int32Array
  private readonly offsetMs: number

  constructor(readonly input: SharedInput) {
    this.tat = new BigInt64Array(input.buffer, 0, RL_SLOTS)
    this.fingerprints = new Int32Array(input.buffer, RL_SLOTS * 8, RL_SLOTS)
    this.inflight = new Int32Array(input.buffer, RL_SLOTS * 12, IF_SLOTS * IF_INTS)
    // This thread's clock, moved onto the primary's.
    this.offsetMs = performance.timeOrigin - input.epochMs
  }

  /** Milliseconds since the primary started, on this thread's monotonic clock. */
  nowMs(): number {
    return this.offsetMs + performance.now()
  }

  /**
   * Takes one request from the bucket of `source`: 0 to pass now, a positive
   * delay in ms to pass after it, or a negative number (minus the ms until a
   * request would fit) to refuse. A refused request takes nothing.
   */
  take(rate: Rate, source: string, nowMs = this.nowMs()): number {
    const tat = this.tat
    const now = BigInt(Math.floor(nowMs * 1000))
    const i = this.rlSlot(hash(source, rate.seed), hash(source, ~rate.seed) | 1, now)
    for (;;) {
      const old = Atomics.load(tat, i)
      const ahead = old > now ? Number(old - now) : 0
      const wait = ahead - rate.tau
      if (wait > rate.maxDelay) return -Math.max(1, wait / 1000)
      if (Atomics.compareExchange(tat, i, old, now + BigInt(ahead + rate.t)) !== old) continue
      return wait > 0 ? wait / 1000 : 0
    }
  }

  private rlSlot(h: number, fp: number, now: bigint): number {
    const fps = this.fingerprints
    const mask = RL_SLOTS - 1
    for (let p = 0; p < PROBES; p++) {
      const i = (h + p) & mask
      const f = Atomics.load(fps, i)
      if (f === fp) return i
      // Free, or its bucket is full again (TAT passed, as good as new): take it.
      if (f === 0 || Atomics.load(this.tat, i) <= now) {
        if (Atomics.compareExchange(fps, i, f, fp) === f) return i
        if (Atomics.load(fps, i) === fp) return i
      }
    }
    return h & mask
  }

  /**
   * Counts a request in for `source` if fewer than `limit` are in flight:
   * returns the slot to hand back to release(), or -1 when the limit is reached.
   */
  enter(seed: number, source: string, limit: number): number {
    const a = this.inflight
    const h = hash(source, seed)
    const fp = hash(source, ~seed) | 1
    const mask = IF_SLOTS - 1
    for (let attempt = 0; attempt < 64; attempt++) {
      const i = this.ifSlot(h, fp, mask)
      const c = i * IF_INTS + 1
      const n = Atomics.load(a, c)
      if (n < 0) continue // changing hands: look again
      const ours = Atomics.load(a, i * IF_INTS) === fp
      if (n >= limit) {
        if (ours || this.sharing) return -1
        continue
      }
      if (Atomics.compareExchange(a, c, n, n + 1) !== n) continue
      // Still ours after counting in? (A slot at 0 may have been taken meanwhile.)
      if (this.sharing || Atomics.load(a, i * IF_INTS) === fp) return i
      Atomics.sub(a, c, 1)
    }
    // Contended beyond reason: refuse rather than count wrongly.
    return -1
  }

  release(slot: number): void {
    Atomics.sub(this.inflight, slot * IF_INTS + 1, 1)
  }

  /** The last ifSlot() found no slot of its own: the key shares a slot with others. */
  private sharing = false

  private ifSlot(h: number, fp: number, mask: number): number {
    const a = this.inflight
    this.sharing = false
    for (let p = 0; p < PROBES; p++) {
      const i = (h + p) & mask
      const f = Atomics.load(a, i * IF_INTS)
      if (f === fp) return i
      // An empty slot, or one nobody is in: lock its count (-1), hand it over, unlock.
      if (f === 0 || Atomics.load(a, i * IF_INTS + 1) === 0) {
        if (Atomics.compareExchange(a, i * IF_INTS + 1, 0, -1) !== 0) continue
        Atomics.store(a, i * IF_INTS, fp)
        Atomics.store(a, i * IF_INTS + 1, 0)
        return i
      }
    }
    this.sharing = true
    return h & mask
  }

  /** Test hook: how many requests are in flight in a slot. */
  inFlight(slot: number): number {
    return Atomics.load(this.inflight, slot * IF_INTS + 1)
  }
}
