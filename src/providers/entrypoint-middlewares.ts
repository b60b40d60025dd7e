// The middlewares the static configuration puts on entrypoints (v1
// Compress, WhiteList, Auth, retry), as a provider that emits them once:
// they are named `<entrypoint>-compress@entrypoints` like any provider's,
// show in the API, and the entrypoint's routers name them first in their
// chains. A definition pier cannot use disables those routers, naming it.
import type { DynamicConfig, Middleware } from '../config/dynamic.js'
import { ENTRYPOINT_PROVIDER } from '../config/parse.js'
import type { MiddlewareBody } from '../config/static.js'
import { readDefinition } from '../middlewares/definition.js'
import type { Provider } from './provider.js'

export class EntryPointMiddlewares implements Provider {
  readonly name = ENTRYPOINT_PROVIDER
  readonly #defs: Record<string, Middleware> = {}

  constructor(bodies: Record<string, MiddlewareBody>) {
    for (const [name, body] of Object.entries(bodies)) {
      const read = readDefinition(body, 'file')
      const type = Object.keys(body)[0] ?? ''
      this.#defs[name] = read.def && read.errors.length === 0 ? read.def : { type, options: {}, unsupported: read.errors.map((e) => `entrypoint option ${type}: ${e}`) }
    }
  }

  async start(emit: (config: DynamicConfig) => void): Promise<void> {
    emit({ http: { routers: {}, services: {}, middlewares: { ...this.#defs } } })
  }

  async stop(): Promise<void> {}
}
