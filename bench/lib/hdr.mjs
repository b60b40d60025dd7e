// Latency histograms for the harness: recorded in microseconds, merged across
// load-generator processes and repeats, written as .hgrm in milliseconds, and
// read back from .hgrm text (pier's server-side distribution arrives that way).
import hdr from 'hdr-histogram-js'

/** 1 µs resolution up to 60 s, 3 significant digits (0.1% value error). */
export function newHistogram() {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 })
}

export const encode = (h) => hdr.encodeIntoCompressedBase64(h)

/** Adds every encoded histogram into one new histogram. */
export function mergeEncoded(encodedList) {
  const total = newHistogram()
  for (const s of encodedList) {
    const h = hdr.decodeFromCompressedBase64(s)
    total.add(h)
  }
  return total
}

/** Percentiles in milliseconds (floats) from a µs histogram. */
export function summarize(h) {
  const ms = (p) => h.getValueAtPercentile(p) / 1000
  return { count: h.totalCount, p50: ms(50), p90: ms(90), p99: ms(99), p999: ms(99.9), max: h.maxValue / 1000 }
}

/** The HdrHistogram percentile distribution text (.hgrm), values in ms. */
export function toHgrm(h) {
  return h.outputPercentileDistribution(5, 1000)
}

/**
 * Parses .hgrm text into rows { value, percentile (0..1), count }.
 * Throws a coded error naming the line when a row is malformed.
 */
export function parseHgrm(text) {
  const rows = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '' || line.startsWith('Value') || line.startsWith('#')) continue
    const cols = line.split(/\s+/)
    if (cols.length < 3) throw codedError('EHGRM', `hgrm line ${i + 1}: expected value, percentile, count; got "${line}"`)
    const [value, percentile, count] = cols.slice(0, 3).map(Number)
    if (![value, percentile, count].every(Number.isFinite) || percentile < 0 || percentile > 1) {
      throw codedError('EHGRM', `hgrm line ${i + 1}: not a distribution row: "${line}"`)
    }
    rows.push({ value, percentile, count })
  }
  if (rows.length === 0) throw codedError('EHGRM', 'hgrm text has no distribution rows')
  return rows
}

/** The value at percentile p (0..100) from parsed rows: the first row at or above it. */
export function hgrmPercentile(rows, p) {
  const q = p / 100
  for (const r of rows) if (r.percentile >= q) return r.value
  return rows[rows.length - 1].value
}

export function hgrmSummary(rows) {
  return { p50: hgrmPercentile(rows, 50), p90: hgrmPercentile(rows, 90), p99: hgrmPercentile(rows, 99), p999: hgrmPercentile(rows, 99.9) }
}

/** Median, min and max of numbers (the median of an even count is the mean of the middle two). */
export function spread(values) {
  if (values.length === 0) return { median: 0, min: 0, max: 0 }
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
  return { median, min: s[0], max: s[s.length - 1] }
}

export function codedError(code, message) {
  return Object.assign(new Error(message), { code })
}
