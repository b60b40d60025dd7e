// The primary's merged view of every worker's metrics: exact counters since
// start, hdr-histogram-js latency histograms since start, and a one-minute
// window of per-second slots for rates and recent percentiles.
import type { PackedHistogram } from 'hdr-histogram-js'
import { addPairs, newHistogram } from './hdr-histogram.js'
import { METHODS } from './methods.js'
import { DEFAULT_BUCKETS, rowWidth, type CounterDelta, type LatencyDelta, type MetricsSnapshot } from './snapshot.js'
import { SecondsWindow, latencyKey, type Slot } from './window.js'

const M = METHODS.length

/** Cumulative values of one (code, method) pair, laid out as a CounterDelta row (ROW_* in snapshot.ts). */
export interface CounterRow {
  code: number
  method: number
  values: Float64Array
}

export interface LatencySummary {
  /** Requests counted */
  count: number
  /** Milliseconds */
  mean: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
  /** [percentile, ms] points for a percentile chart */
  curve: [number, number][]
}

export type LatencyKind = LatencyDelta['kind']
export type LatencyRange = 'minute' | 'start'

const CURVE = [0, 50, 75, 90, 95, 99, 99.9, 99.99, 100]

export interface MetricsStoreOptions {
  /** Must equal the workers' buckets; default Traefik's [0.1, 0.3, 1.2, 5]. */
  buckets?: number[]
  /** Length of the recent window in seconds; default 60. */
  windowSeconds?: number
}

/** Line counters of the access log writer, shown in /metrics. */
export interface AccessLogCounters {
  readonly written: number
  readonly dropped: number
}

export class MetricsStore {
  readonly buckets: number[]
  readonly startedAt = Date.now()
  readonly entryPoints = new Map<string, Map<number, CounterRow>>()
  readonly routers = new Map<string, Map<number, CounterRow>>()
  readonly services = new Map<string, Map<number, CounterRow>>()
  /**
   * Open client connections per entrypoint, counted by the primary (uWS 20.30
   * tells a worker of no connection opening or closing); none until set.
   */
  countConnections: () => Map<string, number> = () => new Map()
  /** Set by the primary when the access log is on. */
  accessLog?: AccessLogCounters
  /** Requests merged since start (every entrypoint). */
  requests = 0
  readonly window: SecondsWindow
  readonly #width: number
  readonly #sinceStart = new Map<string, { h: PackedHistogram; max: number }>()

  constructor(opts: MetricsStoreOptions = {}) {
    this.buckets = [...(opts.buckets ?? DEFAULT_BUCKETS)]
    this.#width = rowWidth(this.buckets.length)
    this.window = new SecondsWindow(opts.windowSeconds ?? 60)
  }

