// Engine loss, the providers' way: the last configuration stays in force, one
// ERROR line says so, and attempts go on with backoff (100 ms doubling to 2 s)
// until one succeeds.

const BACKOFF_MIN_MS = 100
const BACKOFF_MAX_MS = 2000

export class Reconnect {
  readonly #attempt: () => void
  readonly #onFirst: (why: Error) => void
  readonly #onAgain: (why: Error, retryMs: number) => void
  #timer?: NodeJS.Timeout
  #backoff = BACKOFF_MIN_MS
  #lost = false
  #stopped = false

  /** `onFirst` logs the loss (once); `onAgain` each later failure (debug). */
  constructor(attempt: () => void, onFirst: (why: Error) => void, onAgain: (why: Error, retryMs: number) => void) {
    this.#attempt = attempt
    this.#onFirst = onFirst
    this.#onAgain = onAgain
  }

  /** An attempt failed or the engine went away: try again later (one timer at a time). */
  later(why: Error): void {
    if (this.#stopped || this.#timer) return
    if (!this.#lost) {
      this.#lost = true
      this.#onFirst(why)
    } else this.#onAgain(why, this.#backoff)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#attempt()
    }, this.#backoff)
    this.#backoff = Math.min(this.#backoff * 2, BACKOFF_MAX_MS)
  }

  /** An attempt succeeded; true when the engine had been lost. */
  succeeded(): boolean {
    const was = this.#lost
    this.#lost = false
    this.#backoff = BACKOFF_MIN_MS
    return was
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }
}
