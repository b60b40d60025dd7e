// Static configuration: Traefik flags (v2/v3 and v1 spellings), defaults,
// errors with codes and clear messages.
import t from 'tap'
import { availableParallelism } from 'node:os'
import { parseStaticConfig, ConfigError } from '../../src/config/parse.js'
import { parseDuration } from '../../src/config/duration.js'
import type { StaticConfig } from '../../src/config/static.js'

function catchError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected an error, none was thrown')
}

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}): StaticConfig => parseStaticConfig(argv, env)

t.test('defaults', async (t) => {
  const c = parse([])
  t.same(c.entryPoints, { web: { host: '', port: 80 } })
  t.equal(c.providers.throttleMs, 100)
  t.equal(c.providers.file, undefined)
  t.equal(c.providers.docker, undefined)
  t.equal(c.api, undefined)
  t.equal(c.ping, false)
  t.equal(c.metrics, undefined)
  t.equal(c.accessLog, undefined)
  t.same(c.log, { level: 'INFO', format: 'common', maxSize: 0, maxBackups: 0, maxAge: 0, compress: false })
  t.equal(c.workers, availableParallelism())
  t.same(c.serversTransport, { responseHeaderTimeoutMs: 60000, dialTimeoutMs: 30000, idleConnTimeoutMs: 90000, maxIdleConnsPerHost: 64, maxResponseHeaderBytes: 16384, insecureSkipVerify: false, rootCAs: [] })
  t.same(c.lifecycle, { graceTimeOutMs: 10000 })
  t.same(c.clientLimits, { web: { readTimeoutMs: 60000, writeTimeoutMs: 0, idleTimeoutMs: 180000, maxHeaderBytes: 16384, maxRequestLineBytes: 8192 } })
})

