// addPrefix: puts a prefix before the path.
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, type Middleware, type Step } from './kind.js'
import { addPrefixSchema } from './schemas.js'
import type { Flow } from './flow.js'
import { ensureLeadingSlash } from './path.js'

interface Compiled {
  prefix: string
}

class AddPrefix implements Middleware {
  constructor(private readonly c: Compiled) {}

  request(flow: Flow): Step {
    flow.path = ensureLeadingSlash(this.c.prefix + flow.path)
    return NEXT
  }
}

export default kind<Compiled>({
  schema: addPrefixSchema,
  phases: () => PHASE_REQUEST,
  compile(o) {
    const prefix = (o.prefix as string | undefined) ?? ''
    if (prefix === '') throw new MiddlewareError('prefix cannot be empty')
    return { prefix }
  },
  create: (c) => new AddPrefix(c),
})
