// The primary's side of the TCP and UDP relay thread (relay.ts): started
// with the first listener, so a configuration without TCP routers costs nothing.
import { Worker } from 'node:worker_threads'
import type { Logger } from '../log.js'
import type { TcpListenerSpec, UdpListenerSpec } from './plan.js'
import type { FromRelay, ToRelay } from './messages.js'

export class TcpRelay {
  #worker: Worker | null = null
  #last = '[[],[]]'
  #lastMessage: ToRelay | null = null
  #drained: ((cut: number) => void) | null = null
  #draining = false

  constructor(private readonly log: Logger) {}

  /** The listeners in force (an unchanged set is not sent again). */
  update(listeners: TcpListenerSpec[], udp: UdpListenerSpec[]): void {
    const text = JSON.stringify([listeners, udp])
    if (text === this.#last) return
    this.#last = text
    if (this.#worker === null && listeners.length === 0 && udp.length === 0) return
    this.#lastMessage = { type: 'listeners', listeners, udp }
    this.#send(this.#lastMessage)
  }

  /** Stops accepting and lets connections finish within graceMs; resolves with how many were cut. */
  drain(graceMs: number): Promise<number> {
    const w = this.#worker
    this.#draining = true
    if (w === null) return Promise.resolve(0)
    return new Promise((resolve) => {
      this.#drained = (cut) => {
        void w.terminate()
        resolve(cut)
      }
      w.postMessage({ type: 'drain', graceMs } satisfies ToRelay)
    })
  }

  #send(m: ToRelay): void {
    this.#worker ??= this.#start()
    this.#worker.postMessage(m)
  }

  #start(): Worker {
    const w = new Worker(new URL('./relay.js', import.meta.url))
    const log = this.log.with({ component: 'tcp' })
    w.on('message', (m: FromRelay) => {
      if (m.type === 'log') log[m.level === 'DEBUG' ? 'debug' : m.level === 'INFO' ? 'info' : m.level === 'WARN' ? 'warn' : 'error'](m.message, m.fields)
      else if (m.type === 'drained') this.#drained?.(m.cut)
    })
    // A bug that ends the thread ends its connections; the listeners come back in a fresh one.
    w.on('error', (err) => log.error('TCP relay thread failed; starting another', { error: String(err.stack ?? err) }))
    w.on('exit', () => {
      if (this.#worker !== w || this.#draining) return
      this.#worker = null
      // not at once: a thread that fails on start would otherwise spin
      setTimeout(() => this.#worker === null && !this.#draining && this.#lastMessage && this.#send(this.#lastMessage), 1000).unref()
    })
    w.unref()
    return w
  }
}
