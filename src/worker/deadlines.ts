// The client-side deadlines of one thread's exchanges (an entrypoint's
// readTimeout and writeTimeout), checked on one coarse timer. Only exchanges
// that need it are watched: those with a request body, and all of them when
// a writeTimeout is set. Watched exchanges are linked through their own
// fields, so watching allocates nothing.

/** How often deadlines are checked (ms): they fire up to this late. */
export const DEADLINE_TICK_MS = 500

export interface Timed {
  prevTimed: Timed | null
  nextTimed: Timed | null
  /** Linked into a Deadlines list. */
  timed: boolean
  /** Checks the exchange's deadlines; now is performance.now(). */
  tick(now: number): void
}

export class Deadlines {
  private first: Timed | null = null
  private timer: NodeJS.Timeout | null = null

  add(x: Timed): void {
    if (x.timed) return
    x.timed = true
    x.prevTimed = null
    x.nextTimed = this.first
    if (this.first !== null) this.first.prevTimed = x
    this.first = x
    if (this.timer === null) {
      this.timer = setInterval(this.run, DEADLINE_TICK_MS)
      this.timer.unref()
    }
  }

  remove(x: Timed): void {
    if (!x.timed) return
    x.timed = false
    if (x.prevTimed !== null) x.prevTimed.nextTimed = x.nextTimed
    else this.first = x.nextTimed
    if (x.nextTimed !== null) x.nextTimed.prevTimed = x.prevTimed
    x.prevTimed = x.nextTimed = null
    if (this.first === null && this.timer !== null) {
      clearInterval(this.timer)
      this.timer = null
    }
  }

  private readonly run = (): void => {
    const now = performance.now()
    // A tick may end exchanges (this one or, through a retiring thread, others):
    // a removed one stops the walk, and the next tick goes on.
    for (let x = this.first; x !== null; ) {
      const next = x.nextTimed
      x.tick(now)
      if (next !== null && !next.timed) break
      x = next
    }
  }
}
