// The middlewares the static configuration puts on entrypoints (v1
// Compress and WhiteList), as a provider that emits them once: they are
// named `<entrypoint>-compress@entrypoints` like any provider's, show in the
// API, and the entrypoint's routers name them first in their chains.
import type { DynamicConfig, Middleware } from '../config/dynamic.js'
import { ENTRYPOINT_PROVIDER } from '../config/parse.js'
import type { Provider } from './provider.js'

export class EntryPointMiddlewares implements Provider {
  readonly name = ENTRYPOINT_PROVIDER
  readonly #defs: Record<string, Middleware>

  constructor(defs: Record<string, Middleware>) {
    this.#defs = defs
  }

  async start(emit: (config: DynamicConfig) => void): Promise<void> {
    emit({ http: { routers: {}, services: {}, middlewares: { ...this.#defs } } })
  }

  async stop(): Promise<void> {}
}
