// A metronome thread for the open-loop load generator: libuv timers have
// 1 ms granularity, too coarse to space 2,000 requests a second evenly, so
// a worker thread sleeps (Atomics.wait, microsecond timeouts) until just
// before each tick, spins the last few tens of µs, and posts the tick's
// number; the posted message wakes the generator's event loop at once.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'

/** Absolute milliseconds with µs resolution, on the same origin in every thread. */
export const clock = () => performance.timeOrigin + performance.now()

/** How long before a tick the sleep ends and the spin begins: futex timeouts run late by about 50 µs. */
const SPIN_MS = 0.06

/**
 * Starts the thread; resolves, once it runs, with tick(schedule, onTick):
 * onTick(k) at t0 + k * intervalMs for k in 0..total-1 (absolute ms,
 * clock()'s origin), and stop(), which ends the thread. onError(err) if it fails.
 * (A thread takes tens of ms to start: the schedule must not begin before.)
 */
export function startMetronome(onError) {
  const stopCell = new Int32Array(new SharedArrayBuffer(4))
  const w = new Worker(fileURLToPath(import.meta.url), { workerData: { stopCell } })
  w.on('error', onError)
  w.unref()
  const stop = () => {
    Atomics.store(stopCell, 0, 1)
    Atomics.notify(stopCell, 0)
  }
  return new Promise((resolve) => {
    w.once('message', () =>
      resolve({
        tick(schedule, onTick) {
          w.on('message', onTick)
          w.postMessage(schedule)
        },
        stop,
      }),
    )
  })
}

if (!isMainThread && workerData?.stopCell) {
  const { stopCell } = workerData
  parentPort.once('message', (schedule) => ticks(schedule, stopCell))
  parentPort.postMessage('ready')
}

function ticks({ t0, intervalMs, total }, stopCell) {
  for (let k = 0; k < total && Atomics.load(stopCell, 0) === 0; k++) {
    const at = t0 + k * intervalMs
    const wait = at - clock() - SPIN_MS
    if (wait > 0) Atomics.wait(stopCell, 0, 0, wait)
    while (clock() < at && Atomics.load(stopCell, 0) === 0) {
      // the last few µs: a spin, since a sleep would overshoot
    }
    parentPort.postMessage(k)
  }
  parentPort.close()
}
