// Primary side of the access log: writes the workers' batches to a file or
// stdout asynchronously. It never blocks: when the output falls behind and the
// queue passes its bound, whole batches are dropped and counted.
import { close, open, write } from 'node:fs'
import { promisify } from 'node:util'
import type { Logger } from '../log.js'

const openAsync = promisify(open)
const writeAsync = (fd: number, buf: Buffer, off: number, len: number): Promise<number> =>
  new Promise((resolve, reject) => write(fd, buf, off, len, null, (err, n) => (err ? reject(err) : resolve(n))))
const closeAsync = promisify(close)

export interface AccessLogWriterOptions {
  /** default: stdout */
  filePath?: string
  /** Lines held before a write is started (Traefik's bufferingsize); 0 writes as soon as possible. Held lines are written after 1 s at the latest. */
  bufferingSize?: number
  /** Queue bound in characters past which batches are dropped; default 4 MiB. */
  maxQueuedChars?: number
  log: Logger
}

const STDOUT = 1
const HOLD_MS = 1000
const DROP_WARN_EVERY_MS = 10_000

export class AccessLogWriter {
  #fd = -1
  #queue: string[] = []
  #queuedChars = 0
  #queuedLines = 0
  #writing: Promise<void> | undefined
  #holdTimer: NodeJS.Timeout | undefined
  #written = 0
  #dropped = 0
  #lastWarn = 0
  #closed = false
  readonly #opts: Required<Omit<AccessLogWriterOptions, 'filePath'>> & { filePath?: string }

  private constructor(opts: AccessLogWriterOptions) {
    const bufferingSize = opts.bufferingSize ?? 0
    if (!Number.isInteger(bufferingSize) || bufferingSize < 0) {
      throw Object.assign(new Error(`accesslog.bufferingsize must be a whole number >= 0, got ${bufferingSize}`), { code: 'ACCESSLOG_BAD_BUFFERING' })
    }
    this.#opts = { bufferingSize, maxQueuedChars: opts.maxQueuedChars ?? 4 * 1024 * 1024, log: opts.log, filePath: opts.filePath }
  }

  /** Opens the output (the file is created, appended to). */
  static async open(opts: AccessLogWriterOptions): Promise<AccessLogWriter> {
    const w = new AccessLogWriter(opts)
    w.#fd = await w.#openOutput()
    return w
  }

  /** Lines written so far. */
  get written(): number {
    return this.#written
  }

  /** Lines dropped because the output could not keep up. */
  get dropped(): number {
    return this.#dropped
  }

  /** Takes a batch of newline-terminated lines (and how many) from a worker; returns at once. */
  write(batch: string, lines: number): void {
    if (this.#closed || this.#queuedChars + batch.length > this.#opts.maxQueuedChars) {
      this.#dropped += lines
      const now = Date.now()
      if (now - this.#lastWarn >= DROP_WARN_EVERY_MS) {
        this.#lastWarn = now
        this.#opts.log.warn('access log output is behind: dropping lines', { dropped: this.#dropped, queuedChars: this.#queuedChars })
      }
      return
    }
    this.#queue.push(batch)
    this.#queuedChars += batch.length
    this.#queuedLines += lines
    this.#pump(false)
  }

  /** Reopens the file (after logrotate moved it); a no-op on stdout. Lines go on to the old file until the new one is open. */
  async reopen(): Promise<void> {
    if (this.#opts.filePath === undefined) return
    const fd = await this.#openOutput()
    const old = this.#fd
    this.#fd = fd
    // A write started before the swap finishes on the old file (it holds its fd), then the old file is closed.
    await this.#writing
    await closeAsync(old)
  }

  /** Writes what is queued and closes the file. */
  async close(): Promise<void> {
    this.#closed = true
    if (this.#holdTimer) clearTimeout(this.#holdTimer)
    while (this.#writing || this.#queue.length > 0) {
      this.#pump(true)
      await this.#writing
    }
    if (this.#opts.filePath !== undefined) await closeAsync(this.#fd)
  }

  #pump(force: boolean): void {
    if (this.#writing || this.#queue.length === 0) return
    if (!force && this.#queuedLines < this.#opts.bufferingSize) {
      this.#holdTimer ??= setTimeout(() => {
        this.#holdTimer = undefined
        this.#pump(true)
      }, HOLD_MS).unref()
      return
    }
    if (this.#holdTimer) clearTimeout(this.#holdTimer)
    this.#holdTimer = undefined
    const data = this.#queue.join('')
    const lines = this.#queuedLines
    this.#queue = []
    this.#queuedLines = 0
    this.#writing = this.#writeAll(Buffer.from(data))
      .then(
        () => {
          this.#written += lines
        },
        (err: NodeJS.ErrnoException) => {
          this.#dropped += lines
          this.#opts.log.error('access log write failed', { code: err.code, error: err.message, lines })
        },
      )
      .finally(() => {
        this.#queuedChars -= data.length
        this.#writing = undefined
        this.#pump(this.#closed)
      })
  }

  async #writeAll(buf: Buffer): Promise<void> {
    // One fd for the whole batch: a reopen in between must not split it across two files.
    const fd = this.#fd
    let off = 0
    while (off < buf.length) {
      try {
        off += await writeAsync(fd, buf, off, buf.length - off)
      } catch (err) {
        // A non-blocking stdout pipe that is full: wait for the reader.
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err
        await new Promise((r) => setTimeout(r, 10))
      }
    }
  }

  async #openOutput(): Promise<number> {
    const path = this.#opts.filePath
    if (path === undefined) return STDOUT
    try {
      return await openAsync(path, 'a')
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      throw Object.assign(new Error(`accesslog.filepath ${JSON.stringify(path)} cannot be opened for append: ${e.message}`), { code: 'ACCESSLOG_OPEN_FAILED', cause: err })
    }
  }
}
