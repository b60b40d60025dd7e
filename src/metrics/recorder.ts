// Per-worker metrics recording. record() runs after every proxied response and
// allocates nothing: counters live in Float64Arrays per entrypoint, router and
// service, latencies in Uint32Array counts laid out like hdr-histogram-js.
// snapshot() hands the deltas to the primary (every second, before each table
// swap, at shutdown) and zeroes them.
import { threadId } from 'node:worker_threads'
import { HDR_HIGHEST, HDR_LENGTH, latencyIndex } from './hdr-layout.js'
import { METHODS } from './methods.js'
import { DEFAULT_BUCKETS, ROW_BUCKETS, ROW_BYTES_IN, ROW_BYTES_OUT, ROW_COUNT, ROW_SECONDS, rowWidth, type CounterDelta, type LatencyDelta, type MetricsSnapshot } from './snapshot.js'

const M = METHODS.length
/** Status codes are 0..999; anything else is counted as 0. */
const STATUS_LIMIT = 1000
const INITIAL_CODE_SLOTS = 8

/** Latency counts since the last snapshot; the counts array is made on first use. */
class LatencyCounts {
  counts: Uint32Array | null = null
  lo = HDR_LENGTH
  hi = -1
  max = 0

  add(us: number): void {
    if (this.counts === null) this.counts = new Uint32Array(HDR_LENGTH)
    const i = latencyIndex(us)
    this.counts[i]++
    if (i < this.lo) this.lo = i
    if (i > this.hi) this.hi = i
    if (us > this.max) this.max = us
  }

  /** Non-zero [index, count] pairs since the last take, or null if none; zeroes them. */
  take(): Float64Array | null {
    const c = this.counts
    if (c === null || this.hi < 0) return null
    let n = 0
    for (let i = this.lo; i <= this.hi; i++) if (c[i] !== 0) n++
    const pairs = new Float64Array(n * 2)
    let j = 0
    for (let i = this.lo; i <= this.hi; i++) {
      if (c[i] === 0) continue
      pairs[j++] = i
      pairs[j++] = c[i]
    }
    c.fill(0, this.lo, this.hi + 1)
    this.lo = HDR_LENGTH
    this.hi = -1
    return pairs
  }
}

/** What is counted for one entrypoint, router or service name. */
class Stats {
  dirty = false
  readonly total = new LatencyCounts()
  readonly upstream = new LatencyCounts()
  constructor(
    readonly name: string,
    public rows: Float64Array,
  ) {}
}

export interface RecorderOptions {
  /** Prometheus duration bucket bounds in seconds; default Traefik's [0.1, 0.3, 1.2, 5]. */
  buckets?: number[]
  /** Identifies this worker in snapshots; default the worker thread id. */
  worker?: number
}

export class WorkerRecorder {
  readonly buckets: number[]
  readonly worker: number
  readonly #bounds: Float64Array
  readonly #width: number
  /** status code -> code slot, -1 when not seen yet */
  readonly #slotOf = new Int16Array(STATUS_LIMIT).fill(-1)
  readonly #codes: number[] = []
  #codeCap = INITIAL_CODE_SLOTS
  #eps: Stats[] = []
  #routers: Stats[] = []
  #services: Stats[] = []
  /** name -> stats, kept across swaps so a name keeps its arrays. */
  readonly #byName = [new Map<string, Stats>(), new Map<string, Stats>(), new Map<string, Stats>()]
  readonly #all = new Stats('', new Float64Array(0))
  /** Scratch for record(): the entrypoint, router and service of one response. */
  readonly #targets: (Stats | undefined)[] = [undefined, undefined, undefined]

  constructor(opts: RecorderOptions = {}) {
    const buckets = opts.buckets ?? DEFAULT_BUCKETS
    for (let i = 0; i < buckets.length; i++) {
      if (!(buckets[i] > 0) || (i > 0 && buckets[i] <= buckets[i - 1])) {
        throw Object.assign(new Error(`metrics buckets must be positive and increasing, got [${buckets.join(', ')}]`), { code: 'METRICS_BAD_BUCKETS' })
      }
    }
    this.buckets = [...buckets]
    this.worker = opts.worker ?? threadId
    this.#bounds = Float64Array.from(buckets)
    this.#width = rowWidth(buckets.length)
  }

  /** Names by table index for the table being swapped in. Records made so far keep their old names. */
  setNames(entryPoints: string[], routers: string[], services: string[]): void {
    this.#eps = entryPoints.map((n) => this.#stats(0, n))
    this.#routers = routers.map((n) => this.#stats(1, n))
    this.#services = services.map((n) => this.#stats(2, n))
  }

