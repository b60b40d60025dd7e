// uWS loads certificates from files only, by name. Every certificate pier
// serves (inline PEM, ACME, generated) is written to a private directory
// (0700, files 0600), named by its content id so that a changed certificate
// is a new file and a worker never reads one half-written.
import { mkdtempSync, rmSync, writeFileSync, renameSync, readdirSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Certificate } from './certificate.js'

export interface CertFiles {
  cert: string
  key: string
}

export class CertificateFiles {
  readonly dir: string
  private readonly written = new Set<string>()

  constructor(parent = process.env.XDG_RUNTIME_DIR || tmpdir()) {
    this.dir = mkdtempSync(join(parent, 'pier-tls-'))
    process.once('exit', () => this.remove())
  }

  /** The files of c, written on first use. */
  files(c: Certificate): CertFiles {
    const out = { cert: join(this.dir, `${c.id}.crt`), key: join(this.dir, `${c.id}.key`) }
    if (!this.written.has(c.id)) {
      write(out.cert, c.cert)
      write(out.key, c.key)
      this.written.add(c.id)
    }
    return out
  }

  /** Deletes the files of every certificate not in keep (by id). */
  prune(keep: ReadonlySet<string>): void {
    for (const f of readdirSync(this.dir)) {
      const id = f.replace(/\.(crt|key)$/, '')
      if (keep.has(id)) continue
      unlinkSync(join(this.dir, f))
      this.written.delete(id)
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}

function write(path: string, text: string): void {
  const tmp = `${path}.tmp`
  writeFileSync(tmp, text, { mode: 0o600 })
  renameSync(tmp, path)
}
