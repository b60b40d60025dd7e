// pier dashboard: renders the live view that /api/pier/events streams.
// Plain browser JavaScript, no dependencies (it must work offline on a Pi).
'use strict'

const $ = (id) => document.getElementById(id)
const rateHistory = []
let last = null

/** Builds an element; children are nodes or text (never parsed as HTML). */
function h(tag, attrs, ...children) {
  const el = tag.startsWith('svg:') ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag)
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v))
  for (const c of children.flat()) if (c !== undefined && c !== null) el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  return el
}

const fmtRate = (r) => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2))
const fmtMs = (v) => (v === null || v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2))
const badge = (status) => h('span', { class: `badge ${status}` }, status)

function matches(...values) {
  const q = $('search').value.trim().toLowerCase()
  return q === '' || values.some((v) => String(v).toLowerCase().includes(q))
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows)
}

function renderEntryPoints(view) {
  fill($('entrypoints').tBodies[0], view.entryPoints.map((ep) =>
    h('tr', { 'data-entrypoint': ep.name }, h('td', null, ep.name), h('td', null, h('code', null, ep.address)), h('td', { class: 'num' }, fmtRate(ep.rate)), h('td', { class: 'num' }, ep.open))))
}

function renderRouters(view) {
  const rows = view.routers.filter((r) => matches(r.name, r.rule, r.service)).map((r) =>
    h('tr', { 'data-router': r.name },
      h('td', null, badge(r.status)),
      h('td', null, r.name, r.errors.length ? h('ul', { class: 'errors' }, r.errors.map((e) => h('li', null, e))) : null),
      h('td', null, h('code', null, r.rule)),
      h('td', null, r.entryPoints.join(', ')),
      h('td', null, r.service),
      h('td', null, r.provider),
      h('td', { class: 'num' }, r.priority),
      h('td', { class: 'num' }, fmtRate(r.rate))))
  if (rows.length === 0) rows.push(h('tr', null, h('td', { colspan: 8, class: 'muted' }, view.routers.length ? 'no router matches the filter' : 'no routers yet')))
  fill($('routers').tBodies[0], rows)
}

/** x position of a percentile: log scale of 1/(1-p), so the tail gets room; max sits one decade past 99.99. */
function px(p) {
  return p >= 100 ? 5 : Math.log10(1 / (1 - p / 100))
}

