// chain: a named list of middlewares. The table compiler flattens chains
// into the routers' chains (refusing loops), so a chain never runs itself.
import { kind } from './kind.js'
import { chainSchema } from './schemas.js'

interface Compiled {
  middlewares: string[]
}

export default kind<Compiled>({
  schema: chainSchema,
  phases: () => 0,
  compile: (o) => ({ middlewares: (o.middlewares as string[] | undefined) ?? [] }),
  create() {
    throw new Error('a chain is flattened by the table compiler and never built')
  },
})
