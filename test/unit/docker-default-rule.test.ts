import t from 'tap'
import { compileRuleTemplate, normalize } from '../../src/providers/docker/default-rule.js'

t.test('normalize turns runs of non-alphanumerics into one dash, like Traefik', async (t) => {
  t.equal(normalize('whoami_demo'), 'whoami-demo')
  t.equal(normalize('/my..app__1'), 'my-app-1')
  t.equal(normalize('Café_1'), 'Café-1')
  t.equal(normalize('--'), '')
})

t.test('default rule templates', async (t) => {
  const model = { Name: 'whoami_demo', Labels: { 'app.host': 'api.example', odd: 'x_y' } }
  const cases: [string, string][] = [
    ['Host(`{{ normalize .Name }}`)', 'Host(`whoami-demo`)'],
    ['Host(`{{ normalize .Name }}.docker.localhost`)', 'Host(`whoami-demo.docker.localhost`)'],
    ['Host(`{{ .Name }}.local`)', 'Host(`whoami_demo.local`)'],
    ['Host(`{{ index .Labels "app.host" }}`)', 'Host(`api.example`)'],
    ['Host(`{{ normalize (index .Labels "odd") }}`)', 'Host(`x-y`)'],
    ['Host(`{{ index .Labels "missing" }}`)', 'Host(``)'],
    ['Host(`{{.Name}}`) && PathPrefix(`/{{ normalize .Name }}`)', 'Host(`whoami_demo`) && PathPrefix(`/whoami-demo`)'],
    ['Host(`static.example`)', 'Host(`static.example`)'],
  ]
  for (const [tpl, want] of cases) t.equal(compileRuleTemplate(tpl)(model), want, tpl)
})

t.test('unsupported template actions are refused at compile time', async (t) => {
  t.throws(() => compileRuleTemplate('Host(`{{ .Image }}`)'), { code: 'DOCKER_DEFAULT_RULE_TEMPLATE', message: /cannot evaluate \{\{ \.Image \}\}/ })
  t.throws(() => compileRuleTemplate('Host(`{{ lower .Name }}`)'), { code: 'DOCKER_DEFAULT_RULE_TEMPLATE' })
  t.throws(() => compileRuleTemplate('Host(`{{ .Name `)'), { code: 'DOCKER_DEFAULT_RULE_TEMPLATE', message: /unbalanced/ })
})
