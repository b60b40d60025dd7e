// pier's own log in a file (log.filePath), rotated as Traefik rotates it
// (its lumberjack writer): beyond maxSize MB (100 when unset) the file is
// renamed to <name>-<UTC time>.<ext> and a new one started; rotated files
// are gzip-compressed (Traefik always compresses, whatever log.compress
// says), and those beyond maxBackups or older than maxAge days are removed.
// Writes are synchronous, like the stderr log, so a crash never loses the
// line that explains it.
import { closeSync, existsSync, fstatSync, openSync, readdirSync, renameSync, unlinkSync, writeSync, createReadStream, createWriteStream } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import { createGzip } from 'node:zlib'
import { pipeline } from 'node:stream/promises'
import type { LogConfig } from './config/static.js'

const MB = 1024 * 1024
const DEFAULT_MAX_MB = 100
const DAY_MS = 86_400_000

/** <name>-2026-12-01T22-04-05.123<ext>, lumberjack's backup name in UTC. */
function backupName(file: string, now: Date): string {
  const ext = extname(file)
  const stamp = now.toISOString().replace(/:/g, '-').replace(/Z$/, '')
  return join(dirname(file), `${basename(file, ext)}-${stamp}${ext}`)
}

export class LogFile {
  private fd: number
  private size: number
  private readonly maxBytes: number

  constructor(private readonly cfg: Pick<LogConfig, 'filePath' | 'maxSize' | 'maxBackups' | 'maxAge'> & { filePath: string }) {
    this.fd = openSync(cfg.filePath, 'a', 0o644)
    this.size = fstatSync(this.fd).size
    this.maxBytes = (cfg.maxSize > 0 ? cfg.maxSize : DEFAULT_MAX_MB) * MB
  }

  write(line: string): void {
    const bytes = Buffer.byteLength(line)
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate()
    writeSync(this.fd, line)
    this.size += bytes
  }

  /** SIGUSR1: the file was moved away (logrotate); write to a new one by its name. */
  reopen(): void {
    closeSync(this.fd)
    this.fd = openSync(this.cfg.filePath, 'a', 0o644)
    this.size = fstatSync(this.fd).size
  }

  close(): void {
    closeSync(this.fd)
  }

  private rotate(): void {
    closeSync(this.fd)
    // Rotations within one millisecond (a burst of lines) must not overwrite each other.
    let at = Date.now()
    while (existsSync(backupName(this.cfg.filePath, new Date(at))) || existsSync(`${backupName(this.cfg.filePath, new Date(at))}.gz`)) at++
    const backup = backupName(this.cfg.filePath, new Date(at))
    renameSync(this.cfg.filePath, backup)
    this.fd = openSync(this.cfg.filePath, 'a', 0o644)
    this.size = 0
    void this.compressAndPrune(backup)
  }

  private async compressAndPrune(backup: string): Promise<void> {
    try {
      await pipeline(createReadStream(backup), createGzip(), createWriteStream(`${backup}.gz`))
      unlinkSync(backup)
    } catch (err) {
      // ENOENT: pruned meanwhile (a burst of rotations beyond maxBackups); the next prune takes its .gz.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.write(`${new Date().toISOString()} WARN  could not compress a rotated log file file=${JSON.stringify(backup)} error=${JSON.stringify((err as Error).message)}\n`)
    }
    this.prune()
  }

  /** Rotated files beyond maxBackups (oldest first) or older than maxAge days; a backup being compressed counts once. */
  private prune(): void {
    const dir = dirname(this.cfg.filePath)
    const ext = extname(this.cfg.filePath)
    const stem = `${basename(this.cfg.filePath, ext)}-`
    const stamp = /^(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d\.\d{3})/
    const byStamp = new Map<number, string[]>()
    for (const name of readdirSync(dir)) {
      const m = name.startsWith(stem) ? stamp.exec(name.slice(stem.length)) : null
      if (!m) continue
      const at = Date.parse(`${m[1]}:${m[2]}:${m[3]}Z`)
      byStamp.set(at, [...(byStamp.get(at) ?? []), name])
    }
    const old = this.cfg.maxAge > 0 ? Date.now() - this.cfg.maxAge * DAY_MS : -Infinity
    const newestFirst = [...byStamp.keys()].sort((a, b) => b - a)
    newestFirst.forEach((at, i) => {
      if (!((this.cfg.maxBackups > 0 && i >= this.cfg.maxBackups) || at < old)) return
      for (const name of byStamp.get(at)!) {
        try {
          unlinkSync(join(dir, name))
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.write(`${new Date().toISOString()} WARN  could not remove an old log file file=${JSON.stringify(name)} error=${JSON.stringify((err as Error).message)}\n`)
        }
      }
    })
  }
}
