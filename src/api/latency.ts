// /api/pier/latency: percentiles per service and in total, over the last
// minute and since start, or one whole distribution as .hgrm text.
import type { LatencyKind, LatencyRange, LatencySummary, MetricsStore } from '../metrics/store.js'
import { QueryError } from './paging.js'

export interface LatencyPair {
  total: LatencySummary | null
  upstream: LatencySummary | null
}

export interface LatencyEntry {
  lastMinute: LatencyPair
  sinceStart: LatencyPair
}

export function latencyEntry(store: MetricsStore, name: string, nowMs = Date.now()): LatencyEntry {
  const pair = (range: LatencyRange): LatencyPair => ({
    total: store.summary(name, 'total', range, nowMs) ?? null,
    upstream: store.summary(name, 'upstream', range, nowMs) ?? null,
  })
  return { lastMinute: pair('minute'), sinceStart: pair('start') }
}

export function latencyReport(store: MetricsStore): Record<string, unknown> {
  const now = Date.now()
  return {
    unit: 'ms',
    windowSeconds: store.window.seconds,
    total: latencyEntry(store, '', now),
    services: Object.fromEntries(store.latencyNames().filter((n) => n !== '').map((n) => [n, latencyEntry(store, n, now)])),
  }
}

export class NotFoundError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message)
  }
}

/** HdrHistogram's percentile distribution text, values in ms. service '' (default) is every request. */
export function latencyHgrm(store: MetricsStore, query: URLSearchParams): string {
  const service = query.get('service') ?? ''
  const range = oneOf(query, 'range', ['start', 'minute'] as const)
  const kind = oneOf(query, 'kind', ['total', 'upstream'] as const) as LatencyKind
  const l = store.latency(service, kind, range)
  if (!l) throw new NotFoundError(`no ${kind} latency recorded ${range === 'minute' ? 'in the last minute' : 'since start'} for ${service === '' ? 'any request' : `service ${JSON.stringify(service)}`}`, 'LATENCY_NOT_FOUND')
  return l.h.outputPercentileDistribution(5, 1000)
}

function oneOf<T extends string>(query: URLSearchParams, key: string, allowed: readonly T[]): T {
  const v = query.get(key)
  if (v === null || v === '') return allowed[0]
  if (!(allowed as readonly string[]).includes(v)) throw new QueryError(`invalid request: ${key} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`)
  return v as T
}
