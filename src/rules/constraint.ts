// Provider constraints (--providers.docker.constraints): Label(`k`, `v`) and
// LabelRegex(`k`, `re`) combined with && || ! and parentheses, over a
// container's labels. Same grammar and errors as rules.
import type { RuleNode } from './ast.js'
import { compileExpression } from './compile.js'
import { parseExpression } from './parser.js'
import { regexArg } from './regex-arg.js'
import { exactly, language, type MatcherSpec } from './spec.js'

type Labels = Record<string, string>

/** A missing label reads as '' (Go's map lookup), so Label(`k`, ``) matches its absence. */
function label(labels: Labels, key: string): string {
  return Object.hasOwn(labels, key) ? labels[key]! : ''
}

const labelMatcher: MatcherSpec<Labels> = {
  name: 'Label',
  arity: exactly(2),
  allowEmptyArgs: true,
  build(args) {
    const [key, value] = args as [string, string]
    return (labels) => label(labels, key) === value
  },
}

const labelRegex: MatcherSpec<Labels> = {
  name: 'LabelRegex',
  arity: exactly(2),
  allowEmptyArgs: true,
  build(args, at) {
    const [key, src] = args as [string, string]
    const re = regexArg(src, 'LabelRegex', at(1))
    return (labels) => re.test(label(labels, key))
  },
}

const constraints = language<Labels>('constraint', [labelMatcher, labelRegex])

/** Parses a constraint expression; throws RuleError (RULE_EMPTY for an empty one: no constraint). */
export function parseConstraint(expr: string): RuleNode {
  return parseExpression(expr, constraints)
}

export function compileConstraint(node: RuleNode): (labels: Labels) => boolean {
  return compileExpression(node, constraints)
}
