// What a matcher is to the parser and the compiler: a canonical name, an
// argument-count check and a builder that validates its arguments and returns
// the predicate. One table of these defines a language (rules, constraints).
import { RuleError } from './errors.js'

/** Position of argument i in the source (the matcher's position when unknown). */
export type ArgPosition = (i: number) => number

export interface MatcherSpec<In> {
  /** Canonical (v3) name, put in the AST. */
  name: string
  /** Other spellings users bring (v2), mapped to this matcher. */
  aliases?: string[]
  /** What the arguments should be, e.g. "1 or more arguments"; null when they fit. */
  arity(args: string[]): string | null
  /** Empty-string arguments are rejected unless allowed (Traefik's CheckRule). */
  allowEmptyArgs?: boolean
  /** Validates the arguments (throwing RuleError at their position) and builds the predicate. */
  build(args: string[], at: ArgPosition): (input: In) => boolean
}

export interface Language<In> {
  /** 'rule' or 'constraint', for messages. */
  what: string
  lookup(name: string): MatcherSpec<In> | undefined
  /** Canonical names, for the unknown-matcher message. */
  names: string[]
  /** Canonical names and aliases, for "did you mean". */
  spellings: string[]
}

/**
 * Accepts each name as written, lower-case, upper-case and title-case
 * (Hostregexp), the spellings Traefik's parser registers.
 */
export function language<In>(what: string, specs: MatcherSpec<In>[]): Language<In> {
  const byName = new Map<string, MatcherSpec<In>>()
  for (const spec of specs) {
    for (const name of [spec.name, ...(spec.aliases ?? [])]) {
      const lower = name.toLowerCase()
      for (const spelling of [name, lower, name.toUpperCase(), lower[0]!.toUpperCase() + lower.slice(1)]) {
        byName.set(spelling, spec)
      }
    }
  }
  return {
    what,
    lookup: (name) => byName.get(name),
    names: specs.map((s) => s.name),
    spellings: specs.flatMap((s) => [s.name, ...(s.aliases ?? [])]),
  }
}

export const exactly = (n: number) => (args: string[]): string | null =>
  args.length === n ? null : `exactly ${n} argument${n === 1 ? '' : 's'}`
export const atLeastOne = (args: string[]): string | null => (args.length >= 1 ? null : '1 or more arguments')
export const pairs = (args: string[]): string | null =>
  args.length >= 2 && args.length % 2 === 0 ? null : '(name, value) arguments, or several such pairs'

/** Checks the argument count and empty arguments (parser and compiler alike). */
export function checkArgs<In>(spec: MatcherSpec<In>, args: string[], at: ArgPosition, namePos: number): void {
  const expected = spec.arity(args)
  if (expected !== null) {
    throw new RuleError('RULE_ARG_COUNT', `wrong number of arguments to ${spec.name}`, namePos, `expects ${expected}, got ${args.length}`)
  }
  if (!spec.allowEmptyArgs) {
    const empty = args.indexOf('')
    if (empty >= 0) throw new RuleError('RULE_EMPTY_ARG', `empty argument to ${spec.name}`, at(empty))
  }
}
