import t from 'tap'
import { buildConfig, type BuildOptions } from '../../src/providers/docker/builder.js'
import type { ContainerInfo } from '../../src/providers/docker/container.js'
import { compileRuleTemplate } from '../../src/providers/docker/default-rule.js'
import { buildOptions, ctr } from '../helpers/containers.js'

function compose(project: string, service: string, n: number, ip: string, labels: Record<string, string> = {}, over: Partial<ContainerInfo> = {}): ContainerInfo {
  return ctr(`${project}_${service}_${n}`, {
    id: `id-${project}-${service}-${n}`,
    labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': service, ...labels },
    composeProject: project,
    composeService: service,
    networkMode: `${project}_default`,
    networks: [{ name: `${project}_default`, ip }],
    ...over,
  })
}

const opts = buildOptions

const svc = (...urls: string[]) => ({ loadBalancer: { servers: urls.map((url) => ({ url })) } })

t.test('v2 defaults and labels', async (t) => {
  const cases: { name: string; containers: ContainerInfo[]; opts?: Partial<BuildOptions>; routers: object; services: object }[] = [
    {
      name: 'a label-less container gets the default rule and its lowest exposed port',
      containers: [ctr('web', { exposedPorts: [80, 443] })],
      routers: { web: { rule: 'Host(`web`)', service: 'web' } },
      services: { web: svc('http://172.17.0.2:80') },
    },
    {
      name: 'compose containers are named <service>-<project>',
      containers: [compose('demo', 'whoami', 1, '172.20.0.2')],
      routers: { 'whoami-demo': { rule: 'Host(`whoami-demo`)', service: 'whoami-demo' } },
      services: { 'whoami-demo': svc('http://172.20.0.2:80') },
    },
    {
      name: 'default rule template from the flag',
      containers: [compose('demo', 'whoami', 1, '172.20.0.2')],
      opts: { defaultRule: compileRuleTemplate('Host(`{{ normalize .Name }}.docker.localhost`)') },
      routers: { 'whoami-demo': { rule: 'Host(`whoami-demo.docker.localhost`)', service: 'whoami-demo' } },
      services: { 'whoami-demo': svc('http://172.20.0.2:80') },
    },
    {
      name: 'scaled compose service: one service, one server per container',
      containers: [1, 2, 3].map((i) => compose('demo', 'whoami', i, `172.20.0.${i + 1}`)),
      routers: { 'whoami-demo': { rule: 'Host(`whoami-demo`)', service: 'whoami-demo' } },
      services: { 'whoami-demo': svc('http://172.20.0.2:80', 'http://172.20.0.3:80', 'http://172.20.0.4:80') },
    },
    {
      name: 'router and service labels, all fields, keys case-insensitive',
      containers: [
        ctr('api', {
          labels: {
            'Traefik.HTTP.Routers.api.Rule': 'Host(`api.example`) && PathPrefix(`/v1`)',
            'traefik.http.routers.api.priority': '42',
            'traefik.http.routers.api.entrypoints': 'web, websecure',
            'traefik.http.routers.api.service': 'backend',
            'traefik.http.services.backend.loadbalancer.server.port': '8080',
            'traefik.http.services.backend.loadbalancer.server.weight': '3',
            'traefik.http.services.backend.loadbalancer.passHostHeader': 'false',
          },
        }),
      ],
      routers: { api: { rule: 'Host(`api.example`) && PathPrefix(`/v1`)', service: 'backend', entryPoints: ['web', 'websecure'], priority: 42 } },
      services: { backend: { loadBalancer: { servers: [{ url: 'http://172.17.0.2:8080', weight: 3 }], passHostHeader: false } } },
    },
    {
      name: 'scheme and url labels',
      containers: [
        ctr('a', { labels: { 'traefik.http.services.a.loadbalancer.server.scheme': 'https' } }),
        ctr('b', { labels: { 'traefik.http.services.b.loadbalancer.server.url': 'http://10.0.0.9:9000' } }),
      ],
      routers: { a: { rule: 'Host(`a`)', service: 'a' }, b: { rule: 'Host(`b`)', service: 'b' } },
      services: { a: svc('https://172.17.0.2:80'), b: svc('http://10.0.0.9:9000') },
    },
    {
      name: 'a router without a service gets the only service; a router without a rule gets the default rule',
      containers: [ctr('app', { labels: { 'traefik.http.routers.r1.entrypoints': 'web', 'traefik.http.services.s1.loadbalancer.server.port': '9000' } })],
      routers: { r1: { rule: 'Host(`app`)', service: 's1', entryPoints: ['web'] } },
      services: { s1: svc('http://172.17.0.2:9000') },
    },
    {
      name: 'a router may name a service of another provider',
      containers: [ctr('app', { labels: { 'traefik.http.routers.r.rule': 'Host(`x`)', 'traefik.http.routers.r.service': 'shared@file' } })],
      routers: { r: { rule: 'Host(`x`)', service: 'shared@file' } },
      services: { app: svc('http://172.17.0.2:80') },
    },
    {
      name: 'host network mode is reached on 127.0.0.1',
      containers: [ctr('h', { networkMode: 'host', networks: [{ name: 'host', ip: '' }], exposedPorts: [], labels: { 'traefik.http.services.h.loadbalancer.server.port': '8123' } })],
      routers: { h: { rule: 'Host(`h`)', service: 'h' } },
      services: { h: svc('http://127.0.0.1:8123') },
    },
    {
      name: 'container: network mode uses the other container address',
      containers: [ctr('main', { labels: { 'traefik.enable': 'false' }, networks: [{ name: 'bridge', ip: '172.17.0.5' }] }), ctr('side', { networkMode: 'container:id-main', networks: [], exposedPorts: [9000] })],
      routers: { side: { rule: 'Host(`side`)', service: 'side' } },
      services: { side: svc('http://172.17.0.5:9000') },
    },
    {
      name: 'useBindPortIP: published host address, unspecified bind means loopback on a local engine',
      opts: { useBindPortIP: true },
      containers: [
        ctr('p', { portBindings: { 80: [{ hostIp: '0.0.0.0', hostPort: 32768 }] } }),
        ctr('q', { portBindings: { 80: [{ hostIp: '127.0.0.5', hostPort: 8081 }] } }),
        ctr('r', { networks: [{ name: 'bridge', ip: '172.17.0.9' }] }),
      ],
      routers: { p: { rule: 'Host(`p`)', service: 'p' }, q: { rule: 'Host(`q`)', service: 'q' }, r: { rule: 'Host(`r`)', service: 'r' } },
      services: { p: svc('http://127.0.0.1:32768'), q: svc('http://127.0.0.5:8081'), r: svc('http://172.17.0.9:80') },
    },
  ]
  for (const c of cases) {
    const { config, warnings, annotations } = buildConfig(c.containers, opts(c.opts))
    t.same(warnings, [], `${c.name}: no warnings`)
    t.same(annotations, [], `${c.name}: no annotations`)
    t.strictSame(config.http.routers, c.routers, `${c.name}: routers`)
    t.strictSame(config.http.services, c.services, `${c.name}: services`)
  }
})

