// One full garbage collection when a worker goes quiet after serving. Under
// load V8 grows a thread's young generation (8-15 MB committed instead of
// 3-7) and, with only scavenges running, never starts the memory reducer
// that would shrink it again: a proxy that served a burst kept that memory
// for good. The collection is V8's incremental one (gc({ execution: 'async' }),
// exposed by --expose-gc, set at start), so no request waits on a pause.
import { getHeapStatistics } from 'node:v8'

type Collect = (options: { type: 'major'; execution: 'async' }) => Promise<void>

export interface IdleCollectOptions {
  /** How often the request count is looked at (ms); quiet means no request for a whole period. */
  everyMs?: number
  /** The heap must have grown this much (bytes) since the last collection to be worth one. */
  minGrowthBytes?: number
  /** Tests pass their own; default: V8's gc(), or nothing when it is not exposed. */
  collect?: Collect | null
  heapBytes?: () => number
}

/** Starts watching; the returned function stops it. */
export function collectWhenIdle(requests: () => number, opts: IdleCollectOptions = {}): () => void {
  const collect = opts.collect !== undefined ? opts.collect : ((globalThis as { gc?: Collect }).gc ?? null)
  if (collect === null) return () => {}
  const heapBytes = opts.heapBytes ?? (() => getHeapStatistics().total_heap_size)
  const minGrowth = opts.minGrowthBytes ?? 2 * 1024 * 1024
  let seen = requests()
  let busy = false
  let collecting = false
  let floor = heapBytes()
  const timer = setInterval(() => {
    // The floor follows the heap down when V8 shrinks it on its own, so growth
    // is measured from the lowest point since the last collection.
    const heap = heapBytes()
    if (heap < floor) floor = heap
    const n = requests()
    if (n !== seen) {
      seen = n
      busy = true
      return
    }
    if (!busy || collecting) return
    busy = false
    if (heap - floor < minGrowth) return
    collecting = true
    collect({ type: 'major', execution: 'async' }).then(
      () => {
        collecting = false
        floor = heapBytes()
      },
      () => {
        collecting = false
      },
    )
  }, opts.everyMs ?? 5000)
  timer.unref()
  return () => clearInterval(timer)
}
