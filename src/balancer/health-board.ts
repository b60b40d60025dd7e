// Server health shared by the primary and every worker thread, without
// locks: one slot per (service, server URL), in a SharedArrayBuffer that
// outlives route tables. The table names each server's slot; a worker's
// WRR pick reads the slot's state word and skips a server that is down.
//
//   state[slot]  bit ACTIVE_DOWN: the primary's health check failed (cleared when it passes)
//                bit PASSIVE_DOWN: a worker saw it fail on live traffic (cleared when `until` passes,
//                                  or by the next passing health check)
//   until[slot]  when PASSIVE_DOWN ends, in TICK_MS units since the board's epoch
//
// Slots are assigned by the primary while it compiles a table. A slot whose
// server left the configuration is reused only after QUARANTINE_MS, so a
// request still routed by an older table never reads another server's state.
// When the board is full the primary moves to a bigger one (copied), and the
// next table tells workers which board to read.

export const ACTIVE_DOWN = 1
export const PASSIVE_DOWN = 2

/** Resolution of `until` (ms). */
export const TICK_MS = 100
const QUARANTINE_MS = 60_000
const INITIAL_SLOTS = 1024

/** Two Int32Arrays over one buffer: state words, then passive-down deadlines. */
export class HealthView {
  readonly state: Int32Array
  readonly until: Int32Array

  constructor(
    readonly buffer: SharedArrayBuffer,
    /** Date.now() at the board's creation, shared so every thread reads `until` alike. */
    readonly epoch: number,
  ) {
    const slots = buffer.byteLength / 8
    this.state = new Int32Array(buffer, 0, slots)
    this.until = new Int32Array(buffer, slots * 4, slots)
  }

  get slots(): number {
    return this.state.length
  }

  /** Now in board ticks. */
  tick(now = Date.now()): number {
    return Math.floor((now - this.epoch) / TICK_MS)
  }

  /** A worker saw the server fail: out of rotation until windowMs from now, for every thread. */
  markPassive(slot: number, windowMs: number, now = Date.now()): void {
    Atomics.store(this.until, slot, this.tick(now) + Math.ceil(windowMs / TICK_MS))
    Atomics.or(this.state, slot, PASSIVE_DOWN)
  }
}

export function newHealthBuffer(slots: number): SharedArrayBuffer {
  return new SharedArrayBuffer(slots * 8)
}

/** The primary's side: slot assignment, active results, expiry of passive marks. */
export class HealthBoard {
  private view: HealthView
  private readonly slotOf = new Map<string, number>()
  /** Slots no server holds now, with when they were let go. */
  private readonly freed: { slot: number; at: number }[] = []
  private next = 0

  constructor(epoch = Date.now()) {
    this.view = new HealthView(newHealthBuffer(INITIAL_SLOTS), epoch)
  }

  get current(): HealthView {
    return this.view
  }

  /**
   * The slots of a new table's servers (keys from key()), in order; slots of
   * servers no longer present are freed. May move to a bigger board.
   */
  assign(keys: string[], now = Date.now()): Int32Array {
    const wanted = new Set(keys)
    for (const [key, slot] of this.slotOf) {
      if (wanted.has(key)) continue
      this.slotOf.delete(key)
      Atomics.store(this.view.state, slot, 0)
      this.freed.push({ slot, at: now })
    }
    const out = new Int32Array(keys.length)
    keys.forEach((key, i) => {
      let slot = this.slotOf.get(key)
      if (slot === undefined) {
        slot = this.take(now)
        this.slotOf.set(key, slot)
      }
      out[i] = slot
    })
    return out
  }

  /** The slot of a server in the current configuration, or -1. */
  slot(key: string): number {
    return this.slotOf.get(key) ?? -1
  }

  setActive(slot: number, up: boolean): void {
    if (up) Atomics.and(this.view.state, slot, ~(ACTIVE_DOWN | PASSIVE_DOWN))
    else Atomics.or(this.view.state, slot, ACTIVE_DOWN)
  }

  isUp(slot: number): boolean {
    return Atomics.load(this.view.state, slot) === 0
  }

  /** Clears passive marks whose window has passed, except where an active check decides (Traefik). */
  expirePassive(activelyChecked: (slot: number) => boolean, now = Date.now()): number[] {
    const t = this.view.tick(now)
    const cleared: number[] = []
    for (const slot of this.slotOf.values()) {
      if ((Atomics.load(this.view.state, slot) & PASSIVE_DOWN) === 0) continue
      if (activelyChecked(slot) || Atomics.load(this.view.until, slot) > t) continue
      Atomics.and(this.view.state, slot, ~PASSIVE_DOWN)
      cleared.push(slot)
    }
    return cleared
  }

  private take(now: number): number {
    const ready = this.freed.findIndex((f) => now - f.at >= QUARANTINE_MS)
    if (ready >= 0) return this.freed.splice(ready, 1)[0]!.slot
    if (this.next === this.view.slots) this.grow()
    return this.next++
  }

  private grow(): void {
    const old = this.view
    const bigger = new HealthView(newHealthBuffer(old.slots * 2), old.epoch)
    bigger.state.set(old.state)
    bigger.until.set(old.until)
    this.view = bigger
  }
}

/** The key a server's health is kept under. */
export function healthKey(service: string, url: string): string {
  return `${service} ${url}`
}
