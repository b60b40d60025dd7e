// Errors from parsing or compiling a rule or constraint expression. The code is
// stable (callers switch on it); the position is a 0-based index into the
// expression so a provider can point at the exact spot in a label or file.

export type RuleErrorCode =
  | 'RULE_EMPTY'
  | 'RULE_UNEXPECTED_TOKEN'
  | 'RULE_UNTERMINATED_STRING'
  | 'RULE_BAD_ESCAPE'
  | 'RULE_UNKNOWN_MATCHER'
  | 'RULE_ARG_COUNT'
  | 'RULE_EMPTY_ARG'
  | 'RULE_BAD_ARG'
  | 'RULE_BAD_REGEX'
  | 'RULE_BAD_CIDR'
  | 'RULE_TOO_DEEP'

export class RuleError extends Error {
  readonly code: RuleErrorCode
  readonly position: number

  /** Message: "<what> at <position>", then ": <hint>" when there is one. */
  constructor(code: RuleErrorCode, what: string, position: number, hint?: string) {
    super(`${what} at ${position}${hint ? `: ${hint}` : ''}`)
    this.name = 'RuleError'
    this.code = code
    this.position = position
  }
}