t.test('v1 labels', async (t) => {
  const v1 = { 'traefik.backend': 'whoami', 'traefik.frontend.rule': 'Host:whoami.docker.localhost', 'traefik.port': '8000' }
  const cases: { name: string; containers: ContainerInfo[]; opts?: Partial<BuildOptions>; routers: object; services: object }[] = [
    {
      name: 'the 2016 compose scene, scaled to three',
      containers: [1, 2, 3].map((i) => compose('scene', 'whoami', i, `172.21.0.${i + 1}`, v1)),
      routers: { whoami: { rule: 'Host(`whoami.docker.localhost`)', service: 'whoami' } },
      services: { whoami: svc('http://172.21.0.2:8000', 'http://172.21.0.3:8000', 'http://172.21.0.4:8000') },
    },
    {
      name: 'v1 default rule: <service>.<project>.<domain> under compose, underscores cleaned',
      opts: { v1: true, domain: 'docker.localhost' },
      containers: [compose('my_proj', 'web_app', 1, '172.22.0.2')],
      routers: { 'web-app-my-proj': { rule: 'Host(`web-app.my-proj.docker.localhost`)', service: 'web-app-my-proj' } },
      services: { 'web-app-my-proj': svc('http://172.22.0.2:80') },
    },
    {
      name: 'v1 default rule: <container-name>.<domain> otherwise; traefik.domain overrides the flag',
      opts: { v1: true, domain: 'docker.localhost' },
      containers: [ctr('my_app'), ctr('other', { labels: { 'traefik.domain': 'example.org' } })],
      routers: { 'my-app': { rule: 'Host(`my-app.docker.localhost`)', service: 'my-app' }, other: { rule: 'Host(`other.example.org`)', service: 'other' } },
      services: { 'my-app': svc('http://172.17.0.2:80'), other: svc('http://172.17.0.2:80') },
    },
    {
      name: 'every v1 field',
      containers: [
        ctr('full', {
          labels: {
            'traefik.backend': 'api',
            'traefik.frontend.rule': 'Host:a.example,b.example;PathPrefix:/api',
            'traefik.port': '9000',
            'traefik.weight': '5',
            'traefik.protocol': 'https',
            'traefik.frontend.passHostHeader': 'false',
            'traefik.frontend.priority': '10',
            'traefik.frontend.entryPoints': 'http,https',
          },
        }),
      ],
      routers: { api: { rule: 'Host(`a.example`,`b.example`) && PathPrefix(`/api`)', service: 'api', entryPoints: ['http', 'https'], priority: 10 } },
      services: { api: { loadBalancer: { servers: [{ url: 'https://172.17.0.2:9000', weight: 5 }], passHostHeader: false } } },
    },
    {
      name: 'v1 flags without a domain fall back to the default rule template',
      opts: { v1: true },
      containers: [ctr('plain')],
      routers: { plain: { rule: 'Host(`plain`)', service: 'plain' } },
      services: { plain: svc('http://172.17.0.2:80') },
    },
  ]
  for (const c of cases) {
    const { config, warnings, annotations } = buildConfig(c.containers, opts(c.opts))
    t.same(warnings, [], `${c.name}: no warnings`)
    t.same(annotations, [], `${c.name}: no annotations`)
    t.strictSame(config.http.routers, c.routers, `${c.name}: routers`)
    t.strictSame(config.http.services, c.services, `${c.name}: services`)
  }
})

