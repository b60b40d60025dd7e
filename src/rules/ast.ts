// The parsed form of a rule or constraint expression.

export type RuleNode =
  | { kind: 'and' | 'or'; left: RuleNode; right: RuleNode }
  | { kind: 'not'; expr: RuleNode }
  | { kind: 'matcher'; name: string /* canonical v3 name */; args: string[]; position: number }