  /** Adds one worker's snapshot. Counters are summed exactly; histograms are merged. */
  merge(snap: MetricsSnapshot, nowMs = Date.now()): void {
    if (snap.buckets.length !== this.buckets.length || snap.buckets.some((b, i) => b !== this.buckets[i])) {
      throw Object.assign(new Error(`metrics snapshot buckets [${snap.buckets.join(', ')}] differ from the store's [${this.buckets.join(', ')}]`), {
        code: 'METRICS_BUCKETS_MISMATCH',
      })
    }
    const slot = this.window.slot(nowMs)
    for (const d of snap.entryPoints) {
      const n = this.#addRows(this.entryPoints, d, snap.codes)
      this.requests += n
      slot.requests += n
      bump(slot.entryPoints, d.name, n)
    }
    for (const d of snap.routers) bump(slot.routers, d.name, this.#addRows(this.routers, d, snap.codes))
    for (const d of snap.services) bump(slot.services, d.name, this.#addRows(this.services, d, snap.codes))
    for (const l of snap.latency) {
      const key = latencyKey(l.kind, l.name)
      let all = this.#sinceStart.get(key)
      if (all === undefined) this.#sinceStart.set(key, (all = { h: newHistogram(), max: 0 }))
      addPairs(all.h, l.pairs)
      all.max = Math.max(all.max, l.max)
      let recent = slot.latency.get(key)
      if (recent === undefined) slot.latency.set(key, (recent = { pairs: [], max: 0 }))
      recent.pairs.push(l.pairs)
      recent.max = Math.max(recent.max, l.max)
    }
  }

  get openConnections(): Map<string, number> {
    return this.countConnections()
  }

  /** Latency of one service ('' = every request), or undefined if nothing was recorded. */
  latency(name: string, kind: LatencyKind, range: LatencyRange, nowMs = Date.now()): { h: PackedHistogram; maxUs: number } | undefined {
    const key = latencyKey(kind, name)
    if (range === 'start') {
      const all = this.#sinceStart.get(key)
      return all && { h: all.h, maxUs: all.max }
    }
    let h: PackedHistogram | undefined
    let maxUs = 0
    for (const s of this.window.recent(nowMs)) {
      const r = s.latency.get(key)
      if (r === undefined) continue
      h ??= newHistogram()
      for (const p of r.pairs) addPairs(h, p)
      maxUs = Math.max(maxUs, r.max)
    }
    return h && { h, maxUs }
  }

  summary(name: string, kind: LatencyKind, range: LatencyRange, nowMs = Date.now()): LatencySummary | undefined {
    const l = this.latency(name, kind, range, nowMs)
    return l && summarize(l.h, l.maxUs)
  }

  /** Service names (and '' for the total) with latency recorded since start. */
  latencyNames(): string[] {
    const names = new Set<string>()
    for (const key of this.#sinceStart.keys()) names.add(key.slice(key.indexOf('\0') + 1))
    return [...names].sort()
  }

  /** Requests per second over the last `seconds` complete seconds, in total and by name. */
  rates(seconds = 5, nowMs = Date.now()): { total: number; entryPoints: Record<string, number>; routers: Record<string, number>; services: Record<string, number> } {
    const slots = this.window.recent(nowMs, seconds, true)
    const per = (pick: (s: Slot) => Map<string, number>): Record<string, number> => {
      const out: Record<string, number> = {}
      for (const s of slots) for (const [k, v] of pick(s)) out[k] = (out[k] ?? 0) + v / seconds
      return out
    }
    return {
      total: slots.reduce((a, s) => a + s.requests, 0) / seconds,
      entryPoints: per((s) => s.entryPoints),
      routers: per((s) => s.routers),
      services: per((s) => s.services),
    }
  }

  /** Adds a worker's rows for one name; returns how many requests they count. */
  #addRows(into: Map<string, Map<number, CounterRow>>, d: CounterDelta, codes: number[]): number {
    const w = this.#width
    let table = into.get(d.name)
    if (table === undefined) into.set(d.name, (table = new Map()))
    let n = 0
    for (let off = 0; off + w <= d.rows.length; off += w) {
      const count = d.rows[off]
      if (count === 0) continue
      const slot = Math.floor(off / w / M)
      const method = (off / w) % M
      const code = codes[slot]
      const key = code * M + method
      let row = table.get(key)
      if (row === undefined) table.set(key, (row = { code, method, values: new Float64Array(w) }))
      for (let i = 0; i < w; i++) row.values[i] += d.rows[off + i]
      n += count
    }
    return n
  }
}

function bump(m: Map<string, number>, key: string, n: number): void {
  if (n !== 0) m.set(key, (m.get(key) ?? 0) + n)
}

const ms = (us: number): number => Math.round(us) / 1000

function summarize(h: PackedHistogram, maxUs: number): LatencySummary {
  // HDR reports the top of a value's bucket (within 0.1%); never above the exact maximum.
  const at = (p: number): number => ms(p === 100 ? maxUs : Math.min(h.getValueAtPercentile(p), maxUs))
  return {
    count: h.totalCount,
    mean: Math.round(h.mean) / 1000,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: ms(maxUs),
    curve: CURVE.map((p) => [p, at(p)]),
  }
}
