// replacePathRegex: rewrites the (raw) path with a regex and a Go-style
// replacement ($1, ${1}, ${name}); X-Replaced-Path carries the original.
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, type Middleware, type Step } from './kind.js'
import { replacePathRegexSchema } from './schemas.js'
import type { Flow } from './flow.js'
import { goReplacer, matches, replaceAll } from './go-replace.js'
import { ensureLeadingSlash, isClean } from './path.js'
import { validEscapes } from './replace-path.js'

interface Compiled {
  regex: string
  replacement: string
}

function replacer(src: string): RegExp {
  try {
    return goReplacer(src)
  } catch (err) {
    throw new MiddlewareError(`regex ${JSON.stringify(src)} is not a valid regular expression: ${(err as Error).message}`)
  }
}

class ReplacePathRegex implements Middleware {
  private readonly re: RegExp

  constructor(private readonly c: Compiled) {
    this.re = replacer(c.regex)
  }

  request(flow: Flow): Step {
    const current = flow.path
    if (!matches(this.re, current)) return NEXT
    const next = replaceAll(this.re, current, this.c.replacement)
    if (!validEscapes(next)) return flow.error(500, `invalid URL escape in ${JSON.stringify(next)}`)
    const path = ensureLeadingSlash(next)
    if (path !== '' && !isClean(path)) return flow.error(400)
    flow.addHeader('x-replaced-path', current)
    flow.path = path === '' ? '/' : path
    return NEXT
  }
}

export default kind<Compiled>({
  schema: replacePathRegexSchema,
  phases: () => PHASE_REQUEST,
  compile(o) {
    const regex = ((o.regex as string | undefined) ?? '').trim()
    replacer(regex)
    return { regex, replacement: ((o.replacement as string | undefined) ?? '').trim() }
  },
  create: (c) => new ReplacePathRegex(c),
})
