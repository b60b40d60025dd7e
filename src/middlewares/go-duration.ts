// Go's time.Duration.String(), for headers Traefik fills with it (X-Retry-In).
export function goDuration(ms: number): string {
  if (ms === 0) return '0s'
  if (ms < 1) return `${trim(ms * 1000)}µs`
  if (ms < 1000) return `${trim(ms)}ms`
  let s = ms / 1000
  const h = Math.floor(s / 3600)
  s -= h * 3600
  const m = Math.floor(s / 60)
  s -= m * 60
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${trim(s)}s`
}

function trim(n: number): string {
  return String(Number(n.toFixed(9)))
}
