import t from 'tap'
import { Int32Histogram } from 'hdr-histogram-js'
import { HDR_DIGITS, HDR_HIGHEST, HDR_LENGTH, HDR_LOWEST, latencyIndex } from '../../src/metrics/hdr-layout.js'
import { newHistogram, addPairs } from '../../src/metrics/hdr-histogram.js'

t.test('latencyIndex is hdr-histogram-js countsArrayIndex', async (t) => {
  const h = new Int32Histogram(HDR_LOWEST, HDR_HIGHEST, HDR_DIGITS)
  t.equal(HDR_LENGTH, h.countsArrayLength)
  const values = [0, 1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 123_456, 1_000_000, 2 ** 30, HDR_HIGHEST]
  for (let v = 1; v < HDR_HIGHEST / 3; v = Math.floor(v * 1.37) + 1) values.push(v, v + 1, v - 1)
  let bad = 0
  for (const v of values) if (latencyIndex(v) !== h.countsArrayIndex(v)) bad++
  t.equal(bad, 0, `${values.length} values map to the same index`)
})

t.test('pairs rebuild the same percentiles on the primary', async (t) => {
  const direct = new Int32Histogram(HDR_LOWEST, HDR_HIGHEST, HDR_DIGITS)
  const counts = new Map<number, number>()
  for (let i = 1; i <= 10_000; i++) {
    const us = i * 37
    direct.recordValue(us)
    const idx = latencyIndex(us)
    counts.set(idx, (counts.get(idx) ?? 0) + 1)
  }
  const rebuilt = newHistogram()
  addPairs(rebuilt, [...counts].flat())
  t.equal(rebuilt.totalCount, 10_000)
  for (const p of [50, 90, 99, 99.9]) t.equal(rebuilt.getValueAtPercentile(p), direct.getValueAtPercentile(p), `p${p}`)
})
