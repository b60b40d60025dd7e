// Traefik's rule language: parse, validate, compile to allocation-free
// predicates; plus provider constraint expressions.
export type { RuleNode } from './ast.js'
export { RuleError, type RuleErrorCode } from './errors.js'
export type { MatchRequest } from './request.js'
export { parseRule, compileRule, rulePriority } from './rule.js'
export { indexHosts, hostOnly, beyondHosts } from './index-hosts.js'
export { hostEquals } from './host.js'
export { parseConstraint, compileConstraint } from './constraint.js'
