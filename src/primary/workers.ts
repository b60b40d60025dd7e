// The worker threads: a piscina pool running one long-lived serve task per
// thread. Tables are posted to every thread (a SharedArrayBuffer is shared,
// not copied). A thread that retires (uncaught error, SIGUSR2) gets a
// replacement at once; the others keep serving throughout.
import { Piscina } from 'piscina'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import type { Logger } from '../log.js'
import type { ServeInput, FromWorker, ToWorker, TableRef } from '../worker/messages.js'
import type { TlsSnapshot } from '../tls/snapshot.js'

/** A draining thread ends on its own at the grace period (and 2 s of WebSocket closes); this much later, the primary stops waiting for it. */
const DRAIN_MARGIN_MS = 4000

export type WorkerSettings = Omit<ServeInput, 'id' | 'port' | 'table'>

export class WorkerPool {
  private readonly pool: Piscina<ServeInput, void>
  /** Ports of the serving threads (not of retiring ones). */
  private readonly ports = new Map<number, MessagePort>()
  private readonly retiring = new Map<number, MessagePort>()
  private nextId = 0
  private table: TableRef
  private stopping = false
  /** Acks of 'applied' messages: thread id -> resolver, per what and version */
  private readonly waiting = new Map<string, Map<number, () => void>>()
  /** Recycles run one after another */
  private recycling: Promise<void> = Promise.resolve()

  constructor(
    private readonly count: number,
    private readonly settings: WorkerSettings,
    table: TableRef,
    private readonly log: Logger,
    /** Messages other than the lifecycle ones (metrics, access log lines). */
    private readonly onMessage: (m: FromWorker) => void = () => {},
  ) {
    this.table = table
    this.pool = new Piscina({
      filename: new URL('../worker/serve.js', import.meta.url).href,
      minThreads: count,
      // Room for replacements while retiring threads wind down.
      maxThreads: count * 2 + 2,
      concurrentTasksPerWorker: 1,
      // A retired thread has no sockets left; piscina may end it.
      idleTimeout: 1000,
      atomics: 'disabled',
      // pier reads none of piscina's task timing: skip its two native histograms.
      recordTiming: false,
    })
  }

  /** Starts every thread; resolves when all listen, rejects when one cannot. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.count }, () => this.run()))
  }

  private run(): Promise<void> {
    const id = this.nextId++
    const { port1, port2 } = new MessageChannel()
    this.ports.set(id, port1)
    let ready!: { resolve(): void; reject(err: Error): void }
    const listening = new Promise<void>((resolve, reject) => (ready = { resolve, reject }))
    port1.on('message', (m: FromWorker) => {
      if (m.type === 'listening') ready.resolve()
      else if (m.type === 'failed') ready.reject(new Error(m.message))
      else if (m.type === 'retiring') this.replace(id, m.reason, m.replaced === true)
      else if (m.type === 'applied') this.waiting.get(`${m.what}:${m.version}`)?.get(id)?.()
      else this.onMessage(m)
    })
    const input: ServeInput = { ...this.settings, id, port: port2, table: this.table }
    this.pool.run(input, { transferList: [port2] as never }).then(
      () => {
        if (this.retiring.delete(id)) this.log.info('worker thread retired', { worker: id })
        // While draining, the thread's 'drained' message may still be on its way.
        if (!this.stopping) port1.close()
      },
      (err: Error) => {
        ready.reject(err)
        this.ports.delete(id)
        this.retiring.delete(id)
        port1.close()
        if (this.stopping) return
        this.log.error('worker thread failed', { worker: id, error: err.message })
        this.replacement()
      },
    )
    return listening
  }

  private replace(id: number, reason: string, replaced: boolean): void {
    const port = this.ports.get(id)
    if (!port) return
    this.ports.delete(id)
    this.retiring.set(id, port)
    if (replaced) return void this.log.info('worker thread handed over to a fresh one', { worker: id, reason })
    this.log.warn('worker thread retiring; starting a replacement', { worker: id, reason })
    if (!this.stopping) this.replacement()
  }

  /**
   * Posts m to every serving thread and resolves once each has applied it
   * (or ended). Threads started later get it in their settings (tls: the
   * whole certificate set m adds to).
   */
  apply(m: ToWorker & { type: 'tls-add' | 'challenges'; version: number }, tls?: TlsSnapshot): Promise<void> {
    if (m.type === 'challenges') this.settings.challenges = m.tokens
    if (tls) this.settings.tls = tls
    const key = `${m.type === 'tls-add' ? 'tls' : 'challenges'}:${m.version}`
    const acks = new Map<number, () => void>()
    this.waiting.set(key, acks)
    const all = [...this.ports.entries()].map(
      ([id, port]) =>
        new Promise<void>((resolve) => {
          acks.set(id, resolve)
          port.postMessage(m)
          // a thread that ends meanwhile will not answer
          port.once('close', resolve)
        }),
    )
    return Promise.all(all).then(() => void this.waiting.delete(key))
  }

