// What a worker posts to the primary (structured-cloneable, no class instances).

/** Counters of one entrypoint, router or service since the previous snapshot. */
export interface CounterDelta {
  name: string
  /**
   * Rows of ROW_WIDTH numbers per (code slot, method):
   * [count, sum of seconds, response bytes, bucket_0 .. bucket_n-1]; bucket_i counts
   * durations in (bound_i-1, bound_i], not cumulative. Code slots index MetricsSnapshot.codes.
   */
  rows: Float64Array
}

export interface LatencyDelta {
  /** Service name, or '' for every request the worker served. */
  name: string
  /** 'total': request start to response end; 'upstream': to the backend's response headers. */
  kind: 'total' | 'upstream'
  /** Flat [hdr index, count, ...] pairs (see hdr-layout.ts). */
  pairs: Float64Array
  /** Exact maximum in µs. */
  max: number
}

export interface MetricsSnapshot {
  /** Prometheus bucket bounds (seconds) the rows were counted with. */
  buckets: number[]
  /** Status code of each code slot. */
  codes: number[]
  entryPoints: CounterDelta[]
  routers: CounterDelta[]
  services: CounterDelta[]
  latency: LatencyDelta[]
  /** Worker thread id */
  worker: number
}

/** Row width for a number of bucket bounds. */
export function rowWidth(buckets: number): number {
  return 3 + buckets
}

/** Traefik's default duration buckets (seconds). */
export const DEFAULT_BUCKETS = [0.1, 0.3, 1.2, 5]
