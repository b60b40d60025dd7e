// Rule grammar: precedence, parentheses, quoting, v2 spellings in the AST,
// every error kind with its code and position, priority and host indexing.
import t from 'tap'
import { indexHosts, parseRule, RuleError, rulePriority, type RuleNode } from '../../src/rules/index.js'

/** Compact rendering of a tree: and/or/not with parentheses, matchers as Name(args). */
function show(n: RuleNode): string {
  switch (n.kind) {
    case 'matcher': return `${n.name}(${n.args.join(',')})`
    case 'not': return `!${show(n.expr)}`
    case 'and': return `(${show(n.left)} && ${show(n.right)})`
    case 'or': return `(${show(n.left)} || ${show(n.right)})`
  }
}

function ruleError(rule: string): RuleError {
  try {
    parseRule(rule)
  } catch (err) {
    if (err instanceof RuleError) return err
    throw err
  }
  throw new Error(`expected ${rule} to fail`)
}

t.test('precedence and parentheses', async (t) => {
  const cases: Array<[string, string]> = [
    ['Host(`a`)', 'Host(a)'],
    ['Host(`a`) && Path(`/b`)', '(Host(a) && Path(/b))'],
    ['Host(`a`) || Path(`/b`) && Method(`GET`)', '(Host(a) || (Path(/b) && Method(GET)))'],
    ['Host(`a`) && Path(`/b`) || Method(`GET`)', '((Host(a) && Path(/b)) || Method(GET))'],
    ['(Host(`a`) || Path(`/b`)) && Method(`GET`)', '((Host(a) || Path(/b)) && Method(GET))'],
    ['!Host(`a`) && Path(`/b`)', '(!Host(a) && Path(/b))'],
    ['!(Host(`a`) && Path(`/b`))', '!(Host(a) && Path(/b))'],
    ['!!Host(`a`)', '!!Host(a)'],
    ['Host(`a`) || Host(`b`) || Host(`c`)', '((Host(a) || Host(b)) || Host(c))'],
    ['Host(`a`) && Host(`b`) && Host(`c`)', '((Host(a) && Host(b)) && Host(c))'],
    ['((Host(`a`)))', 'Host(a)'],
    ['  Host ( `a` ,`b` )\n&&\tPath(`/`)  ', '(Host(a,b) && Path(/))'],
    ['Host(`a`,)', 'Host(a)'],
    ['('.repeat(100) + 'Host(`a`)' + ')'.repeat(100), 'Host(a)'],
  ]
  for (const [rule, want] of cases) t.equal(show(parseRule(rule)), want, rule)
})

t.test('string literals', async (t) => {
  const cases: Array<[string, string[]]> = [
    ['Host("a.example")', ['a.example']],
    ['Header(`X-A`, "say \\"hi\\"")', ['X-A', 'say "hi"']],
    ['PathRegexp("^/a\\\\d+$")', ['^/a\\d+$']],
    ['Header(`X-A`, "\\x41\\u00e9\\101")', ['X-A', 'AéA']],
    ['PathRegexp(`^/raw\\d"quote"$`)', ['^/raw\\d"quote"$']],
  ]
  for (const [rule, args] of cases) {
    const node = parseRule(rule)
    t.equal(node.kind, 'matcher', rule)
    if (node.kind === 'matcher') t.same(node.args, args, rule)
  }
})

t.test('v2 and case spellings map to canonical v3 names', async (t) => {
  const cases: Array<[string, string]> = [
    ['Headers(`X-A`, `1`)', 'Header'],
    ['HeadersRegexp(`X-A`, `^1`)', 'HeaderRegexp'],
    ['HostHeader(`a`)', 'Host'],
    ['host(`a`)', 'Host'],
    ['HOST(`a`)', 'Host'],
    ['Pathprefix(`/a`)', 'PathPrefix'],
    ['pathprefix(`/a`)', 'PathPrefix'],
    ['hostregexp(`a`)', 'HostRegexp'],
  ]
  for (const [rule, name] of cases) {
    const node = parseRule(rule)
    t.equal(node.kind === 'matcher' && node.name, name, rule)
  }
})

t.test('matcher positions', async (t) => {
  const node = parseRule('Host(`a`) && !  Path(`/b`)')
  t.same(node, {
    kind: 'and',
    left: { kind: 'matcher', name: 'Host', args: ['a'], position: 0 },
    right: { kind: 'not', expr: { kind: 'matcher', name: 'Path', args: ['/b'], position: 16 } },
  })
})