t.test('which containers are exposed', async (t) => {
  const all = [
    ctr('plain'),
    ctr('on', { labels: { 'traefik.enable': 'true', env: 'prod' } }),
    ctr('off', { labels: { 'traefik.enable': 'false' } }),
    ctr('staging', { labels: { env: 'staging' } }),
    ctr('starting', { health: 'starting' }),
    ctr('sick', { health: 'unhealthy' }),
    ctr('fine', { health: 'healthy' }),
    ctr('paused', { state: 'paused' }),
  ]
  const names = (o: Partial<BuildOptions>) => Object.keys(buildConfig(all, opts(o)).config.http.routers)
  t.same(names({}), ['fine', 'on', 'plain', 'staging'], 'exposedByDefault: all but disabled, starting, unhealthy and paused')
  t.same(names({ exposedByDefault: false }), ['on'], 'exposedByDefault=false: only traefik.enable=true')
  t.same(names({ constraint: (l) => l.env === 'prod' || l.env === 'staging' }), ['on', 'staging'], 'constraints see the labels')
  const empty = buildConfig(all, opts({ allowEmptyServices: true })).config.http
  t.same(Object.keys(empty.routers), ['fine', 'on', 'paused', 'plain', 'sick', 'staging', 'starting'], 'allowEmptyServices keeps routers of containers not serving')
  t.same(empty.services.sick, { loadBalancer: { servers: [] } }, 'allowEmptyServices: an unhealthy container gives a service without servers')
  t.same(empty.services.fine, svc('http://172.17.0.2:80'))
})

t.test('network selection', async (t) => {
  const two = { networkMode: 'bridge', networks: [{ name: 'back', ip: '10.1.0.2' }, { name: 'front', ip: '10.2.0.2' }] }
  const r1 = buildConfig([ctr('a', { ...two, labels: { 'traefik.docker.network': 'front' } })], opts())
  t.same(r1.config.http.services.a, svc('http://10.2.0.2:80'), 'the label picks the network')
  t.same(r1.warnings, [])
  const r2 = buildConfig([ctr('a', { ...two })], opts({ network: 'back' }))
  t.same(r2.config.http.services.a, svc('http://10.1.0.2:80'), 'the flag picks the network')
  const r3 = buildConfig([ctr('a', { ...two, labels: { 'traefik.docker.network': 'front' } })], opts({ network: 'back' }))
  t.same(r3.config.http.services.a, svc('http://10.2.0.2:80'), 'the label wins over the flag')
  const c4 = compose('proj', 'web', 1, '')
  c4.networks = [{ name: 'proj_default', ip: '10.3.0.2' }, { name: 'proj_public', ip: '10.4.0.2' }]
  c4.labels['traefik.docker.network'] = 'public'
  t.same(buildConfig([c4], opts()).config.http.services['web-proj'], svc('http://10.4.0.2:80'), 'a compose network may be named without its project prefix')

  const r5 = buildConfig([ctr('a', { ...two, labels: { 'traefik.docker.network': 'nope' } }), ctr('b')], opts())
  t.same(Object.keys(r5.config.http.services), ['b'], 'missing network: no server, no service; others unaffected')
  t.same(Object.keys(r5.config.http.routers), ['b'])
  t.match(r5.warnings, [{ code: 'DOCKER_NETWORK_NOT_FOUND', container: 'a', message: 'container a: is not on network "nope"; its networks: back, front' }])
  const r6 = buildConfig([ctr('a', { networkMode: 'custom', networks: two.networks })], opts())
  t.same(r6.config.http.services, {}, 'several networks and no choice: refused, not guessed')
  t.match(r6.warnings, [{ code: 'DOCKER_NETWORK_AMBIGUOUS', message: /several networks \(back, front\); set the label traefik.docker.network/ }])
  const r7 = buildConfig([ctr('a', { networkMode: 'front', networks: two.networks })], opts())
  t.same(r7.config.http.services.a, svc('http://10.2.0.2:80'), 'several networks: the one the container was created on')
})

