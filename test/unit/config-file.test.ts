// Static configuration from a YAML or TOML file named by --configFile, with
// flags overriding it, and errors that name the file and line.
import t from 'tap'
import { join } from 'node:path'
import { parseStaticConfig, ConfigError } from '../../src/config/parse.js'

function catchError(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError, none was thrown')
}

const yamlStatic = `
entryPoints:
  web:
    address: ":8000"
  traefik:
    address: "127.0.0.1:9000"
providers:
  providersThrottleDuration: 250ms
  file:
    filename: routes.yml
    watch: false
  docker:
    exposedByDefault: false
api:
  insecure: true
ping: {}
metrics:
  prometheus:
    buckets: [0.01, 0.1, 1]
accessLog:
  format: json
log:
  level: debug
serversTransport:
  forwardingTimeouts:
    dialTimeout: 5
lifecycle:
  graceTimeOut: 1s
workers: 2
global:
  checkNewVersion: false
`

t.test('YAML file in Traefik shape', async (t) => {
  const dir = t.testdir({ 'pier.yml': yamlStatic })
  const c = parseStaticConfig([`--configFile=${join(dir, 'pier.yml')}`], {})
  t.same(c.entryPoints, { web: { host: '', port: 8000 }, traefik: { host: '127.0.0.1', port: 9000 } })
  t.equal(c.providers.throttleMs, 250)
  t.same(c.providers.file, { filename: 'routes.yml', directory: undefined, watch: false })
  t.equal(c.providers.docker?.exposedByDefault, false)
  t.equal(c.providers.docker?.endpoint, 'unix:///var/run/docker.sock')
  t.same(c.api, { insecure: true, dashboard: true, debug: false })
  t.same(c.ping, { entryPoint: 'traefik', manualRouting: false, terminatingStatusCode: 503 })
  t.same(c.metrics, { prometheus: { buckets: [0.01, 0.1, 1], entryPoint: 'traefik', manualRouting: false } })
  t.same(c.accessLog, { format: 'json', bufferingSize: 0 })
  t.equal(c.log.level, 'DEBUG')
  t.equal(c.serversTransport.dialTimeoutMs, 5000)
  t.equal(c.lifecycle.graceTimeOutMs, 1000)
  t.equal(c.workers, 2)
})

t.test('flags override the file; the flag key is case-insensitive', async (t) => {
  const dir = t.testdir({ 'pier.yml': yamlStatic })
  const c = parseStaticConfig(['--configfile', join(dir, 'pier.yml'), '--entryPoints.web.address=:8100', '--log.level=ERROR', '--providers.docker=false', '--workers=1'], {})
  t.same(c.entryPoints.web, { host: '', port: 8100 })
  t.equal(c.log.level, 'ERROR')
  t.equal(c.providers.docker, undefined)
  t.equal(c.workers, 1)
  t.equal(c.providers.throttleMs, 250, 'untouched keys still come from the file')
})

t.test('TOML file, including Traefik v1 keys', async (t) => {
  const dir = t.testdir({
    'traefik.toml': `
logLevel = "DEBUG"

[entryPoints]
  [entryPoints.http]
  address = ":8001"

[web]
address = ":8081"

[docker]
endpoint = "tcp://127.0.0.1:2375"
domain = "docker.localhost"
watch = true
exposedByDefault = false
`,
  })
  const c = parseStaticConfig([`--configfile=${join(dir, 'traefik.toml')}`], {})
  t.same(c.entryPoints, { http: { host: '', port: 8001 }, traefik: { host: '', port: 8081 } })
  t.equal(c.log.level, 'DEBUG')
  t.same(c.api, { insecure: true, dashboard: true, debug: false })
  t.same(c.providers.docker, {
    endpoint: 'tcp://127.0.0.1:2375',
    exposedByDefault: false,
    defaultRule: 'Host(`{{ normalize .Name }}`)',
    watch: true,
    allowEmptyServices: false,
    useBindPortIP: false,
    v1: true,
    domain: 'docker.localhost',
  })
})

t.test('an empty docker section turns the provider on', async (t) => {
  const dir = t.testdir({ 'a.yml': 'providers:\n  docker: {}\n', 'b.yml': 'providers:\n  docker:\n' })
  t.equal(parseStaticConfig([`--configfile=${join(dir, 'a.yml')}`], {}).providers.docker?.watch, true)
  t.equal(parseStaticConfig([`--configfile=${join(dir, 'b.yml')}`], {}).providers.docker?.watch, true)
})