t.test('errors carry a code, a position and a message naming it', async (t) => {
  const cases: Array<[rule: string, code: string, position: number, message: RegExp]> = [
    ['', 'RULE_EMPTY', 0, /^empty rule at 0$/],
    ['   ', 'RULE_EMPTY', 0, /^empty rule at 0/],
    ['Host(`a`) && && Path(`/`)', 'RULE_UNEXPECTED_TOKEN', 13, /^unexpected '&&' at 13: expected a matcher/],
    ['Host(`a`) &&', 'RULE_UNEXPECTED_TOKEN', 12, /^unexpected end of rule at 12/],
    ['Host(`a`) Path(`/`)', 'RULE_UNEXPECTED_TOKEN', 10, /^unexpected 'Path' at 10: expected '&&', '\|\|' or the end/],
    ['Host(`a`', 'RULE_UNEXPECTED_TOKEN', 8, /^unexpected end of rule at 8: expected ',' or '\)'/],
    ['(Host(`a`)', 'RULE_UNEXPECTED_TOKEN', 10, /^unexpected end of rule at 10: expected '\)'/],
    ['Host(`a`))', 'RULE_UNEXPECTED_TOKEN', 9, /^unexpected '\)' at 9/],
    ['Host `a`', 'RULE_UNEXPECTED_TOKEN', 5, /^unexpected '`a`' at 5: expected '\(' after Host/],
    ['Host(a)', 'RULE_UNEXPECTED_TOKEN', 5, /^unexpected 'a' at 5: expected a quoted argument/],
    ['Host(`a` `b`)', 'RULE_UNEXPECTED_TOKEN', 9, /^unexpected '`b`' at 9: expected ',' or '\)'/],
    ['Host(`a`) & Path(`/`)', 'RULE_UNEXPECTED_TOKEN', 10, /^unexpected '&' at 10: did you mean '&&'\?/],
    ['Host(`a`) | Path(`/`)', 'RULE_UNEXPECTED_TOKEN', 10, /^unexpected '\|' at 10/],
    ["Host('a')", 'RULE_UNEXPECTED_TOKEN', 5, /backticks or double quotes/],
    ['Host(`a`) @', 'RULE_UNEXPECTED_TOKEN', 10, /^unexpected '@' at 10/],
    ['Host(`a`) && Path(`/b)', 'RULE_UNTERMINATED_STRING', 18, /^unterminated string starting at 18$/],
    ['Host("a)', 'RULE_UNTERMINATED_STRING', 5, /^unterminated string starting at 5$/],
    ['Host("a\n")', 'RULE_UNTERMINATED_STRING', 5, /unterminated/],
    ['Host("a\\qb")', 'RULE_BAD_ESCAPE', 7, /^invalid escape '\\q' in string at 7$/],
    ['Host(`a`) || Hots(`b`)', 'RULE_UNKNOWN_MATCHER', 13, /^unknown matcher 'Hots' at 13: did you mean Host\? known matchers are Host, HostRegexp/],
    ['PathPrefixStrip(`/a`)', 'RULE_UNKNOWN_MATCHER', 0, /^unknown matcher 'PathPrefixStrip' at 0: did you mean PathPrefix\?/],
    ['Xyz(`/a`)', 'RULE_UNKNOWN_MATCHER', 0, /^unknown matcher 'Xyz' at 0: known matchers are/],
    ['HostSNI(`a`)', 'RULE_UNKNOWN_MATCHER', 0, /unknown matcher 'HostSNI'/],
    ['Host()', 'RULE_ARG_COUNT', 0, /^wrong number of arguments to Host at 0: expects 1 or more arguments, got 0$/],
    ['Path(`/`) && Header(`X-A`)', 'RULE_ARG_COUNT', 13, /Header at 13: expects \(name, value\) arguments/],
    ['Header(`a`, `b`, `c`)', 'RULE_ARG_COUNT', 0, /got 3/],
    ['PathRegexp(`/a`, `/b`)', 'RULE_ARG_COUNT', 0, /expects exactly 1 argument, got 2/],
    ['Query(`a=1`, `b`)', 'RULE_ARG_COUNT', 0, /Query/],
    ['QueryRegexp(`a`, `b`, `c`)', 'RULE_ARG_COUNT', 0, /expects 1 or 2 arguments/],
    ['Host(`a`, ``)', 'RULE_EMPTY_ARG', 10, /^empty argument to Host at 10$/],
    ['Header(`X-A`, ``)', 'RULE_EMPTY_ARG', 14, /empty argument to Header/],
    ['Path(`api`)', 'RULE_BAD_ARG', 5, /^Path 'api' does not start with '\/' at 5$/],
    ['PathPrefix(`api`)', 'RULE_BAD_ARG', 11, /PathPrefix 'api' does not start/],
    ['Host(`bücher.example`)', 'RULE_BAD_ARG', 5, /non-ASCII/],
    ['Host(`a.example:8080`)', 'RULE_BAD_ARG', 5, /carries a port/],
    ['Method(`GE T`)', 'RULE_BAD_ARG', 7, /invalid HTTP method 'GE T'/],
    ['Header(`X A`, `1`)', 'RULE_BAD_ARG', 7, /invalid header name 'X A'/],
    ['HostRegexp(`[a-z`)', 'RULE_BAD_REGEX', 11, /^invalid regular expression '\[a-z' in HostRegexp at 11: missing closing \]$/],
    ['PathRegexp(`^/(a`)', 'RULE_BAD_REGEX', 11, /in PathRegexp at 11/],
    ['PathRegexp(`^/(?=a)`)', 'RULE_BAD_REGEX', 11, /lookaround/],
    ['PathRegexp(`(a)\\1`)', 'RULE_BAD_REGEX', 11, /backreference/],
    ['PathRegexp(`a(?i)b`)', 'RULE_BAD_REGEX', 11, /inline flags/],
    ['HeaderRegexp(`X-A`, `(`)', 'RULE_BAD_REGEX', 20, /HeaderRegexp at 20/],
    ['HostRegexp(`{sub:[a-z]+.example.com`)', 'RULE_BAD_REGEX', 11, /unbalanced braces/],
    ['ClientIP(`10.0.0.0/33`)', 'RULE_BAD_CIDR', 9, /^invalid IP or CIDR '10.0.0.0\/33' in ClientIP at 9$/],
    ['ClientIP(`10.0.0.1`, `300.1.1.1`)', 'RULE_BAD_CIDR', 21, /300.1.1.1/],
    ['ClientIP(`::1/129`)', 'RULE_BAD_CIDR', 9, /::1\/129/],
    ['ClientIP(`fe80::1::2`)', 'RULE_BAD_CIDR', 9, /fe80::1::2/],
    ['ClientIP(`example.com`)', 'RULE_BAD_CIDR', 9, /example.com/],
    ['('.repeat(101) + 'Host(`a`)' + ')'.repeat(101), 'RULE_TOO_DEEP', 100, /^rule nested more than 100 levels deep at 100$/],
    ['!'.repeat(5000) + 'Host(`a`)', 'RULE_TOO_DEEP', 100, /nested more than 100 levels/],
  ]
  for (const [rule, code, position, message] of cases) {
    const err = ruleError(rule)
    t.equal(err.code, code, `${JSON.stringify(rule)} code`)
    t.equal(err.position, position, `${JSON.stringify(rule)} position`)
    t.match(err.message, message, `${JSON.stringify(rule)} message`)
  }
})

