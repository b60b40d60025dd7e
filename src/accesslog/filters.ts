// Traefik's accessLog.filters: a line is kept when any filter given says so
// (its status is in statusCodes, it was retried, or it took longer than
// minDuration); with no filter given, every line is kept.

export interface AccessLogFilters {
  /** Inclusive status ranges; empty: this filter is not set */
  statusCodes: [number, number][]
  retryAttempts: boolean
  /** 0: not set */
  minDurationMs: number
}

/** "200", "300-302" (Traefik's HTTP code ranges); throws a message naming the bad one. */
export function parseStatusCodes(list: string[]): [number, number][] {
  return list.map((item) => {
    const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(item)
    const lo = Number(m?.[1])
    const hi = Number(m?.[2] ?? m?.[1])
    if (!m || lo < 100 || hi > 599 || lo > hi) throw new Error(`${JSON.stringify(item)} is not a status code or range such as 200 or 500-599`)
    return [lo, hi]
  })
}

/** null when nothing filters (every line is kept). */
export function lineFilter(f: AccessLogFilters | undefined): ((status: number, durationMs: number, attempts: number) => boolean) | null {
  if (!f || (f.statusCodes.length === 0 && !f.retryAttempts && f.minDurationMs === 0)) return null
  const { statusCodes, retryAttempts, minDurationMs } = f
  return (status, durationMs, attempts) => {
    for (const [lo, hi] of statusCodes) if (status >= lo && status <= hi) return true
    if (retryAttempts && attempts > 0) return true
    return minDurationMs > 0 && durationMs > minDurationMs
  }
}
