// Go (RE2) regexp syntax as the *Regexp matchers take it: what JavaScript
// reads differently is translated, what RE2 lacks or we cannot translate is
// refused with RULE_BAD_REGEX.
import t from 'tap'
import { compileRule, parseRule, RuleError, type MatchRequest } from '../../src/rules/index.js'

const onPath = (path: string): MatchRequest => ({
  host: 'a.example', path, query: '', method: 'GET', header: () => '', clientIP: () => '127.0.0.1',
})

t.test('translated syntax', async (t) => {
  const cases: Array<[re: string, path: string, matches: boolean]> = [
    ['^/a\\Q.*+\\E$', '/a.*+', true],
    ['^/a\\Q.*+\\E$', '/abbb', false],
    ['^/a\\Q.*', '/a.*', true],
    ['^/[]a]+$', '/]a]', true],
    ['^/[^]a]+$', '/bcd', true],
    ['^/[^]a]+$', '/b]d', false],
    ['^/\\x{41}$', '/A', true],
    ['^/(?P<id>[0-9]+)$', '/42', true],
    ['^/(?<id>[0-9]+)$', '/42', true],
    ['^/(?:a|b)$', '/b', true],
    ['(?i)^/API$', '/api', true],
    ['^/API$', '/api', false],
    ['(?is)^/a.b$', '/A\nB', true],
    ['^/a.b$', '/a\nb', false],
    ['\\A/a', '/a/b', true],
    ['\\A/a', '/b/a', false],
    ['/b\\z', '/a/b', true],
    ['/b\\z', '/a/b/', false],
    ['^/[[:digit:]]+$', '/123', true],
    ['^/[[:digit:]]+$', '/12a', false],
    ['^/[[:alpha:][:digit:]_]+$', '/ab_12', true],
    ['^/[[:punct:]]$', '/!', true],
    ['^/\\d{2,3}$', '/123', true],
    ['^/\\d{2,3}$', '/1234', false],
    ['^/a\\-b\\:c$', '/a-b:c', true],
    ['/users/', '/api/users/1', true],
    ['(?i)^/[a-c]+$', '/aBc', true],
    ['(?i)^/[^a-c]$', '/B', false],
    ['(?i)^/[^a-c]$', '/D', true],
    ['(?i)^/[[:lower:]]+$', '/ABC', true],
    ['(?i)^/\\Qab\\E$', '/AB', true],
    ['(?i)^/(?P<Name>x)$', '/X', true],
    ['^/[\\d\\-]+$', '/1-2', true],
    ['^/[\\x41-\\x43]+$', '/ABC', true],
    ['^/[\\x41-\\x43]+$', '/abc', false],
  ]
  for (const [re, path, want] of cases) {
    t.equal(compileRule(parseRule(`PathRegexp("${re.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}")`))(onPath(path)), want, `${re} on ${JSON.stringify(path)}`)
  }
})

t.test('refused syntax', async (t) => {
  const cases: Array<[re: string, reason: RegExp]> = [
    ['(?=a)', /lookaround/],
    ['(?!a)', /lookaround/],
    ['(?<=a)b', /lookaround/],
    ['(?<!a)b', /lookaround/],
    ['(a)\\1', /backreference/],
    ['a(?i)b', /inline flags/],
    ['(?i:a)', /inline flags/],
    ['(?U)a+', /ungreedy/],
    ['\\pL', /Unicode class/],
    ['[[:^alpha:]]', /negated POSIX class/],
    ['[[:nope:]]', /unknown POSIX class/],
    ['\\Z', /invalid escape \\Z/],
    ['a\\', /trailing backslash/],
    ['[a', /missing closing \]/],
    ['(a', /Unterminated group|unterminated/i],
    ['a)', /Unmatched/i],
    ['*a', /Nothing to repeat/i],
    ['\\x{110000}', /unsupported escape/],
    ['(?P<1x>a)', /invalid group name/],
    ['[z-a]', /invalid class range/],
  ]
  for (const [re, reason] of cases) {
    const rule = `PathRegexp(\`${re}\`)`
    let err: unknown
    try {
      parseRule(rule)
    } catch (e) {
      err = e
    }
    t.ok(err instanceof RuleError, `${rule} refused`)
    t.match(err, { code: 'RULE_BAD_REGEX', position: 11, message: reason }, rule)
  }
})

t.test('a catastrophic pattern falls back to the linear engine instead of hanging', async (t) => {
  // 2^40 backtracking steps: without the fallback this would outlive the test timeout.
  const value = 'a'.repeat(40) + '!'
  const headerReq = { ...onPath('/'), header: () => value }
  t.equal(compileRule(parseRule('HeaderRegexp(`X-A`, `^(a+)+$`)'))(headerReq), false)
  t.equal(compileRule(parseRule('HostRegexp(`^(a+)+$`)'))({ ...onPath('/'), host: value }), false)
  t.equal(compileRule(parseRule('PathRegexp(`^/(a+)+\\z`)'))(onPath('/' + value)), false)
})
