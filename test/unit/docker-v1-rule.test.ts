import t from 'tap'
import { parseRule } from '../../src/rules/index.js'
import { translateV1Rule } from '../../src/providers/docker/v1-rule.js'

t.test('v1 frontend rules translate to the v2 rule language', async (t) => {
  const cases: [string, string, string[]][] = [
    ['Host:whoami.docker.localhost', 'Host(`whoami.docker.localhost`)', []],
    ['Host:a.example,b.example', 'Host(`a.example`,`b.example`)', []],
    ['Host: a.example , b.example', 'Host(`a.example`,`b.example`)', []],
    ['PathPrefix:/api', 'PathPrefix(`/api`)', []],
    ['Path:/exact', 'Path(`/exact`)', []],
    ['Path:/a,/b', 'Path(`/a`) || Path(`/b`)', []],
    ['PathPrefixStrip:/api', 'PathPrefix(`/api`)', ['/api']],
    ['PathStrip:/x', 'Path(`/x`)', ['/x']],
    ['Host:a.example;PathPrefix:/api', 'Host(`a.example`) && PathPrefix(`/api`)', []],
    ['Host:a.example;Path:/a,/b', 'Host(`a.example`) && (Path(`/a`) || Path(`/b`))', []],
    ['Host:a.example;PathPrefixStrip:/s;Method:GET', 'Host(`a.example`) && PathPrefix(`/s`) && Method(`GET`)', ['/s']],
    ['host:a.example', 'Host(`a.example`)', []],
    ['Headers:X-Env,prod', 'Header(`X-Env`,`prod`)', []],
    ['Host:a.example;', 'Host(`a.example`)', []],
    ['HeadersRegexp:X-Env,^pro', 'HeaderRegexp(`X-Env`,`^pro`)', []],
    ['Host:a.example;Query:page=1,debug', 'Host(`a.example`) && Query(`page`,`1`) && Query(`debug`)', []],
  ]
  for (const [v1, rule, strip] of cases) {
    t.same(translateV1Rule(v1), { rule, strip }, v1)
    t.doesNotThrow(() => parseRule(rule), `${rule} parses with pier's rule parser`)
  }
})

t.test('v1 path modifiers become middlewares', async (t) => {
  t.same(translateV1Rule('Host:a.example;AddPrefix:/v2'), { rule: 'Host(`a.example`)', strip: [], modifiers: [['addprefix', { addPrefix: { prefix: '/v2' } }]] })
  t.same(translateV1Rule('ReplacePath:/health'), { rule: 'PathPrefix(`/`)', strip: [], modifiers: [['replacepath', { replacePath: { path: '/health' } }]] }, 'only modifiers: every request')
  t.same(translateV1Rule('PathPrefix:/api;ReplacePathRegex: ^/api/(.*) /$1'), { rule: 'PathPrefix(`/api`)', strip: [], modifiers: [['replacepathregex', { replacePathRegex: { regex: '^/api/(.*)', replacement: '/$1' } }]] })
})

t.test('bad v1 rules throw a coded error naming the part', async (t) => {
  const cases: [string, RegExp][] = [
    ['', /empty rule/],
    ['whoami.docker.localhost', /"whoami.docker.localhost" is not Matcher:value/],
    ['PathPrefixStripRegex:/api/{id:[0-9]+}', /matcher "PathPrefixStripRegex" is not supported/],
    ['ReplacePathRegex:^/a/(.*)', /ReplacePathRegex takes "<regex> <replacement>"/],
    ['Host:a,,b', /empty value in "Host:a,,b"/],
    ['Host:a`b', /backquote/],
    ['Headers:X-Only', /Headers takes name,value/],
  ]
  for (const [v1, re] of cases) t.throws(() => translateV1Rule(v1), { code: 'DOCKER_V1_RULE', message: re }, JSON.stringify(v1))
})
