// The latency histogram layout shared by workers and the primary.
// This file imports nothing: workers load it, and hdr-histogram-js costs
// ~17 MB per thread (src/metrics/hdr-histogram.ts is the primary's side).
//
// Workers count latencies (microseconds) straight into a Uint32Array laid out
// exactly like an hdr-histogram-js histogram with lowestDiscernibleValue 1,
// 3 significant digits: hdr-histogram-js's own recordValue costs ~120 ns
// (Math.log2/pow on doubles) where this integer index costs ~7 ns. The primary
// turns the (index, count) pairs back into hdr-histogram-js histograms with
// valueFromIndex + recordValueWithCount; test/unit/metrics-hdr-layout.test.ts
// checks the index against hdr-histogram-js's countsArrayIndex.

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