/** Latency-by-percentile chart (inline SVG) of total and upstream curves. */
function chart(entry, title) {
  const W = 360, H = 150, L = 40, R = 16, T = 8, B = 22
  const pick = entry && (entry.lastMinute.total ? entry.lastMinute : entry.sinceStart.total ? entry.sinceStart : null)
  const svg = h('svg:svg', { class: 'chart', width: W, height: H, viewBox: `0 0 ${W} ${H}`, 'data-points': pick ? pick.total.curve.length : 0, role: 'img', 'aria-label': title })
  if (!pick) {
    svg.append(h('svg:text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'no requests yet'))
    return svg
  }
  const curves = [['total', pick.total], ['upstream', pick.upstream]].filter(([, s]) => s)
  const top = Math.max(0.001, ...curves.flatMap(([, s]) => s.curve.map(([, v]) => v))) * 1.1
  const x = (p) => L + (px(p) / 5) * (W - L - R)
  const y = (v) => T + (1 - v / top) * (H - T - B)
  for (const [p, label] of [[0, '0'], [90, '90'], [99, '99'], [99.9, '99.9'], [99.99, '99.99'], [100, 'max']]) {
    svg.append(h('svg:line', { class: 'grid', x1: x(p), x2: x(p), y1: T, y2: H - B }), h('svg:text', { x: x(p), y: H - 8, 'text-anchor': 'middle' }, label))
  }
  for (const f of [0, 0.5, 1]) {
    svg.append(h('svg:line', { class: 'grid', x1: L, x2: W - R, y1: y(top * f), y2: y(top * f) }), h('svg:text', { x: L - 4, y: y(top * f) + 3, 'text-anchor': 'end' }, fmtMs(top * f)))
  }
  for (const [kind, s] of curves) svg.append(h('svg:polyline', { class: kind, points: s.curve.map(([p, v]) => `${x(p).toFixed(1)},${y(v).toFixed(1)}`).join(' ') }))
  return svg
}

function latencyBlock(entry, title) {
  const row = (label, key, s) =>
    h('tr', { 'data-latency': key }, h('td', null, label), ...['p50', 'p90', 'p99', 'p999', 'max'].map((k) => h('td', { class: 'num' }, s ? fmtMs(s[k]) : '-')), h('td', { class: 'num', 'data-count': s ? s.count : 0 }, s ? s.count : 0))
  const window = entry && entry.lastMinute.total ? 'last minute' : 'since start'
  return [
    h('table', { class: 'servers' },
      h('tr', null, h('th', null, 'ms'), ...['p50', 'p90', 'p99', 'p99.9', 'max', 'count'].map((k) => h('th', null, k))),
      row('last minute', 'minute', entry && entry.lastMinute.total),
      row('since start', 'start', entry && entry.sinceStart.total),
      row('upstream, 1 min', 'upstream-minute', entry && entry.lastMinute.upstream)),
    chart(entry, title),
    h('div', { class: 'legend' }, `by percentile, ${window}:`, h('i', { style: 'background: var(--accent)' }), 'total', h('i', { style: 'background: var(--accent2)' }), 'to upstream headers'),
  ]
}

function renderServices(view) {
  const cards = view.services.filter((s) => matches(s.name, ...s.servers.map((x) => x.url))).map((s) =>
    h('div', { class: 'card', 'data-service': s.name },
      h('h3', null, badge(s.status), s.name, h('span', { class: 'muted' }, s.provider), h('span', { class: 'muted' }, `${fmtRate(s.rate)} req/s`)),
      s.errors.length ? h('ul', { class: 'errors' }, s.errors.map((e) => h('li', null, e))) : null,
      h('table', { class: 'servers' },
        h('tr', null, h('th', null, 'Server'), h('th', null, 'Weight'), h('th', null, 'Health')),
        s.servers.map((srv) => h('tr', { 'data-server': srv.url }, h('td', null, h('code', null, srv.url)), h('td', { class: 'num' }, srv.weight), h('td', null, badge(srv.status))))),
      h('div', { class: 'muted' }, `used by ${s.usedBy.join(', ') || 'no router'}`),
      latencyBlock(s.latency, `latency of ${s.name}`)))
  if (cards.length === 0) cards.push(h('p', { class: 'muted' }, view.services.length ? 'no service matches the filter' : 'no services yet'))
  $('services').replaceChildren(...cards)
}

function renderHeader(view) {
  $('version').textContent = `v${view.version}, up since ${new Date(view.startDate).toLocaleString()}`
  $('rate').textContent = fmtRate(view.total.rate)
  $('requests').textContent = view.total.requests
  const m = view.total.latency && view.total.latency.lastMinute.total
  $('p50').textContent = fmtMs(m && m.p50)
  $('p99').textContent = fmtMs(m && m.p99)
  const top = Math.max(1, ...rateHistory)
  $('spark').replaceChildren(h('svg:polyline', { points: rateHistory.map((r, i) => `${(i / 59) * 160},${34 - (r / top) * 32}`).join(' ') }))
  $('total-latency').replaceChildren(...latencyBlock(view.total.latency, 'latency of every request'))
}

function render(view) {
  last = view
  renderHeader(view)
  renderEntryPoints(view)
  renderRouters(view)
  renderServices(view)
}

function connect() {
  const es = new EventSource('../api/pier/events')
  es.addEventListener('state', (ev) => {
    $('conn').className = 'badge live'
    $('conn').textContent = 'live'
    const view = JSON.parse(ev.data)
    rateHistory.push(view.total.rate)
    if (rateHistory.length > 60) rateHistory.shift()
    render(view)
  })
  es.onerror = () => {
    $('conn').className = 'badge lost'
    $('conn').textContent = 'reconnecting'
  }
}

$('search').addEventListener('input', () => last && render(last))
connect()
