// Test plumbing for the upstream parser: feed a raw response in given pieces
// and record everything the parser reports, in a comparable shape.
import type { Head } from '../../src/upstream/head.js'
import { ResponseParser, type ParserSink } from '../../src/upstream/parser.js'

export interface Parsed {
  heads: Array<{ status: number; statusText: string; headers: string[]; contentLength: number }>
  body: string
  trailers: string[] | null
  keepAlive: boolean
  /** Bytes of the input after the end of the response. */
  extra: number
  error: { code: string; reason: string | undefined } | null
  /** A 101 ended the exchange (upgrade requests only). */
  upgraded: boolean
}

/**
 * Parses raw (latin1) split at the given offsets; eof: the connection closes
 * after the last byte. Each piece is copied into a reused buffer (with stale
 * bytes after it), as the connection's shared read buffer would be.
 */
export function parse(raw: string | Buffer, splits: number[] = [], opts: { isHead?: boolean; eof?: boolean; upgrade?: boolean } = {}): Parsed {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw
  const out: Parsed = { heads: [], body: '', trailers: null, keepAlive: false, extra: 0, error: null, upgraded: false }
  const sink: ParserSink = {
    onHead(head: Head, contentLength: number) {
      out.heads.push({ status: head.status, statusText: head.statusText, headers: head.headers.slice(), contentLength })
      return true
    },
    onBody(chunk: Buffer) {
      out.body += chunk.toString('latin1')
      return true
    },
  }
  const parser = new ResponseParser(sink)
  parser.reset(opts.isHead ?? false, opts.upgrade ?? false)
  const reuse = Buffer.alloc(bytes.length + 16, 0x58)
  const cuts = [...splits.filter((s) => s > 0 && s < bytes.length).sort((a, b) => a - b), bytes.length]
  let from = 0
  for (const cut of cuts) {
    reuse.fill(0x58)
    bytes.copy(reuse, 0, from, cut)
    const n = cut - from
    const p = parser.execute(reuse, 0, n)
    if (p < 0) {
      out.error = { code: parser.error!.code, reason: parser.error!.reason }
      return out
    }
    if (parser.done) {
      out.extra = n - p + (bytes.length - cut)
      break
    }
    from = cut
  }
  if (!parser.done && opts.eof !== false) {
    if (!parser.finish()) out.error = { code: parser.error!.code, reason: parser.error!.reason }
  }
  if (parser.done) {
    out.upgraded = parser.upgraded
    out.trailers = parser.trailers
    out.keepAlive = parser.keepAlive
  }
  return out
}
