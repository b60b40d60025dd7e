import type { DynamicConfig } from '../config/dynamic.js'
import type { Logger } from '../log.js'
import type { Annotation } from './annotation.js'

/**
 * A source of dynamic configuration. A provider only ever emits complete
 * configurations; the aggregator keeps the newest one per provider.
 */
export interface Provider {
  /** Short name used to qualify names: router@name. */
  readonly name: string
  /** Start producing; emit is called with every new complete configuration, and what the provider says about its parts. */
  start(emit: (config: DynamicConfig, annotations?: readonly Annotation[]) => void, log: Logger): Promise<void>
  /** Stop watching and release resources. */
  stop(): Promise<void>
}
