// Traefik-like one-line logs: common format `time level msg key=value ...`
// or one JSON object per line. Written synchronously to stderr so a crash
// never loses the line that explains it.
import { writeSync } from 'node:fs'

export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'
export type Format = 'common' | 'json'
export type Fields = Record<string, string | number | boolean | undefined>

const rank: Record<Level, number> = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 }

export interface Logger {
  debug(msg: string, fields?: Fields): void
  info(msg: string, fields?: Fields): void
  warn(msg: string, fields?: Fields): void
  error(msg: string, fields?: Fields): void
  enabled(level: Level): boolean
  /** A logger whose lines all carry these fields (e.g. providerName=docker). */
  with(fields: Fields): Logger
  /** Writes a line formatted elsewhere (a worker thread's, handed to the primary). */
  line(text: string): void
}

export interface LogOptions {
  level: Level
  format: Format
  /** default 2 (stderr) */
  fd?: number
  /** Where lines go instead of fd: the log file, or (in a worker) the primary. */
  write?: (line: string) => void
}

export function createLogger(opts: LogOptions, base: Fields = {}): Logger {
  const min = rank[opts.level]
  const fd = opts.fd ?? 2
  const out = opts.write ?? ((line: string): void => {
    try {
      writeSync(fd, line)
    } catch {
      // stderr closed (EPIPE/EAGAIN): a log line is not worth a crash.
    }
  })
  const write = (level: Level, msg: string, fields?: Fields): void => {
    if (rank[level] < min) return
    const all = { ...base, ...fields }
    const time = new Date().toISOString()
    let line: string
    if (opts.format === 'json') {
      line = JSON.stringify({ level: level.toLowerCase(), time, msg, ...all })
    } else {
      line = `${time} ${level.padEnd(5)} ${msg}`
      for (const [k, v] of Object.entries(all)) {
        if (v === undefined) continue
        const s = String(v)
        line += ` ${k}=${/[\s"=]/.test(s) || s === '' ? JSON.stringify(s) : s}`
      }
    }
    out(line + '\n')
  }
  return {
    debug: (m, f) => write('DEBUG', m, f),
    info: (m, f) => write('INFO', m, f),
    warn: (m, f) => write('WARN', m, f),
    error: (m, f) => write('ERROR', m, f),
    enabled: (level) => rank[level] >= min,
    with: (fields) => createLogger(opts, { ...base, ...fields }),
    line: out,
  }
}
