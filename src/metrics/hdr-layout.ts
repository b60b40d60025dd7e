// The latency histogram layout shared by workers and the primary.
//
// Workers count latencies (microseconds) straight into a Uint32Array laid out
// exactly like an hdr-histogram-js histogram with lowestDiscernibleValue 1,
// 3 significant digits: hdr-histogram-js's own recordValue costs ~120 ns
// (Math.log2/pow on doubles) where this integer index costs ~7 ns. The primary
// turns the (index, count) pairs back into hdr-histogram-js histograms with
// valueFromIndex + recordValueWithCount; test/unit/metrics-hdr-layout.test.ts
// checks the index against hdr-histogram-js's countsArrayIndex.
import { PackedHistogram } from 'hdr-histogram-js'

export const HDR_LOWEST = 1
/** Largest value (µs, ~35.8 min) kept apart; longer requests count as this. */
export const HDR_HIGHEST = 0x7fffffff
export const HDR_DIGITS = 3
/** log2 of half the sub-bucket count for 3 digits (subBucketCount 2048). */
const HALF_MAG = 10
const HALF_COUNT = 1 << HALF_MAG

/** Counts-array length covering HDR_LOWEST..HDR_HIGHEST. */
export const HDR_LENGTH = latencyIndex(HDR_HIGHEST) + 1

/** hdr-histogram-js countsArrayIndex for an integer 0 <= us <= HDR_HIGHEST. */
export function latencyIndex(us: number): number {
  const bucket = 31 - Math.clz32(us | (2 * HALF_COUNT - 1)) - HALF_MAG
  return ((bucket + 1) << HALF_MAG) + (us >>> bucket) - HALF_COUNT
}

/** A primary-side histogram with the same layout (packed: memory grows with what is recorded). */
export function newHistogram(): PackedHistogram {
  return new PackedHistogram(HDR_LOWEST, HDR_HIGHEST, HDR_DIGITS)
}

/** Adds flat [index, count, index, count, ...] pairs from a worker into h. */
export function addPairs(h: PackedHistogram, pairs: ArrayLike<number>): void {
  for (let i = 0; i < pairs.length; i += 2) h.recordValueWithCount(h.valueFromIndex(pairs[i]), pairs[i + 1])
}