t.test('rulePriority is the rule length in bytes, as Traefik (Go len)', async (t) => {
  t.equal(rulePriority('Host(`a`)'), 9)
  t.equal(rulePriority('Host(`whoami.localhost`) && PathPrefix(`/api`)'), 46)
  t.equal(rulePriority('Header(`X-A`, `é`)'), 19)
  const shorter = rulePriority('Host(`a.example`)')
  const longer = rulePriority('Host(`a.example`) && PathPrefix(`/api`)')
  t.ok(longer > shorter, 'the more specific rule wins')
})

t.test('indexHosts', async (t) => {
  const cases: Array<[string, string[] | null]> = [
    ['Host(`A.Example`)', ['a.example']],
    ['Host(`a.example.`)', ['a.example']],
    ['Host(`a`, `B`, `a`)', ['a', 'b']],
    ['Host(`a`) && Path(`/x`)', ['a']],
    ['Path(`/x`) && Host(`a`)', ['a']],
    ['Host(`a`) && (Path(`/x`) || Method(`GET`))', ['a']],
    ['Host(`a`) || Path(`/x`)', null],
    ['!Host(`a`)', null],
    ['!Host(`a`) && Path(`/`)', null],
    ['Host(`a`) || Host(`b`)', ['a', 'b']],
    ['(Host(`a`) || Host(`b`)) && Path(`/x`)', ['a', 'b']],
    ['Host(`a`, `b`) && Host(`b`, `c`)', ['b']],
    ['Host(`a`) && Host(`b`)', []],
    ['HostRegexp(`^a$`)', null],
    ['Path(`/`)', null],
    ['Host(`::1`)', ['[::1]']],
    ['Host(`[::1]`)', ['[::1]']],
  ]
  for (const [rule, want] of cases) t.same(indexHosts(parseRule(rule)), want, rule)
})
