// When ACME certificates are renewed and failed orders retried. Let's
// Encrypt limits failed validations per hour: a failing domain is retried
// after 1 minute, then 2, 4... up to a day, never in a loop.

const DAY = 86_400_000

/** When a certificate valid from notBefore to notAfter is renewed: a third of its life before the end (or of durationHours), at most 30 days before. */
export function renewAt(notBefore: Date, notAfter: Date, durationHours: number): number {
  const life = notAfter.getTime() - notBefore.getTime()
  const before = Math.min(30 * DAY, life / 3, (durationHours * 3_600_000) / 3)
  return notAfter.getTime() - before
}

/** Wait before the next attempt after `failures` failed ones in a row (failures >= 1). */
export function retryDelay(failures: number, firstMs = 60_000): number {
  return Math.min(DAY, firstMs * 2 ** Math.min(failures - 1, 20))
}
