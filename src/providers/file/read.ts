// The file provider's I/O: the text of its one file, or of every dynamic
// config file (*.yml, *.yaml, *.toml; dotfiles skipped) directly in its
// directory, in name order.
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { FileProviderConfig } from '../../config/static.js'
import type { SourceFile } from './build.js'
import { FileProblem, type Problem } from './problems.js'
import { isDynamicFile } from './syntax.js'

export async function readSources(cfg: FileProviderConfig): Promise<{ sources: SourceFile[] } | { error: Problem }> {
  const files: string[] = []
  if (cfg.filename !== undefined) {
    files.push(cfg.filename)
  } else if (cfg.directory !== undefined) {
    let names: string[]
    try {
      names = await readdir(cfg.directory)
    } catch (err) {
      return { error: { file: cfg.directory, code: FileProblem.READ, message: `cannot read the directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` } }
    }
    for (const n of names.sort()) if (!n.startsWith('.') && isDynamicFile(n)) files.push(join(cfg.directory, n))
  }
  const sources: SourceFile[] = []
  for (const file of files) {
    try {
      const text = await readFile(file, 'utf8')
      sources.push(cfg.traefikFile ? { file, text, static: true } : { file, text })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      // a file removed between readdir and read is simply gone
      if (code === 'ENOENT' && cfg.directory !== undefined) continue
      if (code === 'EISDIR') continue
      return { error: { file, code: FileProblem.READ, message: `cannot read the file (${code ?? (err as Error).message})` } }
    }
  }
  return { sources }
}
