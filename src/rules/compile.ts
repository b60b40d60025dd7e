// Turns a parsed tree into one predicate: closures composed once, at compile
// time, so evaluating allocates nothing.
import type { RuleNode } from './ast.js'
import { RuleError } from './errors.js'
import { checkArgs, type Language } from './spec.js'

type Predicate<In> = (input: In) => boolean

export function compileExpression<In>(node: RuleNode, lang: Language<In>): Predicate<In> {
  switch (node.kind) {
    case 'and': {
      const left = compileExpression(node.left, lang)
      const right = compileExpression(node.right, lang)
      return (input) => left(input) && right(input)
    }
    case 'or': {
      const left = compileExpression(node.left, lang)
      const right = compileExpression(node.right, lang)
      return (input) => left(input) || right(input)
    }
    case 'not': {
      const inner = compileExpression(node.expr, lang)
      return (input) => !inner(input)
    }
    case 'matcher': {
      const spec = lang.lookup(node.name)
      if (!spec) throw new RuleError('RULE_UNKNOWN_MATCHER', `unknown matcher '${node.name}'`, node.position)
      const at = (): number => node.position
      checkArgs(spec, node.args, at, node.position)
      return spec.build(node.args, at)
    }
  }
}
