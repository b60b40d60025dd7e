// Recursive-descent parser shared by rules and constraints.
// Precedence: ! binds tighter than &&, which binds tighter than ||; both
// binary operators associate to the left.
import { nearest } from '../config/suggest.js'
import type { RuleNode } from './ast.js'
import { RuleError } from './errors.js'
import { tokenize, type Token } from './lexer.js'
import { checkArgs, type Language } from './spec.js'

/** Deeper nesting of '(' and '!' than this is refused rather than left to overflow the stack. */
const MAX_DEPTH = 100

export function parseExpression<In>(src: string, lang: Language<In>): RuleNode {
  if (typeof src !== 'string') throw new RuleError('RULE_EMPTY', `${lang.what} must be a string, got ${typeof src}`, 0)
  const tokens = tokenize(src)
  if (tokens.length === 1) throw new RuleError('RULE_EMPTY', `empty ${lang.what}`, 0)
  let at = 0
  const peek = (): Token => tokens[at]!
  const next = (): Token => tokens[at++]!

  const unexpected = (t: Token, expected: string): RuleError =>
    new RuleError(
      'RULE_UNEXPECTED_TOKEN',
      t.kind === 'end' ? `unexpected end of ${lang.what}` : `unexpected '${t.text}'`,
      t.pos,
      `expected ${expected}`,
    )

  const or = (): RuleNode => {
    let left = and()
    while (peek().kind === 'or') {
      next()
      left = { kind: 'or', left, right: and() }
    }
    return left
  }

  const and = (): RuleNode => {
    let left = unary()
    while (peek().kind === 'and') {
      next()
      left = { kind: 'and', left, right: unary() }
    }
    return left
  }

  let depth = 0
  const nested = <T>(t: Token, inner: () => T): T => {
    if (++depth > MAX_DEPTH) throw new RuleError('RULE_TOO_DEEP', `${lang.what} nested more than ${MAX_DEPTH} levels deep`, t.pos)
    const result = inner()
    depth--
    return result
  }

  const unary = (): RuleNode => {
    const t = next()
    if (t.kind === 'not') return nested(t, () => ({ kind: 'not', expr: unary() }))
    if (t.kind === 'lparen') {
      return nested(t, () => {
        const expr = or()
        const close = next()
        if (close.kind !== 'rparen') throw unexpected(close, "')' or an operator")
        return expr
      })
    }
    if (t.kind === 'ident') return matcher(t)
    throw unexpected(t, "a matcher, '!' or '('")
  }

  const matcher = (name: Token): RuleNode => {
    const spec = lang.lookup(name.value)
    if (!spec) {
      const near = nearest(name.value, lang.spellings)
      const known = `known matchers are ${lang.names.join(', ')}`
      throw new RuleError('RULE_UNKNOWN_MATCHER', `unknown matcher '${name.value}'`, name.pos, near ? `did you mean ${near}? ${known}` : known)
    }
    const open = next()
    if (open.kind !== 'lparen') throw unexpected(open, `'(' after ${name.value}`)
    const args: string[] = []
    const positions: number[] = []
    for (;;) {
      const t = next()
      if (t.kind === 'rparen') break
      if (t.kind !== 'string') throw unexpected(t, args.length === 0 ? "a quoted argument or ')'" : 'a quoted argument')
      args.push(t.value)
      positions.push(t.pos)
      const sep = next()
      if (sep.kind === 'rparen') break
      // Go call syntax allows a trailing comma, so Traefik does too.
      if (sep.kind !== 'comma') throw unexpected(sep, "',' or ')'")
    }
    const at = (i: number): number => positions[i] ?? name.pos
    checkArgs(spec, args, at, name.pos)
    // Building validates the arguments (regexes, CIDRs, paths) with exact positions.
    spec.build(args, at)
    return { kind: 'matcher', name: spec.name, args, position: name.pos }
  }

  const tree = or()
  const rest = peek()
  if (rest.kind !== 'end') throw unexpected(rest, "'&&', '||' or the end")
  return tree
}
