// The worker threads: a piscina pool running one long-lived serve task per
// thread. Tables are posted to every thread (a SharedArrayBuffer is shared,
// not copied). A thread that dies is logged and its task started again on a
// fresh thread while the others keep serving.
import { Piscina } from 'piscina'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import type { Logger } from '../log.js'
import type { ServeInput, FromWorker, ToWorker } from '../worker/messages.js'

export type WorkerSettings = Omit<ServeInput, 'id' | 'port' | 'table'>

export class WorkerPool {
  private readonly pool: Piscina<ServeInput, void>
  private readonly ports = new Map<number, MessagePort>()
  private table: SharedArrayBuffer
  private stopping = false
  private readyWaiters = new Map<number, { resolve(): void; reject(err: Error): void }>()

  constructor(
    private readonly count: number,
    private readonly settings: WorkerSettings,
    table: SharedArrayBuffer,
    private readonly log: Logger,
    /** Messages other than the lifecycle ones (metrics, access log lines). */
    private readonly onMessage: (m: FromWorker) => void = () => {},
  ) {
    this.table = table
    this.pool = new Piscina({
      filename: new URL('../worker/serve.js', import.meta.url).href,
      minThreads: count,
      maxThreads: count,
      concurrentTasksPerWorker: 1,
      idleTimeout: 2 ** 31 - 1,
      atomics: 'disabled',
    })
  }

  /** Starts every thread; resolves when all listen, rejects when one cannot. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.count }, (_, id) => this.run(id)))
  }

  private run(id: number): Promise<void> {
    const { port1, port2 } = new MessageChannel()
    this.ports.set(id, port1)
    const ready = new Promise<void>((resolve, reject) => this.readyWaiters.set(id, { resolve, reject }))
    port1.on('message', (m: FromWorker) => {
      if (m.type === 'listening') this.readyWaiters.get(id)?.resolve()
      else if (m.type === 'failed') this.readyWaiters.get(id)?.reject(new Error(m.message))
      else this.onMessage(m)
    })
    const input: ServeInput = { ...this.settings, id, port: port2, table: this.table }
    this.pool.run(input, { transferList: [port2] as never }).then(
      () => port1.close(),
      (err: Error) => {
        port1.close()
        this.ports.delete(id)
        if (this.stopping) return
        this.log.error('worker thread died; starting a new one', { worker: id, error: err.message })
        this.readyWaiters.get(id)?.reject(err)
        this.run(id).then(
          () => this.log.info('worker thread replaced', { worker: id }),
          (e: Error) => this.log.error('worker thread could not be replaced', { worker: id, error: e.message }),
        )
      },
    )
    return ready
  }

  /** Hands a new table to every thread. */
  publish(table: SharedArrayBuffer): void {
    this.table = table
    this.broadcast({ type: 'table', buffer: table })
  }

  private broadcast(m: ToWorker): void {
    for (const port of this.ports.values()) port.postMessage(m)
  }

  /** Ends one thread abruptly (SIGUSR2: to check that the rest keep serving). */
  async killOne(): Promise<void> {
    await this.pool.threads[0]?.terminate()
  }

  /** Stops accepting, waits for requests in flight up to graceMs, then ends the threads. */
  async drain(graceMs: number): Promise<boolean> {
    this.stopping = true
    const drained = new Promise<void>((resolve) => {
      let left = this.ports.size
      if (left === 0) return resolve()
      for (const port of this.ports.values()) {
        port.on('message', (m: FromWorker) => {
          if (m.type === 'drained' && --left === 0) resolve()
        })
      }
    })
    this.broadcast({ type: 'drain' })
    let timer: NodeJS.Timeout | undefined
    const inTime = await Promise.race([drained.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs)))])
    clearTimeout(timer)
    await this.pool.destroy()
    return inTime
  }
}
