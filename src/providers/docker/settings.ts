// Provider settings to the label builder's options, shared by the docker and
// swarm providers: the default-rule template and the constraints compile once,
// eagerly, and a bad one is an error naming its flag.
import type { EngineProviderConfig } from '../../config/static.js'
import { compileConstraint, parseConstraint, parseRule, RuleError } from '../../rules/index.js'
import type { RuleNode } from '../../rules/ast.js'
import { parseDuration } from '../../config/duration.js'
import type { BuildOptions } from './builder.js'
import { compileRuleTemplate, TemplateError } from './default-rule.js'
import { compileV1Constraints, isV1Constraints, V1ConstraintError } from './v1-constraints.js'

export class DockerConfigError extends Error {
  readonly code = 'DOCKER_CONFIG'
}

/** The builder options every engine provider shares; `prefix` names the flags in errors (providers.docker). */
export function engineBuildOptions(config: EngineProviderConfig, prefix: string): Omit<BuildOptions, 'useBindPortIP' | 'localEngine'> {
  let defaultRule
  try {
    defaultRule = compileRuleTemplate(config.defaultRule)
  } catch (err) {
    if (err instanceof TemplateError) throw new DockerConfigError(`${prefix}.defaultRule: ${err.message}`)
    throw err
  }
  let constraint
  const constraintLabels = new Set<string>()
  if (config.constraints && isV1Constraints(config.constraints)) {
    try {
      constraint = compileV1Constraints(config.constraints)
    } catch (err) {
      if (err instanceof V1ConstraintError) throw new DockerConfigError(`${prefix}.constraints: ${err.message} in ${JSON.stringify(config.constraints)}`)
      throw err
    }
  } else if (config.constraints) {
    try {
      const node = parseConstraint(config.constraints)
      labelsRead(node, constraintLabels)
      constraint = compileConstraint(node)
    } catch (err) {
      if (err instanceof RuleError) throw new DockerConfigError(`${prefix}.constraints: ${err.message} in ${JSON.stringify(config.constraints)}`)
      throw err
    }
  }
  return {
    exposedByDefault: config.exposedByDefault,
    network: config.network || undefined,
    defaultRule,
    constraint,
    constraintLabels,
    allowEmptyServices: config.allowEmptyServices,
    domain: config.domain || undefined,
    v1HealthIntervalMs: config.v1HealthInterval !== undefined ? parseDuration(config.v1HealthInterval) : undefined,
    v1: config.v1,
    checkRule,
  }
}

/** The label keys a constraint expression reads, lower-cased. */
function labelsRead(node: RuleNode, into: Set<string>): void {
  if (node.kind === 'matcher') into.add(node.args[0]!.toLowerCase())
  else if (node.kind === 'not') labelsRead(node.expr, into)
  else {
    labelsRead(node.left, into)
    labelsRead(node.right, into)
  }
}

/** The rule parser's message for a bad rule, undefined for a good one: what the builder reports on a label. */
export function checkRule(rule: string): string | undefined {
  try {
    parseRule(rule)
    return undefined
  } catch (err) {
    if (err instanceof RuleError) return err.message
    throw err
  }
}