  /**
   * One proxied response. router/service are -1 when none matched; upstreamHeadersNs is -1
   * when no backend answered; method indexes METHODS; bytesIn counts the request body.
   */
  record(entryPoint: number, router: number, service: number, status: number, totalNs: number, upstreamHeadersNs: number, method: number, bytesOut: number, bytesIn: number): void {
    if (!(status >= 0 && status < STATUS_LIMIT)) status = 0
    let slot = this.#slotOf[status]
    if (slot < 0) slot = this.#newSlot(status)
    if (!(method >= 0 && method < M)) method = M - 1
    const off = (slot * M + method) * this.#width
    const seconds = totalNs / 1e9
    const bounds = this.#bounds
    let b = 0
    while (b < bounds.length && seconds > bounds[b]) b++
    if (b === bounds.length) b = -1 // above the last bound: only in +Inf (the count)
    // Written out without helper calls: a double passed to a call that is not
    // inlined gets boxed, which is an allocation per request.
    const t = this.#targets
    t[0] = this.#eps[entryPoint]
    t[1] = router >= 0 ? this.#routers[router] : undefined
    t[2] = service >= 0 ? this.#services[service] : undefined
    for (let k = 0; k < 3; k++) {
      const st = t[k]
      if (st === undefined) continue
      const rows = st.rows
      rows[off + ROW_COUNT]++
      rows[off + ROW_SECONDS] += seconds
      rows[off + ROW_BYTES_OUT] += bytesOut
      rows[off + ROW_BYTES_IN] += bytesIn
      if (b >= 0) rows[off + ROW_BUCKETS + b]++
      st.dirty = true
    }
    const s = t[2]
    t[0] = t[1] = t[2] = undefined
    const us = totalNs >= HDR_HIGHEST * 1000 ? HDR_HIGHEST : totalNs > 0 ? (totalNs / 1000) | 0 : 0
    this.#all.total.add(us)
    this.#all.dirty = true
    if (s !== undefined) s.total.add(us)
    if (upstreamHeadersNs >= 0) {
      const up = upstreamHeadersNs >= HDR_HIGHEST * 1000 ? HDR_HIGHEST : (upstreamHeadersNs / 1000) | 0
      this.#all.upstream.add(up)
      if (s !== undefined) s.upstream.add(up)
    }
  }

  /** Everything recorded since the previous snapshot; resets the deltas. */
  snapshot(): MetricsSnapshot {
    const snap: MetricsSnapshot = {
      buckets: this.buckets,
      codes: [...this.#codes],
      entryPoints: [],
      routers: [],
      services: [],
      latency: [],
      worker: this.worker,
    }
    const used = this.#codes.length * M * this.#width
    const lists = [snap.entryPoints, snap.routers, snap.services]
    const current = [this.#eps, this.#routers, this.#services]
    for (let k = 0; k < 3; k++) {
      for (const [name, st] of this.#byName[k]) {
        if (st.dirty) {
          lists[k].push({ name, rows: st.rows.slice(0, used) } satisfies CounterDelta)
          st.rows.fill(0, 0, used)
          if (k === 2) takeLatency(st, snap.latency)
          st.dirty = false
        } else if (!current[k].includes(st)) {
          // Gone from the table and flushed: forget it.
          this.#byName[k].delete(name)
        }
      }
    }
    if (this.#all.dirty) takeLatency(this.#all, snap.latency)
    this.#all.dirty = false
    return snap
  }

  #stats(kind: number, name: string): Stats {
    let st = this.#byName[kind].get(name)
    if (st === undefined) {
      st = new Stats(name, new Float64Array(this.#codeCap * M * this.#width))
      this.#byName[kind].set(name, st)
    }
    return st
  }

  /** First time a status code is seen by this worker: give it a slot, growing every row array if full. */
  #newSlot(status: number): number {
    const slot = this.#codes.length
    if (slot === this.#codeCap) {
      this.#codeCap *= 2
      for (const m of this.#byName) {
        for (const st of m.values()) {
          const rows = new Float64Array(this.#codeCap * M * this.#width)
          rows.set(st.rows)
          st.rows = rows
        }
      }
    }
    this.#codes.push(status)
    this.#slotOf[status] = slot
    return slot
  }
}

function takeLatency(st: Stats, out: LatencyDelta[]): void {
  const t = st.total.take()
  if (t !== null) out.push({ name: st.name, kind: 'total', pairs: t, max: st.total.max })
  const u = st.upstream.take()
  if (u !== null) out.push({ name: st.name, kind: 'upstream', pairs: u, max: st.upstream.max })
  st.total.max = 0
  st.upstream.max = 0
}