// [argv, env, path into the config, expected value]
const cases: Array<[string, string[], NodeJS.ProcessEnv, (c: StaticConfig) => unknown, unknown]> = [
  ['address with =', ['--entrypoints.web.address=:8000'], {}, (c) => c.entryPoints, { web: { host: '', port: 8000 } }],
  ['keys are case-insensitive', ['--entryPoints.web.address=:8000'], {}, (c) => c.entryPoints.web, { host: '', port: 8000 }],
  ['space-separated value', ['--entrypoints.web.address', '127.0.0.1:8001'], {}, (c) => c.entryPoints.web, { host: '127.0.0.1', port: 8001 }],
  ['IPv6 address', ['--entrypoints.v6.address=[::1]:8002'], {}, (c) => c.entryPoints, { v6: { host: '::1', port: 8002 } }],
  ['/tcp suffix', ['--entrypoints.web.address=:81/tcp'], {}, (c) => c.entryPoints.web, { host: '', port: 81 }],
  ['several entrypoints', ['--entrypoints.a.address=:1001', '--entrypoints.b.address=:1002'], {}, (c) => Object.keys(c.entryPoints), ['a', 'b']],
  ['same name in two cases is one entrypoint', ['--entrypoints.Web.address=:1', '--entrypoints.web.address=:2'], {}, (c) => c.entryPoints, { Web: { host: '', port: 2 } }],
  ['a traefik entrypoint alone keeps the default web', ['--entrypoints.traefik.address=:9000'], {}, (c) => c.entryPoints, { traefik: { host: '', port: 9000 }, web: { host: '', port: 80 } }],
  ['v1 entrypoint form', ['--entryPoints=Name:http Address::8080'], {}, (c) => c.entryPoints, { http: { host: '', port: 8080 } }],
  ['v1 entrypoints joined by commas', ['--entryPoints=Name:http Address::80,Name:alt Address:127.0.0.1:81'], {}, (c) => c.entryPoints, { http: { host: '', port: 80 }, alt: { host: '127.0.0.1', port: 81 } }],
  ['the traefik entrypoint is named in lower case', ['--entryPoints.Traefik.address=:9000', '--api.insecure'], {}, (c) => c.entryPoints, { traefik: { host: '', port: 9000 }, web: { host: '', port: 80 } }],
  ['workers', ['--workers=3'], {}, (c) => c.workers, 3],
  ['workers space-separated', ['--workers', '5'], {}, (c) => c.workers, 5],
  ['file provider', ['--providers.file.filename=routes.yml'], {}, (c) => c.providers.file, { filename: 'routes.yml', directory: undefined, watch: true }],
  ['file provider directory, no watch', ['--providers.file.directory=/etc/pier', '--providers.file.watch=false'], {}, (c) => c.providers.file, { filename: undefined, directory: '/etc/pier', watch: false }],
  ['bare boolean', ['--providers.file.filename=f.yml', '--providers.file.watch'], {}, (c) => c.providers.file?.watch, true],
  ['bare boolean followed by false', ['--providers.file.filename=f.yml', '--providers.file.watch', 'false'], {}, (c) => c.providers.file?.watch, false],
  ['throttle', ['--providers.providersThrottleDuration=2s'], {}, (c) => c.providers.throttleMs, 2000],
  ['throttle, bare seconds', ['--providers.providersthrottleduration=3'], {}, (c) => c.providers.throttleMs, 3000],
  ['throttle, v1 spelling', ['--providersThrottleDuration=250ms'], {}, (c) => c.providers.throttleMs, 250],
  ['log level any case', ['--log.level=debug'], {}, (c) => c.log.level, 'DEBUG'],
  ['log level WARNING', ['--log.level=WARNING'], {}, (c) => c.log.level, 'WARN'],
  ['log format json', ['--log.format=JSON'], {}, (c) => c.log.format, 'json'],
  ['v1 logLevel', ['--logLevel=ERROR'], {}, (c) => c.log.level, 'ERROR'],
  ['timeouts', ['--serversTransport.forwardingTimeouts.responseHeaderTimeout=1m30s', '--serverstransport.forwardingtimeouts.dialtimeout=500ms', '--serversTransport.forwardingTimeouts.idleConnTimeout=5s'], {}, (c) => [c.serversTransport.responseHeaderTimeoutMs, c.serversTransport.dialTimeoutMs, c.serversTransport.idleConnTimeoutMs], [90000, 500, 5000]],
  ['backend head limit', ['--serversTransport.maxResponseHeaderBytes=32768'], {}, (c) => c.serversTransport.maxResponseHeaderBytes, 32768],
  [
    'entrypoint limits, given before or after the address, per entrypoint',
    ['--entryPoints.web.transport.respondingTimeouts.readTimeout=5s', '--entrypoints.web.address=:81', '--entrypoints.web.transport.respondingTimeouts.writeTimeout=1m', '--entrypoints.web.http.maxHeaderBytes=4096', '--entrypoints.alt.address=:82', '--entrypoints.alt.http.maxRequestLineBytes=1024', '--entrypoints.alt.transport.respondingTimeouts.idleTimeout=0'],
    {},
    (c) => c.clientLimits,
    {
      web: { readTimeoutMs: 5000, writeTimeoutMs: 60000, idleTimeoutMs: 180000, maxHeaderBytes: 4096, maxRequestLineBytes: 8192 },
      alt: { readTimeoutMs: 60000, writeTimeoutMs: 0, idleTimeoutMs: 0, maxHeaderBytes: 16384, maxRequestLineBytes: 1024 },
    },
  ],
  ['limits of the default web entrypoint', ['--entrypoints.web.transport.respondingTimeouts.readTimeout=42'], {}, (c) => c.clientLimits.web?.readTimeoutMs, 42000],
  ['maxIdleConnsPerHost', ['--serversTransport.maxIdleConnsPerHost=8'], {}, (c) => c.serversTransport.maxIdleConnsPerHost, 8],
  ['https backends: insecureSkipVerify', ['--serversTransport.insecureSkipVerify'], {}, (c) => c.serversTransport.insecureSkipVerify, true],
  ['https backends: rootCAs', ['--serversTransport.rootCAs=/etc/ca/a.crt,/etc/ca/b.crt'], {}, (c) => c.serversTransport.rootCAs, ['/etc/ca/a.crt', '/etc/ca/b.crt']],
  ['https backends: v1 InsecureSkipVerify', ['--InsecureSkipVerify=true'], {}, (c) => c.serversTransport.insecureSkipVerify, true],
  ['https backends: v1 RootCAs', ['--RootCAs=/ca.pem'], {}, (c) => c.serversTransport.rootCAs, ['/ca.pem']],
  ['https backends: env', [], { TRAEFIK_SERVERSTRANSPORT_INSECURESKIPVERIFY: 'true' }, (c) => c.serversTransport.insecureSkipVerify, true],
  ['graceTimeOut', ['--lifecycle.graceTimeOut=2.5s'], {}, (c) => c.lifecycle.graceTimeOutMs, 2500],
  ['webSocket defaults', [], {}, (c) => c.webSocket, { maxMessageSize: 16 << 20, compression: false }],
  ['webSocket sizes', ['--webSocket.maxMessageSize=64KiB', '--websocket.compression'], {}, (c) => c.webSocket, { maxMessageSize: 65536, compression: true }],
  ['webSocket plain bytes', ['--webSocket.maxMessageSize=1000'], {}, (c) => c.webSocket.maxMessageSize, 1000],
  // docker, v2/v3
  ['docker bare', ['--providers.docker'], {}, (c) => c.providers.docker, { endpoint: 'unix:///var/run/docker.sock', exposedByDefault: true, defaultRule: 'Host(`{{ normalize .Name }}`)', watch: true, allowEmptyServices: false, useBindPortIP: false, v1: false }],
  ['docker=true', ['--providers.docker=true'], {}, (c) => c.providers.docker?.endpoint, 'unix:///var/run/docker.sock'],
  ['docker=false', ['--providers.docker=false'], {}, (c) => c.providers.docker, undefined],
  ['docker=false wins over its options', ['--providers.docker.network=x', '--providers.docker=false'], {}, (c) => c.providers.docker, undefined],
  ['docker endpoint from DOCKER_HOST', ['--providers.docker'], { DOCKER_HOST: 'tcp://10.0.0.1:2375' }, (c) => c.providers.docker?.endpoint, 'tcp://10.0.0.1:2375'],
  ['docker endpoint flag beats DOCKER_HOST', ['--providers.docker.endpoint=unix:///run/d.sock'], { DOCKER_HOST: 'tcp://10.0.0.1:2375' }, (c) => c.providers.docker?.endpoint, 'unix:///run/d.sock'],
  ['a docker option turns docker on', ['--providers.docker.exposedByDefault=false'], {}, (c) => c.providers.docker?.exposedByDefault, false],
  ['docker options', ['--providers.docker.network=web', '--providers.docker.defaultRule=Host(`{{ .Name }}.lan`)', '--providers.docker.watch=false', '--providers.docker.constraints=Label(`a`,`b`)', '--providers.docker.allowEmptyServices', '--providers.docker.useBindPortIP=true'], {},
    (c) => { const { network, defaultRule, watch, constraints, allowEmptyServices, useBindPortIP } = c.providers.docker!; return { network, defaultRule, watch, constraints, allowEmptyServices, useBindPortIP } },
    { network: 'web', defaultRule: 'Host(`{{ .Name }}.lan`)', watch: false, constraints: 'Label(`a`,`b`)', allowEmptyServices: true, useBindPortIP: true }],
  ['docker tls flags', ['--providers.docker.endpoint=tcp://h:2376', '--providers.docker.tls.ca=/c/ca.pem', '--providers.docker.tls.cert=/c/cert.pem', '--providers.docker.tls.key=/c/key.pem'], {}, (c) => c.providers.docker?.tls, { ca: '/c/ca.pem', cert: '/c/cert.pem', key: '/c/key.pem', insecureSkipVerify: false }],
  ['docker tls insecureSkipVerify', ['--providers.docker.tls.insecureSkipVerify'], {}, (c) => c.providers.docker?.tls, { insecureSkipVerify: true }],
  ['docker tls from env', ['--providers.docker'], { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs', DOCKER_HOST: 'tcp://h:2376' }, (c) => c.providers.docker?.tls, { ca: '/certs/ca.pem', cert: '/certs/cert.pem', key: '/certs/key.pem', insecureSkipVerify: false }],
  ['no DOCKER_TLS_VERIFY, no tls', ['--providers.docker'], { DOCKER_CERT_PATH: '/certs' }, (c) => c.providers.docker?.tls, undefined],
  // docker, v1
  ['v1 compose flags', ['--web', '--docker', '--docker.domain=docker.localhost', '--logLevel=DEBUG', '--docker.endpoint=tcp://127.0.0.1:2378', '--docker.watch'], {},
    (c) => ({ docker: c.providers.docker, api: c.api, eps: c.entryPoints, level: c.log.level }),
    { docker: { endpoint: 'tcp://127.0.0.1:2378', exposedByDefault: true, defaultRule: 'Host(`{{ normalize .Name }}`)', watch: true, allowEmptyServices: false, useBindPortIP: false, v1: true, domain: 'docker.localhost' },
      api: { insecure: true, dashboard: true, debug: false }, eps: { web: { host: '', port: 80 }, traefik: { host: '', port: 8080 } }, level: 'DEBUG' }],
  ['v1 endpoint space-separated', ['--docker', '--docker.endpoint', 'tcp://host:2378'], {}, (c) => c.providers.docker?.endpoint, 'tcp://host:2378'],
  ['v1 exposedbydefault and network', ['--docker.exposedbydefault=false', '--docker.network=proxy'], {}, (c) => [c.providers.docker?.exposedByDefault, c.providers.docker?.network, c.providers.docker?.v1], [false, 'proxy', true]],
  // swarm: v3 provider, v2 and v1 swarmMode of the docker provider
  ['swarm bare', ['--providers.swarm'], {}, (c) => [c.providers.swarm, c.providers.docker],
    [{ name: 'swarm', endpoint: 'unix:///var/run/docker.sock', exposedByDefault: true, defaultRule: 'Host(`{{ normalize .Name }}`)', watch: true, allowEmptyServices: false, v1: false, refreshMs: 15000 }, undefined]],
  ['swarm options', ['--providers.swarm.endpoint=tcp://manager:2375', '--providers.swarm.network=proxy', '--providers.swarm.refreshSeconds=30', '--providers.swarm.exposedByDefault=false', '--providers.swarm.constraints=Label(`a`,`b`)', '--providers.swarm.allowEmptyServices', '--providers.swarm.watch=false', '--providers.swarm.defaultRule=Host(`{{ .Name }}.lan`)'], {},
    (c) => c.providers.swarm,
    { name: 'swarm', endpoint: 'tcp://manager:2375', network: 'proxy', refreshMs: 30000, exposedByDefault: false, constraints: 'Label(`a`,`b`)', allowEmptyServices: true, watch: false, defaultRule: 'Host(`{{ .Name }}.lan`)', v1: false }],
  ['swarm beside docker', ['--providers.docker', '--providers.swarm.network=proxy'], {}, (c) => [c.providers.docker?.v1, c.providers.swarm?.name, c.providers.swarm?.network], [false, 'swarm', 'proxy']],
  ['v2 swarmMode: the docker provider reads services, names stay @docker', ['--providers.docker.swarmMode=true', '--providers.docker.swarmModeRefreshSeconds=5', '--providers.docker.network=proxy'], {},
    (c) => [c.providers.docker, c.providers.swarm?.name, c.providers.swarm?.refreshMs, c.providers.swarm?.network], [undefined, 'docker', 5000, 'proxy']],
  ['v1 --docker.swarmmode', ['--docker', '--docker.swarmmode', '--docker.domain=swarm.lan'], {}, (c) => [c.providers.docker, c.providers.swarm?.name, c.providers.swarm?.v1, c.providers.swarm?.domain, c.providers.swarm?.refreshMs], [undefined, 'docker', true, 'swarm.lan', 15000]],
  ['swarmMode=false keeps containers', ['--providers.docker.swarmMode=false'], {}, (c) => [c.providers.docker?.endpoint, c.providers.swarm], ['unix:///var/run/docker.sock', undefined]],
  ['swarm endpoint from DOCKER_HOST', ['--providers.swarm'], { DOCKER_HOST: 'tcp://m:2375' }, (c) => c.providers.swarm?.endpoint, 'tcp://m:2375'],
  ['v1 --web.address', ['--web.address=:9090'], {}, (c) => [c.api, c.entryPoints.traefik], [{ insecure: true, dashboard: true, debug: false }, { host: '', port: 9090 }]],
  // API, ping, metrics, access log
  ['api.insecure adds the traefik entrypoint', ['--api.insecure=true'], {}, (c) => [c.api, c.entryPoints.traefik], [{ insecure: true, dashboard: true, debug: false }, { host: '', port: 8080 }]],
  ['api alone serves nothing on :8080', ['--api'], {}, (c) => [c.api, c.entryPoints.traefik], [{ insecure: false, dashboard: true, debug: false }, undefined]],
  ['api.dashboard=false', ['--api.insecure', '--api.dashboard=false'], {}, (c) => c.api, { insecure: true, dashboard: false, debug: false }],
  ['an explicit traefik entrypoint is kept', ['--api.insecure', '--entrypoints.traefik.address=127.0.0.1:9999'], {}, (c) => c.entryPoints.traefik, { host: '127.0.0.1', port: 9999 }],
  ['ping', ['--ping'], {}, (c) => [c.ping, c.entryPoints.traefik?.port], [{ entryPoint: 'traefik', manualRouting: false, terminatingStatusCode: 503 }, 8080]],
  ['prometheus defaults', ['--metrics.prometheus'], {}, (c) => [c.metrics, c.entryPoints.traefik?.port], [{ prometheus: { buckets: [0.1, 0.3, 1.2, 5], entryPoint: 'traefik', manualRouting: false } }, 8080]],
  ['prometheus buckets', ['--metrics.prometheus.buckets=0.05,0.5,2'], {}, (c) => c.metrics?.prometheus?.buckets, [0.05, 0.5, 2]],
  ['prometheus on another entrypoint', ['--entrypoints.metrics.address=:9100', '--metrics.prometheus.entryPoint=metrics'], {}, (c) => [c.metrics?.prometheus?.entryPoint, c.entryPoints.traefik], ['metrics', undefined]],
  ['Traefik label switches are accepted', ['--metrics.prometheus.addEntryPointsLabels=true', '--metrics.prometheus.addServicesLabels', '--metrics.prometheus.addrouterslabels=false'], {}, (c) => c.metrics, { prometheus: { buckets: [0.1, 0.3, 1.2, 5], entryPoint: 'traefik', manualRouting: false } }],
  // API, ping and metrics only through routers (api@internal, ping@internal, prometheus@internal)
  ['cosmetic api options are accepted', ['--api.basePath=/', '--api.disableDashboardAd', '--api.dashboardName=lab'], {}, (c) => c.api, { insecure: false, dashboard: true, debug: false }],
  ['v1 --web.readOnly is accepted', ['--web', '--web.readOnly'], {}, (c) => c.api?.insecure, true],
  ['api.debug is accepted', ['--api', '--api.debug'], {}, (c) => [c.api, c.entryPoints.traefik], [{ insecure: false, dashboard: true, debug: true }, undefined]],
  ['v1: a bare --api beside v1 flags is 1.7\'s API on :8080', ['--api', '--docker', '--docker.domain=lan'], {}, (c) => [c.api?.insecure, c.entryPoints.traefik?.port], [true, 8080]],
  ['v1: --api beside v1 entrypoints', ['--api', '--entryPoints=Name:http Address::80', '--defaultEntryPoints=http'], {}, (c) => [c.api?.insecure, c.entryPoints.traefik?.port], [true, 8080]],
  ['v1: --api --api.dashboard=false', ['--api', '--api.dashboard=false', '--docker'], {}, (c) => c.api, { insecure: true, dashboard: false, debug: false }],
  ['v1: api.entryPoint=traefik', ['--api.entryPoint=traefik'], {}, (c) => [c.api?.insecure, c.entryPoints.traefik?.port], [true, 8080]],
  ['v2: --api.insecure=false beside v1 flags wins', ['--api.insecure=false', '--docker'], {}, (c) => [c.api?.insecure, c.entryPoints.traefik], [false, undefined]],
  ['ping.manualRouting: no traefik entrypoint', ['--ping.manualRouting'], {}, (c) => [c.ping, c.entryPoints.traefik], [{ entryPoint: 'traefik', manualRouting: true, terminatingStatusCode: 503 }, undefined]],
  ['ping on an ordinary entrypoint', ['--entrypoints.web.address=:80', '--ping.entryPoint=WEB', '--ping.terminatingStatusCode=204'], {}, (c) => [c.ping, c.entryPoints.traefik], [{ entryPoint: 'web', manualRouting: false, terminatingStatusCode: 204 }, undefined]],
  ['prometheus manualRouting: no traefik entrypoint', ['--metrics.prometheus.manualRouting=true'], {}, (c) => [c.metrics?.prometheus?.manualRouting, c.entryPoints.traefik], [true, undefined]],
  ['accesslog bare', ['--accesslog'], {}, (c) => c.accessLog, { format: 'common', bufferingSize: 0 }],
  ['accesslog options', ['--accesslog.filepath=/var/log/access.log', '--accesslog.format=json', '--accesslog.bufferingsize=100'], {}, (c) => c.accessLog, { filePath: '/var/log/access.log', format: 'json', bufferingSize: 100 }],
  ['accesslog=false', ['--accesslog=false'], {}, (c) => c.accessLog, undefined],
  ['global phone-home switches are accepted', ['--global.checkNewVersion=false', '--global.sendAnonymousUsage'], {}, (c) => c.api, undefined],
  ['single-dash flags', ['-log.level=debug'], {}, (c) => c.log.level, 'DEBUG'],
  ['later flag wins', ['--workers=2', '--workers=4'], {}, (c) => c.workers, 4],
  // TRAEFIK_* environment variables
  ['env keys', [], { TRAEFIK_LOG_LEVEL: 'debug', TRAEFIK_ENTRYPOINTS_WEB_ADDRESS: ':8080', TRAEFIK_PROVIDERS_DOCKER_EXPOSEDBYDEFAULT: 'false' }, (c) => [c.log.level, c.entryPoints, c.providers.docker?.exposedByDefault], ['DEBUG', { web: { host: '', port: 8080 } }, false]],
  ['env switch with an empty value', [], { TRAEFIK_API_INSECURE: '', TRAEFIK_PING: 'true' }, (c) => [c.api?.insecure, c.ping !== false], [true, true]],
  ['flags override env', ['--log.level=ERROR'], { TRAEFIK_LOG_LEVEL: 'DEBUG' }, (c) => c.log.level, 'ERROR'],
  ['other env is ignored', [], { TRAEFIKX: '1', PATH: '/bin', DOCKER_HOST: 'tcp://x:1' }, (c) => c.providers.docker, undefined],
]

for (const [name, argv, env, get, want] of cases) {
  t.test(name, async (t) => {
    t.same(get(parse(argv, env)), want, argv.join(' '))
  })
}

// [argv, code, message pattern]
const errors: Array<[string[], string, RegExp, NodeJS.ProcessEnv?]> = [
  [[], 'CONFIG_UNKNOWN_KEY', /^unknown option TRAEFIK_LOG_LEVL \(environment\); did you mean log\.level\?$/, { TRAEFIK_LOG_LEVL: 'DEBUG' }],
  [[], 'CONFIG_BAD_VALUE', /^bad value "many" for TRAEFIK_WORKERS \(environment\): expected a positive integer$/, { TRAEFIK_WORKERS: 'many' }],
  [[], 'CONFIG_UNSUPPORTED', /^TRAEFIK_TRACING_SERVICENAME \(environment\) is not supported by pier/, { TRAEFIK_TRACING_SERVICENAME: 'x' }],
  [['--entrypoints.web.adress=:80'], 'CONFIG_UNKNOWN_KEY', /unknown option --entrypoints\.web\.adress; did you mean --entryPoints\.web\.address\?/],
  [['--log.levl=DEBUG'], 'CONFIG_UNKNOWN_KEY', /did you mean --log\.level\?/],
  [['--providers.docker.exposedbydefualt=false'], 'CONFIG_UNKNOWN_KEY', /did you mean --providers\.docker\.exposedByDefault\?/],
  [['--frobnicate'], 'CONFIG_UNKNOWN_KEY', /^unknown option --frobnicate$/],
  [['--tracing.jaeger'], 'CONFIG_UNSUPPORTED', /--tracing\.jaeger is not supported by pier \(tracing/],
  [['--entrypoints.websecure.address=:443', '--entrypoints.websecure.http.foo=x'], 'CONFIG_UNSUPPORTED', /of an entrypoint, pier supports http\.tls/],
  [['--entrypoints.other.transport.respondingTimeouts.readTimeout=5s'], 'CONFIG_BAD_VALUE', /entrypoints\.other\.transport\.respondingTimeouts\.readTimeout: no entrypoint named "other" has an address/],
  [['--entrypoints.web.http.maxHeaderBytes=100'], 'CONFIG_BAD_VALUE', /maxHeaderBytes.*at least 1024/],
  [['--providers.kubernetesCRD'], 'CONFIG_UNSUPPORTED', /file, docker and swarm providers/],
  [['--providers.swarm.httpClientTimeout=5s'], 'CONFIG_UNSUPPORTED', /of the swarm provider, pier supports endpoint/],
  [['--providers.swarm.refreshSeconds=0'], 'CONFIG_BAD_VALUE', /--providers\.swarm\.refreshSeconds: expected a duration of at least 1s/],
  [['--providers.docker.swarmMode', '--providers.swarm'], 'CONFIG_CONFLICT', /swarmMode \(v2\) and providers\.swarm \(v3\)/],
  [['--docker.swarmMode', '--docker.useBindPortIP'], 'CONFIG_CONFLICT', /^docker\.useBindPortIP does not apply to swarmMode/],
  [['--workers=abc'], 'CONFIG_BAD_VALUE', /bad value "abc" for --workers: expected a positive integer/],
  [['--webSocket.maxMessageSize=16 parsecs'], 'CONFIG_BAD_VALUE', /bad value "16 parsecs" for --webSocket\.maxMessageSize: expected a size in bytes such as 65536, 64KiB or 16MiB, from 125 to 1073741824/],
  [['--webSocket.maxMessageSize=2GiB'], 'CONFIG_BAD_VALUE', /--webSocket\.maxMessageSize/],
  [['--workers=0'], 'CONFIG_BAD_VALUE', /--workers/],
  [['--entrypoints.web.address=80'], 'CONFIG_BAD_VALUE', /bad value "80" for --entrypoints\.web\.address: expected an address \[host\]:port/],
  [['--entrypoints.web.address=:70000'], 'CONFIG_BAD_VALUE', /port from 1 to 65535/],
  [['--entrypoints.dns.address=:53/sctp'], 'CONFIG_BAD_VALUE', /:53\/udp/],
  [['--providers.providersThrottleDuration=fast'], 'CONFIG_BAD_VALUE', /bad value "fast" for --providers\.providersThrottleDuration: expected a duration/],
  [['--log.level=LOUD'], 'CONFIG_BAD_VALUE', /DEBUG, INFO, WARN or ERROR/],
  [['--log.format=xml'], 'CONFIG_BAD_VALUE', /common or json/],
  [['--api.insecure=yes'], 'CONFIG_BAD_VALUE', /bad value "yes" for --api\.insecure: expected true or false/],
  [['--metrics.prometheus.buckets=1,0.5'], 'CONFIG_BAD_VALUE', /increasing positive numbers/],
  [['--metrics.prometheus.entryPoint=nope'], 'CONFIG_BAD_VALUE', /no entrypoint named "nope"/],
  [['--ping.entryPoint=nope'], 'CONFIG_BAD_VALUE', /--ping\.entryPoint: no entrypoint named "nope" for ping/],
  [['--ping.terminatingStatusCode=42'], 'CONFIG_BAD_VALUE', /--ping\.terminatingStatusCode/],
  [['--web', '--web.auth.basic.users=admin:x'], 'CONFIG_UNSUPPORTED', /--web\.auth\.basic\.users is not supported by pier \(of Traefik 1\.x --web, pier supports address and readOnly; for auth or TLS in front of the API and dashboard, use --api with a router to api@internal/],
  [['--web.certFile=a.pem'], 'CONFIG_UNSUPPORTED', /use --api with a router to api@internal/],
  [['--api.entryPoint=admin'], 'CONFIG_BAD_VALUE', /Traefik 1\.x API on the entrypoint named traefik only/],
  [['--api.basePath=/admin'], 'CONFIG_UNSUPPORTED', /--api\.basePath: pier serves the API and dashboard at \/ only/],
  [['--api.statistics.recentErrors=10'], 'CONFIG_UNSUPPORTED', /of the API, pier supports insecure, dashboard, debug, basePath/],
  [['--providers.docker.endpoint=/var/run/docker.sock'], 'CONFIG_BAD_VALUE', /Docker endpoint/],
  [['--docker.endpoint'], 'CONFIG_MISSING_VALUE', /--docker\.endpoint needs a value/],
  [['--docker.endpoint', '--web'], 'CONFIG_MISSING_VALUE', /--docker\.endpoint needs a value/],
  [['--entryPoints=Name:https Address::443 CA:ca.pem'], 'CONFIG_BAD_VALUE', /Traefik v1 form/],
  [['--configfile='], 'CONFIG_BAD_VALUE', /bad value "" for --configfile: expected a non-empty value/],
  [['serve'], 'CONFIG_UNEXPECTED_ARGUMENT', /unexpected argument "serve"/],
  [['--providers.file.filename=a.yml', '--providers.file.directory=d'], 'CONFIG_CONFLICT', /either filename or directory/],
  [['--providers.file.watch'], 'CONFIG_MISSING_VALUE', /providers\.file needs filename or directory/],
  [['--configfile=/nonexistent/pier.yml'], 'CONFIG_FILE', /config file \/nonexistent\/pier\.yml: cannot read it \(ENOENT\)/],
]

for (const [argv, code, re, env] of errors) {
  t.test(`error: ${argv.join(' ')}`, async (t) => {
    const err = catchError(() => parse(argv, env))
    t.ok(err instanceof ConfigError, 'a ConfigError')
    t.equal((err as ConfigError).code, code)
    t.match((err as ConfigError).message, re)
  })
}

t.test('durations', async (t) => {
  const table: Array<[string, number | undefined]> = [
    ['2s', 2000], ['100ms', 100], ['1m30s', 90000], ['1.5h', 5_400_000], ['0', 0], ['10', 10000], ['0.5', 500],
    ['250us', 0.25], ['', undefined], ['s', undefined], ['-1s', undefined], ['2 s', undefined], ['1d', undefined], ['1s2', undefined],
  ]
  for (const [s, want] of table) t.equal(parseDuration(s), want, JSON.stringify(s))
})

t.test('udp.timeout: per UDP entrypoint, before or after the address; read but unused on TCP ones; refused when 0 or without an address', async (t) => {
  const c = parseStaticConfig(['--entrypoints.dns.udp.timeout=10s', '--entrypoints.dns.address=:53/udp', '--entrypoints.syslog.address=:514/udp', '--entrypoints.web.address=:80', '--entrypoints.web.udp.timeout=1s'], {})
  t.same(c.entryPoints.dns, { host: '', port: 53, udp: true, udpTimeoutMs: 10000 })
  t.same(c.entryPoints.syslog, { host: '', port: 514, udp: true }, 'no timeout given: the listener uses Traefik\'s 3 s')
  t.equal(c.entryPoints.web!.udpTimeoutMs, undefined)
  t.throws(() => parseStaticConfig(['--entrypoints.dns.address=:53/udp', '--entrypoints.dns.udp.timeout=0'], {}), /--entrypoints\.dns\.udp\.timeout.*: the UDP session timeout must be more than 0/)
  t.throws(() => parseStaticConfig(['--entrypoints.dns.udp.timeout=5s'], {}), /no entrypoint named "dns" has an address/)
})

t.test('forwardedHeaders and proxyProtocol per entrypoint, v2 and v1 forms', async (t) => {
  const c = parseStaticConfig([
    '--entrypoints.web.address=:80', '--entrypoints.web.forwardedHeaders.trustedIPs=10.0.0.0/8,fd00::/8', '--entrypoints.web.forwardedHeaders.notAppendXForwardedFor',
    '--entrypoints.lb.address=:81', '--entrypoints.lb.proxyProtocol.trustedIPs=192.168.1.7', '--entrypoints.any.address=:82', '--entrypoints.any.proxyProtocol.insecure',
  ], {})
  t.same(c.clientTrust.web, { forwardedHeaders: { insecure: false, trustedIPs: ['10.0.0.0/8', 'fd00::/8'], notAppendXForwardedFor: true }, proxyProtocol: null })
  t.same(c.clientTrust.lb, { forwardedHeaders: { insecure: false, trustedIPs: [], notAppendXForwardedFor: false }, proxyProtocol: { insecure: false, trustedIPs: ['192.168.1.7'] } })
  t.same(c.clientTrust.any!.proxyProtocol, { insecure: true, trustedIPs: [] })
  const v1 = parseStaticConfig(['--entryPoints=Name:http Address::80 ForwardedHeaders.TrustedIPs:10.0.0.0/8,172.16.0.0/12 ProxyProtocol.Insecure:true'], {})
  t.same(v1.clientTrust.http, { forwardedHeaders: { insecure: false, trustedIPs: ['10.0.0.0/8', '172.16.0.0/12'], notAppendXForwardedFor: false }, proxyProtocol: { insecure: true, trustedIPs: [] } })
  t.throws(() => parseStaticConfig(['--entrypoints.web.forwardedHeaders.trustedIPs=10.0.0.0/33'], {}), /bad value "10\.0\.0\.0\/33" for --entrypoints\.web\.forwardedHeaders\.trustedIPs: expected IPs or CIDRs/)
  t.throws(() => parseStaticConfig(['--entrypoints.other.proxyProtocol.insecure'], {}), /no entrypoint named "other" has an address/)
})