// [file name, content, code, message pattern]
const bad: Array<[string, string, string, RegExp]> = [
  ['typo.yml', 'entryPoints:\n  web:\n    adress: ":80"\n', 'CONFIG_UNKNOWN_KEY', /unknown option entryPoints\.web\.adress \(.*typo\.yml line 3\); did you mean entryPoints\.web\.address\?/],
  ['value.yml', 'log:\n  level: DEBUG\nworkers: many\n', 'CONFIG_BAD_VALUE', /bad value "many" for workers \(.*value\.yml line 3\): expected a positive integer/],
  ['syntax.yml', 'entryPoints:\n  web:\n    address: ":80"\n   bad: [\n', 'CONFIG_FILE', /config file .*syntax\.yml: line 4, column 1: All mapping items/],
  ['dup.yml', 'log:\n  level: DEBUG\nlog:\n  level: INFO\n', 'CONFIG_FILE', /config file .*dup\.yml: line 3, column 1: Map keys must be unique/],
  ['syntax.toml', '[log]\nlevel = \n', 'CONFIG_FILE', /config file .*syntax\.toml: line 2, column \d+: /],
  ['tls.yml', 'certificatesResolvers:\n  le:\n    acme:\n      clientTimeout: 1s\n', 'CONFIG_UNSUPPORTED', /certificatesResolvers\.le\.acme\.clientTimeout \(.*tls\.yml line 4\) is not supported by pier \(of ACME, pier supports/],
  ['pier.json', '{}', 'CONFIG_FILE', /unknown file type \(expected \.yml, \.yaml or \.toml\)/],
  ['nested.yml', 'configFile: other.yml\n', 'CONFIG_BAD_VALUE', /configFile cannot be set inside a config file/],
  ['empty.yml', 'providers:\n  file:\n    filename:\n', 'CONFIG_MISSING_VALUE', /no value for providers\.file\.filename \(.*empty\.yml line 3\): expected a value/],
  ['scalar.yml', 'just text\n', 'CONFIG_FILE', /expected a mapping/],
  ['loop.yml', 'a: &x\n  b: *x\n', 'CONFIG_FILE', /line 2: a\.b\.b.*nests too deeply \(an alias loop\?\)/],
]

for (const [name, content, code, re] of bad) {
  t.test(`bad file: ${name}`, async (t) => {
    const dir = t.testdir({ [name]: content })
    const err = catchError(() => parseStaticConfig([`--configFile=${join(dir, name)}`], {}))
    t.equal(err.code, code)
    t.match(err.message, re)
  })
}

t.test('a list of mappings where plain values belong names the line', async (t) => {
  const dir = t.testdir({ 'list.yml': 'metrics:\n  prometheus:\n    buckets:\n      - a: 1\n' })
  const err = catchError(() => parseStaticConfig([`--configFile=${join(dir, 'list.yml')}`], {}))
  t.equal(err.code, 'CONFIG_FILE')
  t.match(err.message, /list\.yml: line 3: metrics\.prometheus\.buckets must be a list of plain values/)
})

t.test("without --configFile, traefik.{toml,yaml,yml} is found where Traefik looks", async (t) => {
  const dir = t.testdir({
    xdg: { 'traefik.yml': 'log:\n  level: ERROR\n' },
    home: { '.config': { 'traefik.toml': '[log]\nlevel = "WARN"\n' } },
    cwd: { 'traefik.yaml': 'log:\n  level: DEBUG\n' },
  })
  const xdg = join(dir, 'xdg')
  const home = join(dir, 'home')
  const cwd = join(dir, 'cwd')
  t.chdir(cwd)
  const level = (env: NodeJS.ProcessEnv) => {
    const c = parseStaticConfig([], env)
    return [c.log.level, c.configFile]
  }
  t.same(level({ XDG_CONFIG_HOME: xdg, HOME: home }), ['ERROR', join(xdg, 'traefik.yml')], '$XDG_CONFIG_HOME first')
  t.same(level({ HOME: home }), ['WARN', join(home, '.config', 'traefik.toml')], 'then $HOME/.config')
  t.same(level({}), ['DEBUG', join(cwd, 'traefik.yaml')], 'then the working directory')
  t.same(parseStaticConfig([`--configfile=${join(xdg, 'traefik.yml')}`, '--log.level=INFO'], { HOME: home }).log.level, 'INFO', 'flags still override')
  t.chdir(dir)
  t.same(level({}), ['INFO', undefined], 'none found: defaults, no file')
})
