// A Go regex given as a matcher argument: compiled, or a RuleError at its position.
import { RuleError } from './errors.js'
import { goRegExp, GoRegexError, type GoRegexOptions } from './goregex.js'

export function regexError(e: unknown, src: string, matcher: string, pos: number): RuleError {
  if (!(e instanceof GoRegexError || e instanceof SyntaxError)) throw e
  // V8 repeats the translated source in its message; keep only the reason.
  const reason = e.message.slice(e.message.lastIndexOf(': ') + 1).trim()
  return new RuleError('RULE_BAD_REGEX', `invalid regular expression '${src}' in ${matcher}`, pos, reason)
}

export function regexArg(src: string, matcher: string, pos: number, opts?: GoRegexOptions): RegExp {
  try {
    return goRegExp(src, opts)
  } catch (e) {
    throw regexError(e, src, matcher, pos)
  }
}
