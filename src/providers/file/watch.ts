// Watches a directory (the provider's directory, or the directory of its one
// file) and calls onChange after a short quiet period. Watching the directory
// rather than the file survives editors that save by writing a new file and
// renaming it over the old one. If the directory itself goes away or is
// replaced, the watcher is re-armed once it exists again.
import { watch, statSync, type FSWatcher } from 'node:fs'

export interface DirWatcherOptions {
  dir: string
  /** Only events for this file name count (null names count too: some platforms omit them) */
  only?: string
  debounceMs: number
  /** How often to retry arming while the directory is missing */
  retryMs: number
  onChange(): void
  /** Arming failed or the watcher broke; called once per outage */
  onTrouble(message: string): void
}

export class DirWatcher {
  readonly #o: DirWatcherOptions
  #watcher?: FSWatcher
  #ino = -1
  #debounce?: NodeJS.Timeout
  #retry?: NodeJS.Timeout
  #closed = false
  #troubled = false

  constructor(opts: DirWatcherOptions) {
    this.#o = opts
    this.#arm()
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#debounce)
    clearTimeout(this.#retry)
    this.#watcher?.close()
    this.#watcher = undefined
  }

  #arm(): void {
    if (this.#closed) return
    try {
      this.#ino = statSync(this.#o.dir).ino
      const w = watch(this.#o.dir, { persistent: false }, (_event, name) => {
        if (this.#o.only === undefined || name === null || name === this.#o.only) this.#schedule()
        else this.#checkDir()
      })
      w.on('error', (err) => this.#rearm(`watching ${this.#o.dir} failed: ${err.message}`))
      this.#watcher = w
    } catch (err) {
      this.#rearm(`cannot watch ${this.#o.dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
      return
    }
    if (this.#troubled) {
      // back after an outage: the files may have changed meanwhile
      this.#troubled = false
      this.#schedule()
    }
  }

  #rearm(message: string): void {
    this.#watcher?.close()
    this.#watcher = undefined
    if (this.#closed) return
    if (!this.#troubled) this.#o.onTrouble(message)
    this.#troubled = true
    clearTimeout(this.#retry)
    this.#retry = setTimeout(() => this.#arm(), this.#o.retryMs)
  }

  #schedule(): void {
    clearTimeout(this.#debounce)
    this.#debounce = setTimeout(() => {
      this.#checkDir()
      this.#o.onChange()
    }, this.#o.debounceMs)
  }

  /** An event for the directory itself: if it was removed or replaced, the watch is dead. */
  #checkDir(): void {
    let ino: number
    try {
      ino = statSync(this.#o.dir).ino
    } catch {
      ino = -1
    }
    if (ino !== this.#ino) this.#rearm(`${this.#o.dir} was removed or replaced`)
  }
}