t.test('bad labels skip only what they concern', async (t) => {
  const r = buildConfig(
    [
      ctr('badport', { labels: { 'traefik.http.services.badport.loadbalancer.server.port': 'http' } }),
      ctr('badweight', { labels: { 'traefik.weight': 'heavy', 'traefik.backend': 'bw' } }),
      ctr('badrule', { labels: { 'traefik.http.routers.x.rule': 'Bad(`y`)', 'traefik.http.routers.ok.rule': 'Host(`ok`)' } }),
      ctr('badv1', { labels: { 'traefik.frontend.rule': 'Hots:oops' } }),
      ctr('noport', { exposedPorts: [] }),
      ctr('noportv1', { exposedPorts: [], labels: { 'traefik.backend': 'npv1' } }),
      ctr('unsupported', { labels: { 'traefik.http.routers.u.middlewares': 'auth', 'traefik.http.routers.u.rule': 'Host(`u`)' } }),
      ctr('good'),
    ],
    opts(),
  )
  t.same(Object.keys(r.config.http.routers), ['good', 'ok', 'u'])
  t.same(Object.keys(r.config.http.services), ['badrule', 'badv1', 'good', 'unsupported'], 'a bad rule drops the router, not the service')
  t.same(r.config.http.routers.ok, { rule: 'Host(`ok`)', service: 'badrule' })
  t.same(r.config.http.routers.u, { rule: 'Host(`u`)', service: 'unsupported', middlewares: ['auth'] }, 'a middleware is carried to the compiler, which disables the router')
  const byCode = r.warnings.map((w) => [w.code, w.container, w.label])
  t.same(byCode, [
    ['DOCKER_BAD_LABEL', 'badport', 'traefik.http.services.badport.loadbalancer.server.port'],
    ['DOCKER_BAD_RULE', 'badrule', 'traefik.http.routers.x.rule'],
    ['DOCKER_BAD_RULE', 'badv1', 'traefik.frontend.rule'],
    ['DOCKER_BAD_LABEL', 'badweight', 'traefik.weight'],
    ['DOCKER_NO_PORT', 'noport', undefined],
    ['DOCKER_NO_PORT', 'noportv1', undefined],
  ])
  t.match(r.warnings[0]!.message, 'container badport: label traefik.http.services.badport.loadbalancer.server.port: "http" is not an integer between 1 and 65535')
  t.match(r.warnings[1]!.message, /unknown matcher Bad \(rule "Bad\(`y`\)"\)/)
  t.match(r.warnings[2]!.message, /matcher "Hots" is not supported/)
  t.match(r.warnings[4]!.message, 'container noport: exposes no port; add the label traefik.http.services.noport.loadbalancer.server.port=<port>')
  t.match(r.warnings[5]!.message, 'add the label traefik.port=<port>')
  const m = (i: number) => r.warnings[i]!.message
  t.same(
    r.annotations,
    [
      { kind: 'router', name: 'x', drop: true, message: m(1) },
      { kind: 'router', name: 'badv1', drop: true, message: m(2) },
    ],
    'bad rules drop their routers; services left without a server are only logged',
  )
})

t.test('a problem on one container of a kept service is a warning on it', async (t) => {
  const pool = (n: number, labels: Record<string, string> = {}, over: Partial<ContainerInfo> = {}) =>
    compose('p', 'api', n, `172.23.0.${n + 1}`, labels, over)
  const r = buildConfig(
    [
      pool(1),
      pool(2, { 'traefik.weight': 'heavy' }),
      pool(3, {}, { exposedPorts: [] }),
      pool(4, { 'traefik.docker.network': 'elsewhere' }),
      ctr('v2', { labels: { 'traefik.http.services.v2.loadbalancer.server.weight': 'x', 'traefik.http.routers.v2.rule': 'Host(`v2`)' } }),
    ],
    opts({ v1: true }),
  )
  t.same(r.config.http.services['api-p'], svc('http://172.23.0.2:80'), 'the other servers stay')
  t.same(r.config.http.routers['api-p'], { rule: 'Host(`api-p`)', service: 'api-p' }, 'its router stays')
  t.same(
    r.annotations.map((a) => [a.kind, a.name, a.drop, a.message]),
    [
      ['service', 'api-p', false, 'container p_api_2: label traefik.weight: "heavy" is not an integer between 0 and 2147483647'],
      ['service', 'api-p', false, 'container p_api_3: exposes no port; add the label traefik.port=<port>'],
      ['service', 'api-p', false, 'container p_api_4: is not on network "elsewhere"; its networks: p_default'],
    ],
    'v1 labels concern the container backend; a v2 service left without a server is only logged',
  )
  t.same(Object.keys(r.config.http.services), ['api-p'])
})

