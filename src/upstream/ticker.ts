// One coarse timer per thread for every pool's deadlines (dial, response
// headers, idle), instead of a setTimeout per request. Deadlines fire up to
// one tick late, which is fine for limits measured in seconds.

export interface Tickable {
  tick(now: number): void
}

/** How often deadlines are checked (ms). */
export const TICK_MS = 100

const watched = new Set<Tickable>()
let timer: NodeJS.Timeout | null = null

function run(): void {
  const now = Date.now()
  for (const t of watched) t.tick(now)
}

export function watch(t: Tickable): void {
  watched.add(t)
  if (timer === null) {
    timer = setInterval(run, TICK_MS)
    // Pools alone must not keep a process (or a test) alive.
    timer.unref()
  }
}

export function unwatch(t: Tickable): void {
  watched.delete(t)
  if (watched.size === 0 && timer !== null) {
    clearInterval(timer)
    timer = null
  }
}
