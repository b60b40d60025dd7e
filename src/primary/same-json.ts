// Whether two configurations are equal as JSON would write them, whatever
// the key order their provider built them in (undefined members dropped, as
// JSON drops them). The aggregator compares an update with the provider's
// newest configuration, which it holds anyway: no fingerprint to compute,
// and no node:crypto in the primary for one (about 0.8 MB of its RSS).
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i] ?? null, b[i] ?? null)) return false
    return true
  }
  const x = a as Record<string, unknown>
  const y = b as Record<string, unknown>
  let defined = 0
  for (const k in x) {
    if (!Object.hasOwn(x, k) || x[k] === undefined) continue
    defined++
    if (!Object.hasOwn(y, k) || !sameJson(x[k], y[k])) return false
  }
  for (const k in y) if (Object.hasOwn(y, k) && y[k] !== undefined) defined--
  return defined === 0
}
