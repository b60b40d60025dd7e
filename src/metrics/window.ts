// The last minute, as one slot per second: request counts by name and the
// latency pairs workers sent during that second. Histograms over the window
// are built on demand from the slots that are still fresh.
import type { LatencyDelta } from './snapshot.js'

export interface Slot {
  /** Unix second this slot holds, -1 when empty. */
  sec: number
  requests: number
  entryPoints: Map<string, number>
  routers: Map<string, number>
  services: Map<string, number>
  /** latencyKey(kind, name) -> what arrived in this second */
  latency: Map<string, { pairs: Float64Array[]; max: number }>
}

export function latencyKey(kind: LatencyDelta['kind'], name: string): string {
  return `${kind}\0${name}`
}

export class SecondsWindow {
  readonly #slots: Slot[]

  constructor(readonly seconds: number) {
    this.#slots = Array.from({ length: seconds }, () => emptySlot())
  }

  /** The slot for the second containing nowMs, cleared if it held an older second. */
  slot(nowMs: number): Slot {
    const sec = Math.floor(nowMs / 1000)
    const i = sec % this.seconds
    let s = this.#slots[i]
    if (s.sec !== sec) {
      s = emptySlot()
      s.sec = sec
      this.#slots[i] = s
    }
    return s
  }

  /** Slots of the last `seconds` whole seconds before nowMs (the current, partial second excluded when `complete`). */
  recent(nowMs: number, seconds = this.seconds, complete = false): Slot[] {
    const sec = Math.floor(nowMs / 1000)
    const last = complete ? sec - 1 : sec
    const first = last - Math.min(seconds, this.seconds) + 1
    return this.#slots.filter((s) => s.sec >= first && s.sec <= last)
  }
}

function emptySlot(): Slot {
  return { sec: -1, requests: 0, entryPoints: new Map(), routers: new Map(), services: new Map(), latency: new Map() }
}
