// The primary's side of the latency layout (src/metrics/hdr-layout.ts):
// real hdr-histogram-js histograms rebuilt from the workers' (index, count) pairs.
// PackedHistogram's own file, not the package index: the index also loads the
// WebAssembly build (a base64 blob, pako, and a UTF-16 TextDecoder that maps
// ICU's converter data), ~9 MB of RSS pier never uses.
import packed from 'hdr-histogram-js/dist/PackedHistogram.js'
import type { PackedHistogram } from 'hdr-histogram-js'
import { HDR_DIGITS, HDR_HIGHEST, HDR_LOWEST } from './hdr-layout.js'

/** A primary-side histogram with the same layout (packed: memory grows with what is recorded). */
export function newHistogram(): PackedHistogram {
  return new packed.default(HDR_LOWEST, HDR_HIGHEST, HDR_DIGITS)
}

/** Adds flat [index, count, index, count, ...] pairs from a worker into h. */
export function addPairs(h: PackedHistogram, pairs: ArrayLike<number>): void {
  for (let i = 0; i < pairs.length; i += 2) h.recordValueWithCount(h.valueFromIndex(pairs[i]), pairs[i + 1])
}
