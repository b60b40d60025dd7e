// What a worker posts to the primary (structured-cloneable, no class instances).

/** Counters of one entrypoint, router or service since the previous snapshot. */
export interface CounterDelta {
  name: string
  /**
   * Rows of rowWidth() numbers per (code slot, method), at the ROW_* offsets:
   * [count, sum of seconds, response bytes, request body bytes, bucket_0 .. bucket_n-1];
   * bucket_i counts durations in (bound_i-1, bound_i], not cumulative. Code
   * slots index MetricsSnapshot.codes.
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

/** Offsets in a counter row. */
export const ROW_COUNT = 0
export const ROW_SECONDS = 1
export const ROW_BYTES_OUT = 2
export const ROW_BYTES_IN = 3
export const ROW_BUCKETS = 4

/** Row width for a number of bucket bounds. */
export function rowWidth(buckets: number): number {
  return ROW_BUCKETS + buckets
}

/** Traefik's default duration buckets (seconds). */
export const DEFAULT_BUCKETS = [0.1, 0.3, 1.2, 5]
