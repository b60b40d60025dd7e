// Passive health, per worker thread: failures seen on live traffic take a
// server out of rotation, for every thread, through the health board. Like
// nginx (max_fails=1, fail_timeout=10s), a server that cannot be connected
// to is always taken out for the service's failure window; with Traefik's
// passiveHealthCheck, maxFailedAttempts failures within failureWindow do it,
// 5xx responses and timeouts count too, and a success forgets earlier ones.
import type { RouteTable } from '../table/reader.js'

export class PassiveHealth {
  /** Failures so far per board slot, for maxFailedAttempts > 1. */
  private readonly failures = new Map<number, { n: number; since: number }>()

  failed(t: RouteTable, service: number, server: number, now = Date.now()): void {
    const slot = t.healthSlot(server)
    if (slot >= t.health.slots) return
    const window = t.failureWindow(service)
    const max = t.maxFailures(service)
    if (max > 1) {
      let f = this.failures.get(slot)
      if (f === undefined || now - f.since > window) this.failures.set(slot, (f = { n: 0, since: now }))
      if (++f.n < max) return
      this.failures.delete(slot)
    }
    t.health.markPassive(slot, window, now)
  }

  succeeded(t: RouteTable, server: number): void {
    if (this.failures.size > 0) this.failures.delete(t.healthSlot(server))
  }
}