t.test('auto-wiring limits', async (t) => {
  const two = { 'traefik.http.services.s1.loadbalancer.server.port': '1', 'traefik.http.services.s2.loadbalancer.server.port': '2' }
  const r1 = buildConfig([ctr('multi', { labels: two })], opts())
  t.same(r1.config.http.routers, {}, 'two services and no router: no router is guessed')
  t.match(r1.warnings, [{ code: 'DOCKER_NO_ROUTER', container: 'multi' }])
  const r2 = buildConfig([ctr('multi', { labels: { ...two, 'traefik.http.routers.r.rule': 'Host(`m`)' } })], opts())
  t.same(r2.config.http.routers, {}, 'a router without service among two services is dropped')
  t.match(r2.warnings, [{ code: 'DOCKER_ROUTER_NO_SERVICE', message: /add traefik.http.routers.r.service/ }])
  const r3 = buildConfig([ctr('multi', { labels: { ...two, 'traefik.http.routers.r.rule': 'Host(`m`)', 'traefik.http.routers.r.service': 's2' } })], opts())
  t.same(r3.config.http.routers, { r: { rule: 'Host(`m`)', service: 's2' } })
  t.same(r3.config.http.services, { s1: svc('http://172.17.0.2:1'), s2: svc('http://172.17.0.2:2') })
})

t.test('conflicting definitions are dropped, naming both containers', async (t) => {
  const r = buildConfig(
    [
      ctr('one', { labels: { 'traefik.http.routers.shared.rule': 'Host(`one`)', 'traefik.http.routers.shared.service': 'pool' } }),
      ctr('two', { labels: { 'traefik.http.routers.shared.rule': 'Host(`two`)', 'traefik.http.routers.shared.service': 'pool' } }),
      ctr('p1', { labels: { 'traefik.http.services.pool.loadbalancer.passhostheader': 'false', 'traefik.http.routers.p1.rule': 'Host(`p1`)' } }),
      ctr('p2', { labels: { 'traefik.http.services.pool.loadbalancer.passhostheader': 'true', 'traefik.http.routers.p2.rule': 'Host(`p2`)' } }),
      ctr('same1', { labels: { 'traefik.http.routers.same.rule': 'Host(`same`)', 'traefik.http.routers.same.service': 'pool2' }, networks: [{ name: 'bridge', ip: '172.17.0.7' }] }),
      ctr('same2', { labels: { 'traefik.http.routers.same.rule': 'Host(`same`)', 'traefik.http.routers.same.service': 'pool2' }, networks: [{ name: 'bridge', ip: '172.17.0.8' }] }),
    ],
    opts(),
  )
  t.same(Object.keys(r.config.http.routers).sort(), ['same'], 'the conflicting router and the routers of the conflicting service are dropped')
  t.same(r.config.http.services.pool2, undefined, 'a service named only by routers is not invented')
  const pool = 'service "pool" is defined differently by containers p1, p2; it is dropped'
  const shared = 'router "shared" is defined differently by containers one, two; it is dropped'
  t.same(r.warnings.map((w) => w.message), [pool, shared])
  t.same(
    r.annotations,
    [
      { kind: 'service', name: 'pool', drop: true, message: pool },
      { kind: 'router', name: 'p1', drop: true, message: pool },
      { kind: 'router', name: 'p2', drop: true, message: pool },
      { kind: 'router', name: 'shared', drop: true, message: shared },
    ],
    'each dropped router and service is annotated; the routers of a dropped service say why',
  )
})

t.test('output is deterministic whatever the input order', async (t) => {
  const cs = [1, 2, 3, 4].map((i) => compose('d', 'w', i, `172.30.0.${i}`))
  const a = buildConfig(cs, opts()).config
  const b = buildConfig([...cs].reverse(), opts()).config
  t.equal(JSON.stringify(a), JSON.stringify(b))
})
