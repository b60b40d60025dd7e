// nginx's smooth weighted round robin, per worker, on a typed array.
// Weights 5,1,1 give a a b a c a a. Running weights are
// keyed by service name and server URL across table swaps, so a server that
// stays keeps its place in the rotation.
import type { RouteTable } from '../table/reader.js'
import { ACTIVE_DOWN, PASSIVE_DOWN } from './health-board.js'

export class SmoothWRR {
  private current = new Int32Array(0)
  private table: RouteTable | null = null
  // What a pick reads, copied out of the table at bind so that a pick is a
  // few typed-array reads: per service its first server and the one after
  // its last, per server its weight and health board slot (-1: the board
  // has no such slot, the server reads as up), and the board's state words.
  private firsts = new Int32Array(0)
  private ends = new Int32Array(0)
  private weights = new Int32Array(0)
  private slots = new Int32Array(0)
  private health: Int32Array = new Int32Array(0)

  /** Switch to a new table, carrying running weights over. */
  bind(table: RouteTable): void {
    const next = new Int32Array(table.serverCount)
    if (this.table) {
      const prev = serverKeys(this.table)
      serverKeys(table).forEach((v, key) => {
        const p = prev.get(key)
        if (p === undefined) return
        next[v] = this.current[p]!
      })
    }
    this.current = next
    this.table = table
    this.firsts = Int32Array.from({ length: table.serviceCount }, (_, s) => table.firstServer(s))
    this.ends = Int32Array.from({ length: table.serviceCount }, (_, s) => table.firstServer(s) + table.serverCountOf(s))
    this.weights = Int32Array.from({ length: table.serverCount }, (_, v) => table.weight(v))
    this.slots = Int32Array.from({ length: table.serverCount }, (_, v) => (table.healthSlot(v) < table.health.slots ? table.healthSlot(v) : -1))
    this.health = table.health.state
  }

  /**
   * The next healthy server of the service, skipping `tried` (a bit per
   * server from the service's first; 0 on a first attempt), or -1 when none
   * has weight. When every candidate is only passively down (failures seen on
   * traffic, no health check said so), they are tried anyway: one of them
   * may be back, and refusing outright would turn a blip into an outage.
   */
  pick(service: number, tried = 0): number {
    const best = this.choose(service, tried, ACTIVE_DOWN | PASSIVE_DOWN)
    return best >= 0 ? best : this.choose(service, tried, ACTIVE_DOWN)
  }

  private choose(service: number, tried: number, down: number): number {
    const first = this.firsts[service]!
    const end = this.ends[service]!
    const { current: cw, weights, slots, health } = this
    let best = -1
    let total = 0
    for (let v = first; v < end; v++) {
      const w = weights[v]!
      if (w === 0) continue
      const slot = slots[v]!
      if (slot >= 0 && (health[slot]! & down) !== 0) continue
      if (tried !== 0 && v - first < 31 && (tried & (1 << (v - first))) !== 0) continue
      cw[v] += w
      total += w
      if (best < 0 || cw[v]! > cw[best]!) best = v
    }
    if (best >= 0) cw[best] -= total
    return best
  }
}

/** service name + server URL -> server index */
function serverKeys(t: RouteTable): Map<string, number> {
  const keys = new Map<string, number>()
  for (let s = 0; s < t.serviceCount; s++) {
    const first = t.firstServer(s)
    for (let v = first; v < first + t.serverCountOf(s); v++) keys.set(`${t.serviceNames[s]} ${t.serverUrls[v]}`, v)
  }
  return keys
}
