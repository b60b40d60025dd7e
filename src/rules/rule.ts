// Rules for HTTP routers: parse (validating every argument), compile, and
// Traefik's default priority.
import type { RuleNode } from './ast.js'
import { compileExpression } from './compile.js'
import { httpRules } from './http-matchers.js'
import { parseExpression } from './parser.js'
import type { MatchRequest } from './request.js'

/** Parses and validates a rule; throws RuleError with the position of the problem. */
export function parseRule(rule: string): RuleNode {
  return parseExpression(rule, httpRules)
}

/** Compiles to a predicate over a reusable request view; evaluating it allocates nothing (QueryRegexp aside). */
export function compileRule(node: RuleNode): (req: MatchRequest) => boolean {
  return compileExpression(node, httpRules)
}

/** Traefik's default priority: the length of the rule string (in bytes, as Go's len). */
export function rulePriority(rule: string): number {
  return Buffer.byteLength(rule, 'utf8')
}