  /**
   * New certificates that cannot be added in place: every serving thread is
   * replaced, one after the other, by a fresh one started with tls; each old
   * thread stops accepting only once its replacement listens, and finishes
   * its connections as a retiring thread does.
   */
  recycleAll(tls: TlsSnapshot): Promise<void> {
    this.settings.tls = tls
    const run = async (): Promise<void> => {
      if (this.settings.tls !== tls || this.stopping) return
      for (const [id, port] of [...this.ports]) {
        if (this.stopping || this.settings.tls !== tls) return
        await this.run()
        port.postMessage({ type: 'retire', replaced: true } satisfies ToWorker)
        this.log.debug('worker thread replaced for new certificates', { worker: id })
      }
    }
    this.recycling = this.recycling.then(run, run)
    return this.recycling
  }

  private replacement(): void {
    this.run().then(
      () => this.log.info('worker thread replaced'),
      (e: Error) => this.log.error('worker thread could not be replaced', { error: e.message }),
    )
  }

  /** The entrypoints the TCP relay owns: serving threads stop listening there (and threads started later never do). */
  release(names: string[]): void {
    if (JSON.stringify(names) === JSON.stringify(this.settings.released ?? [])) return
    this.settings.released = names
    this.broadcast({ type: 'release', names })
  }

  /** Hands a new table to every thread, retiring ones included (their clients are still served). */
  publish(table: TableRef): void {
    this.table = table
    this.broadcast({ type: 'table', table }, true)
  }

  private broadcast(m: ToWorker, retiringToo = false): void {
    for (const port of this.ports.values()) port.postMessage(m)
    if (retiringToo) for (const port of this.retiring.values()) port.postMessage(m)
  }

  /** Retires the oldest serving thread (SIGUSR2): a new one takes over, nothing in flight is lost. */
  recycleOne(): void {
    const [first] = this.ports.values()
    first?.postMessage({ type: 'retire' } satisfies ToWorker)
  }

  /**
   * Stops accepting; every thread lets its requests in flight finish within
   * graceMs, then closes its connections and ends. Resolves true when no
   * request had to be cut.
   */
  async drain(graceMs: number): Promise<boolean> {
    this.stopping = true
    const all = [...this.ports.values(), ...this.retiring.values()]
    const cuts = all.map(
      (port) =>
        new Promise<number>((resolve) => {
          port.on('message', (m: FromWorker) => m.type === 'drained' && resolve(m.cut))
          // A retiring thread may have ended on its own first (its port closed, it cut nothing it was asked to drain).
          port.once('close', () => resolve(0))
        }),
    )
    for (const port of all) port.postMessage({ type: 'drain' } satisfies ToWorker)
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<number>((r) => (timer = setTimeout(() => r(-1), graceMs + DRAIN_MARGIN_MS)))
    const cut = await Promise.race([Promise.all(cuts).then((c) => c.reduce((a, b) => a + b, 0)), late])
    clearTimeout(timer)
    if (cut !== 0) this.log.warn('grace period over: requests still in flight were cut', { requests: cut < 0 ? 'unknown (a thread did not answer)' : cut })
    return cut === 0
  }
}
