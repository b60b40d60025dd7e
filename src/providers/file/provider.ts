// The file provider: Traefik's dynamic configuration from one file or a
// directory of files, re-read on change. Only a complete, valid set of files
// is emitted; on an error the last good configuration stays in force.
import { basename, dirname } from 'node:path'
import type { FileProviderConfig } from '../../config/static.js'
import type { DynamicConfig } from '../../config/dynamic.js'
import type { Fields, Logger } from '../../log.js'
import type { Provider } from '../provider.js'
import { buildFileConfig, PROVIDER_NAME } from './build.js'
import { formatProblem, type Problem } from './problems.js'
import { readSources } from './read.js'
import { DirWatcher } from './watch.js'

/** Quiet period after a change before re-reading (editors write in bursts). */
const DEBOUNCE_MS = 30
/** Retry period while the watched directory is missing. */
const REARM_MS = 200

export class FileProvider implements Provider {
  readonly name = PROVIDER_NAME
  readonly #cfg: FileProviderConfig
  #watcher?: DirWatcher
  /** Warnings already logged: each is said once, not on every reload. */
  readonly #warned = new Set<string>()
  /** Reloads run one at a time; a change during a reload asks for one more. */
  #loading?: Promise<void>
  #again = false
  #stopped = false

  constructor(cfg: FileProviderConfig) {
    if ((cfg.filename === undefined) === (cfg.directory === undefined)) throw new TypeError('FileProvider: give exactly one of filename and directory')
    this.#cfg = cfg
  }

  async start(emit: (config: DynamicConfig) => void, log: Logger): Promise<void> {
    const reload = (): Promise<void> => {
      if (this.#loading) {
        this.#again = true
        return this.#loading
      }
      this.#loading = (async () => {
        try {
          do {
            this.#again = false
            await this.#load(emit, log)
          } while (this.#again && !this.#stopped)
        } catch (err) {
          // a defect of ours, not of the user's files: say so, keep the last good config and keep watching
          log.error('file provider failed to load the configuration', { error: (err as Error).stack ?? String(err) })
        } finally {
          this.#loading = undefined
        }
      })()
      return this.#loading
    }
    await reload()
    if (!this.#cfg.watch || this.#stopped) return
    const file = this.#cfg.filename
    this.#watcher = new DirWatcher({
      dir: file !== undefined ? dirname(file) : this.#cfg.directory!,
      only: file !== undefined ? basename(file) : undefined,
      debounceMs: DEBOUNCE_MS,
      retryMs: REARM_MS,
      onChange: () => void reload(),
      onTrouble: (message) => log.warn('file provider cannot watch for changes; retrying', { error: message }),
    })
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#watcher?.close()
    await this.#loading
  }

  async #load(emit: (config: DynamicConfig) => void, log: Logger): Promise<void> {
    const read = await readSources(this.#cfg)
    if (this.#stopped) return
    if ('error' in read) return this.#refuse(log, [read.error])
    const built = buildFileConfig(read.sources, this.#cfg)
    for (const w of built.warnings) {
      const key = formatProblem({ ...w, line: undefined })
      if (this.#warned.has(key)) continue
      this.#warned.add(key)
      log.warn('dynamic configuration key ignored', fields(w, 'reason'))
    }
    if (!built.config) return this.#refuse(log, built.errors)
    emit(built.config)
  }

  #refuse(log: Logger, errors: Problem[]): void {
    for (const e of errors) log.error('invalid dynamic configuration, keeping the last good one', fields(e, 'error'))
  }
}

/** Traefik's field names; the problem itself goes under `as`, without the file and name already in the fields. */
function fields(p: Problem, as: 'error' | 'reason'): Fields {
  return { filename: p.file, line: p.line, routerName: p.router, serviceName: p.service, code: p.code, [as]: p.message }
}
