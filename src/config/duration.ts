// Traefik durations: Go's time.ParseDuration forms (`2s`, `100ms`, `1m30s`,
// `1.5h`) or a bare number, which Traefik reads as seconds.

const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}

const bare = /^\d+(\.\d+)?$/
const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y

/** Milliseconds of a duration that may be negative (`-1`, `-1ms`), as Traefik's flushInterval takes; undefined when not one. */
export function parseSignedDuration(text: string): number | undefined {
  const s = text.trim()
  const ms = parseDuration(s.startsWith('-') ? s.slice(1) : s)
  return ms === undefined ? undefined : s.startsWith('-') ? -ms : ms
}

/** Milliseconds, or undefined when text is not a non-negative duration. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim()
  if (s === '') return undefined
  if (bare.test(s)) return Number(s) * 1000
  let ms = 0
  part.lastIndex = 0
  while (part.lastIndex < s.length) {
    const at = part.lastIndex
    const m = part.exec(s)
    if (!m || m.index !== at) return undefined
    ms += Number(m[1]) * unitMs[m[2]!]!
  }
  return ms
}
