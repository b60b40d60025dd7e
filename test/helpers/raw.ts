// A raw TCP client for tests that need exact bytes on the wire: writes parts
// (optionally spaced out), collects what comes back, and tells whether and
// when the server closed the connection.
import { connect } from 'node:net'

export interface RawReply {
  /** Everything received, latin1. */
  text: string
  /** The server closed (or reset) the connection before the deadline. */
  closed: boolean
  /** ms from connect to the close (or to the deadline). */
  ms: number
  /** Status codes of the responses received, in order. */
  statuses: number[]
}

export interface RawOptions {
  /** ms between parts (default 0: all in one write). */
  gapMs?: number
  /** Give up (and destroy the socket) this long after connecting (default 2000). */
  waitMs?: number
  /** Resolve as soon as the text matches (the connection is then destroyed). */
  until?: RegExp
}

export function statusesOf(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]))
}

/** Sends parts to 127.0.0.1:port and collects the reply until the server closes, until matches, or waitMs pass. */
export function rawExchange(port: number, parts: Array<string | Buffer>, opts: RawOptions = {}): Promise<RawReply> {
  const waitMs = opts.waitMs ?? 2000
  return new Promise((resolve) => {
    const started = Date.now()
    let text = ''
    let done = false
    const finish = (closed: boolean): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      s.destroy()
      resolve({ text, closed, ms: Date.now() - started, statuses: statusesOf(text) })
    }
    const s = connect(port, '127.0.0.1', async () => {
      for (let i = 0; i < parts.length && !done; i++) {
        if (i > 0 && opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs))
        if (!s.destroyed) s.write(parts[i]!)
      }
    })
    s.setEncoding('latin1')
    s.on('data', (d: string) => {
      text += d
      if (opts.until?.test(text)) finish(false)
    })
    s.on('close', () => finish(true))
    s.on('error', () => {})
    const timer = setTimeout(() => finish(false), waitMs)
  })
}
