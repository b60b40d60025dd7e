// Server-sent events for the dashboard: the live view at connect, on every
// configuration change (within 100 ms) and every second while anyone listens.
import type { ServerResponse } from 'node:http'
import type { MetricsStore } from '../metrics/store.js'
import type { RuntimeState } from '../primary/state.js'
import { liveView } from './live.js'

const TICK_MS = 1000
const CHANGE_DELAY_MS = 100

export class LiveEvents {
  readonly #clients = new Set<ServerResponse>()
  #tick: NodeJS.Timeout | undefined
  #pending: NodeJS.Timeout | undefined
  readonly #onChange = (): void => {
    this.#pending ??= setTimeout(() => {
      this.#pending = undefined
      this.#broadcast()
    }, CHANGE_DELAY_MS)
  }

  constructor(
    private readonly state: RuntimeState,
    private readonly store: MetricsStore | undefined,
  ) {
    state.on('change', this.#onChange)
  }

  add(res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' })
    res.write(`retry: 1000\n${frame(liveView(this.state, this.store))}`)
    this.#clients.add(res)
    res.on('close', () => {
      this.#clients.delete(res)
      if (this.#clients.size === 0 && this.#tick) {
        clearInterval(this.#tick)
        this.#tick = undefined
      }
    })
    this.#tick ??= setInterval(() => this.#broadcast(), TICK_MS)
  }

  close(): void {
    this.state.off('change', this.#onChange)
    clearInterval(this.#tick)
    clearTimeout(this.#pending)
    for (const res of this.#clients) res.end()
    this.#clients.clear()
  }

  #broadcast(): void {
    if (this.#clients.size === 0) return
    const data = frame(liveView(this.state, this.store))
    for (const res of this.#clients) res.write(data)
  }
}

function frame(view: unknown): string {
  return `event: state\ndata: ${JSON.stringify(view)}\n\n`
}
