// replacePath: forwards a fixed path instead of the client's, which goes to
// the backend in X-Replaced-Path.
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, type Middleware, type Step } from './kind.js'
import { replacePathSchema } from './schemas.js'
import type { Flow } from './flow.js'

interface Compiled {
  path: string
}

/** Whether every % in a raw path starts a valid escape (Go's url.PathUnescape succeeds). */
export function validEscapes(raw: string): boolean {
  return !/%(?![0-9A-Fa-f]{2})/.test(raw)
}

class ReplacePath implements Middleware {
  constructor(private readonly c: Compiled) {}

  request(flow: Flow): Step {
    flow.addHeader('x-replaced-path', flow.path)
    flow.path = this.c.path === '' ? '/' : this.c.path
    return NEXT
  }
}

export default kind<Compiled>({
  schema: replacePathSchema,
  phases: () => PHASE_REQUEST,
  compile(o) {
    const path = (o.path as string | undefined) ?? ''
    if (!validEscapes(path)) throw new MiddlewareError(`path ${JSON.stringify(path)} has an invalid percent-escape`)
    return { path }
  },
  create: (c) => new ReplacePath(c),
})
