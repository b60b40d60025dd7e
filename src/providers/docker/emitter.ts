// The last step of an engine provider: log each build warning once (while it
// lasts), and emit a configuration only when it differs from the last one.
import { createHash } from 'node:crypto'
import type { DynamicConfig } from '../../config/dynamic.js'
import type { Fields, Logger } from '../../log.js'
import type { Annotation } from '../annotation.js'

export interface Warning {
  code: string
  message: string
  /** Logged with the line (container, label, ...). */
  fields?: Fields
}

export class ConfigEmitter {
  readonly #emit: (config: DynamicConfig, annotations: readonly Annotation[]) => void
  readonly #log: Logger
  #lastHash = ''
  #lastWarnings = new Set<string>()

  constructor(emit: (config: DynamicConfig, annotations: readonly Annotation[]) => void, log: Logger) {
    this.#emit = emit
    this.#log = log
  }

  publish(config: DynamicConfig, annotations: readonly Annotation[], warnings: readonly Warning[]): void {
    const seen = new Set<string>()
    for (const w of warnings) {
      if (seen.has(w.message)) continue
      seen.add(w.message)
      if (!this.#lastWarnings.has(w.message)) this.#log.warn(w.message, { code: w.code, ...w.fields })
    }
    this.#lastWarnings = seen
    // The primary logs "Configuration received from provider <name>" for every emit.
    const hash = createHash('sha1').update(JSON.stringify([config, annotations])).digest('hex')
    if (hash === this.#lastHash) return
    this.#lastHash = hash
    this.#emit(config, annotations)
  }
}
