// stripPrefixRegex: removes the text the first matching regex finds at the
// start of the path (Traefik's semantics: the match must be a prefix).
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, type Middleware, type Step } from './kind.js'
import { stripPrefixRegexSchema } from './schemas.js'
import type { Flow } from './flow.js'
import { goRegExp } from '../rules/goregex.js'
import { decodePath, textOf } from './path.js'
import { cutPath } from './strip-prefix.js'

interface Compiled {
  regex: string[]
}

/** Compiles Go regexes from options, naming the one that does not. */
export function compileRegexes(list: string[], option: string): RegExp[] {
  return list.map((src) => {
    try {
      return goRegExp(src.trim())
    } catch (err) {
      throw new MiddlewareError(`${option} ${JSON.stringify(src)} is not a valid regular expression: ${(err as Error).message}`)
    }
  })
}

class StripPrefixRegex implements Middleware {
  private readonly res: RegExp[]

  constructor(c: Compiled) {
    this.res = compileRegexes(c.regex, 'regex')
  }

  request(flow: Flow): Step {
    const raw = flow.path
    const decoded = decodePath(raw)
    for (const re of this.res) {
      const m = re.exec(decoded)
      if (m === null || m[0] === '' || !decoded.startsWith(m[0])) continue
      if (!cutPath(flow, raw, decoded, m[0].length, false)) return flow.error(400)
      flow.addHeader('x-forwarded-prefix', textOf(m[0]))
      break
    }
    return NEXT
  }
}

export default kind<Compiled>({
  schema: stripPrefixRegexSchema,
  phases: () => PHASE_REQUEST,
  compile(o) {
    const regex = ((o.regex as string[] | undefined) ?? []).map((r) => r.trim())
    compileRegexes(regex, 'regex')
    return { regex }
  },
  create: (c) => new StripPrefixRegex(c),
})
