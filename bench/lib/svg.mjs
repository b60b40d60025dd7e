// Latency-by-percentile plot (the HdrHistogram plot: x is 1/(1-percentile) on
// a log scale, so the tail gets room; y is latency, also logarithmic) as a
// self-contained SVG.

const COLORS = ['#444444', '#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf']
/** Percentiles from 0 to 99.999, ten per decade of 1/(1-p). */
export const PLOT_PERCENTILES = Array.from({ length: 51 }, (_, k) => 100 * (1 - 10 ** (-k / 10)))

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])

/**
 * series: [{ name, points: [{ percentile (0..100), ms }] }] -> SVG text.
 * The y axis spans whole decades around the values plotted.
 */
export function percentilePlot(title, series) {
  const W = 760, H = 420, L = 60, R = 170, T = 40, B = 50
  const pw = W - L - R, ph = H - T - B
  const xMax = 5 // 1/(1-p) up to 10^5, i.e. 99.999%
  const x = (p) => L + (Math.min(xMax, -Math.log10(Math.max(1e-5, 1 - p / 100))) / xMax) * pw
  // log y: one proxy's tail can be 100x another's median; decades keep both readable
  const values = series.flatMap((s) => s.points.map((pt) => pt.ms)).filter((v) => v > 0)
  const lo = Math.floor(Math.log10(Math.min(1, ...values)))
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(0.001, ...values))))
  const y = (ms) => T + ph - ((Math.log10(Math.max(ms, 10 ** lo)) - lo) / (hi - lo)) * ph
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ]
  for (let e = lo; e <= hi; e++) {
    for (const m of e < hi ? [1, 2, 5] : [1]) {
      const v = m * 10 ** e
      out.push(`<line x1="${L}" x2="${L + pw}" y1="${y(v)}" y2="${y(v)}" stroke="${m === 1 ? '#d0d0d0' : '#f0f0f0'}"/>`)
      out.push(`<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end"${m === 1 ? '' : ' fill="#999"'}>${+v.toPrecision(1)}</text>`)
    }
  }
  ;['0%', '90%', '99%', '99.9%', '99.99%', '99.999%'].forEach((label, k) => {
    const px = L + (k / xMax) * pw
    out.push(`<line x1="${px}" x2="${px}" y1="${T}" y2="${T + ph}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${px}" y="${T + ph + 18}" text-anchor="middle">${label}</text>`)
  })
  out.push(`<text x="${L + pw / 2}" y="${H - 8}" text-anchor="middle">percentile</text>`)
  out.push(`<text transform="translate(16 ${T + ph / 2}) rotate(-90)" text-anchor="middle">latency (ms)</text>`)
  out.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`)
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]
    const d = s.points.map((pt, j) => `${j ? 'L' : 'M'}${x(pt.percentile).toFixed(1)},${y(pt.ms).toFixed(1)}`).join(' ')
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`)
    out.push(`<line x1="${L + pw + 12}" x2="${L + pw + 32}" y1="${T + 10 + i * 20}" y2="${T + 10 + i * 20}" stroke="${color}" stroke-width="3"/>`)
    out.push(`<text x="${L + pw + 38}" y="${T + 14 + i * 20}">${esc(s.name)}</text>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
