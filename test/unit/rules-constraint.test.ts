// Provider constraint expressions: Label and LabelRegex with && || ! and
// parentheses over container labels; the same errors as rules.
import t from 'tap'
import { compileConstraint, parseConstraint, RuleError } from '../../src/rules/index.js'

const labels = { 'com.example.env': 'prod', 'com.example.team': 'web', hello: 'world' }

t.test('constraints over labels', async (t) => {
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['Label(`hello`, `world`)', labels, true],
    ['Label("hello", "world")', labels, true],
    ['Label(`hello`, `worlds`)', labels, false],
    ['Label(`hi`, `world`)', labels, false],
    ['!Label(`hello`, `world`)', labels, false],
    ['Label(`hello`, `world`) && Label(`com.example.env`, `prod`)', labels, true],
    ['Label(`hello`, `world`) && !Label(`com.example.env`, `prod`)', labels, false],
    ['Label(`hello`, `x`) || Label(`com.example.team`, `web`)', labels, true],
    ['Label(`hello`, `x`) || Label(`com.example.team`, `x`)', labels, false],
    ['!(Label(`hello`, `x`) || Label(`com.example.team`, `x`))', labels, true],
    ['Label(`a`, `1`) || Label(`b`, `2`) && Label(`c`, `3`)', { a: '1' }, true],
    ['(Label(`a`, `1`) || Label(`b`, `2`)) && Label(`c`, `3`)', { a: '1' }, false],
    ['Label(`missing`, ``)', labels, true],
    ['Label(`constructor`, ``)', labels, true],
    ['LabelRegex(`hello`, `w\\w+`)', labels, true],
    ['LabelRegex("hello", "w\\\\w+")', labels, true],
    ['LabelRegex(`hello`, `w\\w+s`)', labels, false],
    ['LabelRegex(`hi`, `w\\w+`)', labels, false],
    ['!LabelRegex(`hello`, `w\\w+`)', labels, false],
    ['LabelRegex(`com.example.env`, `^(prod|staging)$`)', labels, true],
    ['LabelRegex(`com.example.env`, `^(dev|staging)$`)', labels, false],
    ['label(`hello`, `world`)', labels, true],
  ]
  for (const [expr, input, want] of cases) {
    t.equal(compileConstraint(parseConstraint(expr))(input), want, `${expr} on ${JSON.stringify(input)}`)
  }
})

t.test('constraint errors', async (t) => {
  const cases: Array<[string, string, number, RegExp]> = [
    ['', 'RULE_EMPTY', 0, /^empty constraint at 0$/],
    ['Label(`hello`)', 'RULE_ARG_COUNT', 0, /wrong number of arguments to Label at 0: expects exactly 2 arguments, got 1/],
    ['Foo(`hello`)', 'RULE_UNKNOWN_MATCHER', 0, /unknown matcher 'Foo' at 0: known matchers are Label, LabelRegex/],
    ['Host(`a`)', 'RULE_UNKNOWN_MATCHER', 0, /unknown matcher 'Host'/],
    ['LabelRegex(`hello`, `w(\\w+`)', 'RULE_BAD_REGEX', 20, /invalid regular expression 'w\(\\w\+' in LabelRegex at 20/],
    ['Label(`a`, `b`) &&', 'RULE_UNEXPECTED_TOKEN', 18, /unexpected end of constraint at 18/],
    ['Label(`a`, `b) ', 'RULE_UNTERMINATED_STRING', 11, /unterminated string starting at 11/],
  ]
  for (const [expr, code, position, message] of cases) {
    let err: unknown
    try {
      parseConstraint(expr)
    } catch (e) {
      err = e
    }
    t.ok(err instanceof RuleError, `${expr} throws RuleError`)
    t.match(err, { code, position, message }, expr)
  }
})
