// Keeps the newest configuration of every provider and hands the merged
// whole on. Traefik's habits: a config identical to the provider's newest
// one is skipped (compared as JSON, key order aside); per provider, the first update applies at once
// and later ones within throttleMs of the last applied are coalesced into
// one, applied when the window ends (newest wins). A timer, never a sleep.
// A provider's annotations travel with its config: same slot, same comparison.
import type { DynamicConfig } from '../config/dynamic.js'
import type { Annotation } from '../providers/annotation.js'
import { sameJson } from './same-json.js'
import { mergeConfigs, qualifyAnnotations } from './merge.js'

export interface ApplyInfo {
  /** The provider whose update caused this merge */
  provider: string
  routers: number
  services: number
  servers: number
  /** Providers with a configuration in the merge */
  providers: number
}

export interface AggregatorOptions {
  throttleMs: number
  /** Called with each new merged configuration and every provider's annotations (qualified names). */
  onConfig(merged: DynamicConfig, info: ApplyInfo, annotations: Annotation[]): void
}

interface Update {
  config: DynamicConfig
  annotations: readonly Annotation[]
}

const same = (a: Update | undefined, b: Update | undefined): boolean => a !== undefined && b !== undefined && sameJson(a.config, b.config) && sameJson(a.annotations, b.annotations)

interface ProviderSlot {
  applied?: Update
  pending?: Update
  /** performance.now() of the last apply */
  appliedAt: number
  timer?: NodeJS.Timeout
}

export class Aggregator {
  readonly #throttleMs: number
  readonly #onConfig: AggregatorOptions['onConfig']
  readonly #slots = new Map<string, ProviderSlot>()
  #closed = false

  constructor(opts: AggregatorOptions) {
    if (!Number.isFinite(opts.throttleMs) || opts.throttleMs < 0) throw new TypeError(`Aggregator: throttleMs must be a non-negative number, got ${opts.throttleMs}`)
    if (typeof opts.onConfig !== 'function') throw new TypeError('Aggregator: onConfig must be a function')
    this.#throttleMs = opts.throttleMs
    this.#onConfig = opts.onConfig
  }

  /** A provider's newest complete configuration, and its annotations. Neither may be mutated afterwards. */
  update(provider: string, config: DynamicConfig, annotations: readonly Annotation[] = []): void {
    if (this.#closed) return
    if (!provider || provider.includes('@')) throw new TypeError(`Aggregator: bad provider name ${JSON.stringify(provider)}`)
    let slot = this.#slots.get(provider)
    if (!slot) this.#slots.set(provider, (slot = { appliedAt: -Infinity }))
    const update = { config, annotations }
    if (same(slot.pending ?? slot.applied, update)) return
    slot.pending = update
    if (slot.timer) return
    const wait = slot.appliedAt + this.#throttleMs - performance.now()
    if (wait <= 0) this.#apply(provider, slot)
    else slot.timer = setTimeout(() => this.#flush(provider, slot), wait)
  }

  /** Cancels pending updates; later updates are ignored. */
  close(): void {
    this.#closed = true
    for (const slot of this.#slots.values()) clearTimeout(slot.timer)
  }

  #flush(provider: string, slot: ProviderSlot): void {
    slot.timer = undefined
    // the provider may have gone back to what is applied meanwhile
    if (slot.pending && !same(slot.pending, slot.applied)) this.#apply(provider, slot)
    else slot.pending = undefined
  }

  #apply(provider: string, slot: ProviderSlot): void {
    slot.applied = slot.pending
    slot.pending = undefined
    slot.appliedAt = performance.now()
    const byProvider = new Map<string, DynamicConfig>()
    const annotations = new Map<string, readonly Annotation[]>()
    for (const [name, s] of this.#slots) {
      if (!s.applied) continue
      byProvider.set(name, s.applied.config)
      annotations.set(name, s.applied.annotations)
    }
    const { config, counts } = mergeConfigs(byProvider)
    this.#onConfig(config, { provider, ...counts, providers: byProvider.size }, qualifyAnnotations(annotations))
  }
}
