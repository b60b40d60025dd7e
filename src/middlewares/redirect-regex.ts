// redirectRegex: redirects when a regex over the client's full URL
// (scheme://host[:port]/path?query) matches and the replacement changes it.
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, type Middleware, type Step } from './kind.js'
import { redirectRegexSchema } from './schemas.js'
import type { Flow } from './flow.js'
import { goReplacer, matches, replaceAll } from './go-replace.js'
import { redirect, schemeOf } from './redirect.js'

interface Compiled {
  regex: string
  replacement: string
  permanent: boolean
}

class RedirectRegex implements Middleware {
  private readonly re: RegExp

  constructor(private readonly c: Compiled) {
    this.re = goReplacer(c.regex)
  }

  request(flow: Flow): Step {
    const old = `${schemeOf(flow)}://${flow.originalHost}${flow.target()}`
    if (!matches(this.re, old)) return NEXT
    const next = replaceAll(this.re, old, this.c.replacement)
    if (next === old) return NEXT
    return redirect(flow, next, this.c.permanent)
  }
}

export default kind<Compiled>({
  schema: redirectRegexSchema,
  phases: () => PHASE_REQUEST,
  compile(o) {
    const regex = (o.regex as string | undefined) ?? ''
    try {
      goReplacer(regex)
    } catch (err) {
      throw new MiddlewareError(`regex ${JSON.stringify(regex)} is not a valid regular expression: ${(err as Error).message}`)
    }
    return { regex, replacement: (o.replacement as string | undefined) ?? '', permanent: o.permanent === true }
  },
  create: (c) => new RedirectRegex(c),
})
