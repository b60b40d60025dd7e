// TCP and UDP routers from labels and files, in the shapes real Traefik files
// use, through the plan that says which are served and why the rest are not.
import t from 'tap'
import net from 'node:net'
import tls from 'node:tls'
import { buildConfig } from '../../src/providers/docker/builder.js'
import { buildFileConfig } from '../../src/providers/file/build.js'
import { mergeConfigs } from '../../src/primary/merge.js'
import { planStream, parseServerAddress } from '../../src/tcp/plan.js'
import { compileTcpRule } from '../../src/tcp/rule.js'
import { readHello, MORE, PLAIN, TLS } from '../../src/tcp/client-hello.js'
import { proxyHeader } from '../../src/tcp/proxy-header.js'
import type { DynamicConfig } from '../../src/config/dynamic.js'
import type { EntryPoint } from '../../src/config/static.js'
import { address } from '../../src/config/values.js'
import { buildOptions, ctr } from '../helpers/containers.js'

const EPS: [string, EntryPoint][] = [
  ['web', { host: '', port: 80 }], ['websecure', { host: '', port: 443 }], ['postgres', { host: '', port: 5432 }],
  ['mqtts', { host: '', port: 8883 }], ['dns', { host: '', port: 53, udp: true }],
]

function fromLabels(containers: Parameters<typeof buildConfig>[0]): DynamicConfig {
  const built = buildConfig(containers, buildOptions())
  return mergeConfigs(new Map([['docker', built.config]])).config
}

function fromFile(text: string): DynamicConfig {
  const built = buildFileConfig([{ file: 'dyn.yml', text }])
  t.same(built.errors, [], 'the file loads')
  return mergeConfigs(new Map([['file', built.config!]])).config
}

t.test('entrypoint addresses: /tcp and /udp suffixes', async (t) => {
  const at = { label: '--entryPoints.x.address', where: undefined }
  t.same(address({ raw: ':5432/tcp', at }), { host: '', port: 5432 })
  t.same(address({ raw: ':53/udp', at }), { host: '', port: 53, udp: true })
  t.same(address({ raw: '127.0.0.1:53/UDP', at }), { host: '127.0.0.1', port: 53, udp: true })
  t.throws(() => address({ raw: ':53/sctp', at }), /:53\/udp/)
})

t.test('labels: the shapes real compose files use', async (t) => {
  const cases: { name: string; labels: Record<string, string>; ip?: string; router: string; status: 'enabled' | 'disabled'; error?: RegExp; listener?: { ep: string; servers: string[]; tls?: boolean; proxyProtocol?: number } }[] = [
    {
      name: 'postgres on its own entrypoint, HostSNI(`*`)',
      labels: { 'traefik.tcp.routers.pg.rule': 'HostSNI(`*`)', 'traefik.tcp.routers.pg.entrypoints': 'postgres', 'traefik.tcp.services.pg.loadbalancer.server.port': '5432' },
      router: 'pg@docker', status: 'enabled', listener: { ep: 'postgres', servers: ['172.17.0.2:5432'] },
    },
    {
      name: 'no service label: the container\'s own, on its exposed port',
      labels: { 'traefik.tcp.routers.pg.rule': 'HostSNI(`*`)', 'traefik.tcp.routers.pg.entrypoints': 'postgres' },
      router: 'pg@docker', status: 'enabled', listener: { ep: 'postgres', servers: ['172.17.0.2:80'] },
    },
    {
      name: 'MQTT over TLS passed through on an entrypoint of its own',
      labels: { 'traefik.tcp.routers.mqtt.rule': 'HostSNI(`mqtt.example.com`)', 'traefik.tcp.routers.mqtt.entrypoints': 'mqtts', 'traefik.tcp.routers.mqtt.tls.passthrough': 'true', 'traefik.tcp.services.mqtt.loadbalancer.server.port': '8883', 'traefik.tcp.services.mqtt.loadbalancer.proxyprotocol.version': '2' },
      router: 'mqtt@docker', status: 'enabled', listener: { ep: 'mqtts', servers: ['172.17.0.2:8883'], tls: true, proxyProtocol: 2 },
    },
    {
      name: 'passthrough on websecure beside HTTP routers: refused, saying why and what to do',
      labels: { 'traefik.tcp.routers.mqtt.rule': 'HostSNI(`mqtt.example.com`)', 'traefik.tcp.routers.mqtt.entrypoints': 'websecure', 'traefik.tcp.routers.mqtt.tls.passthrough': 'true', 'traefik.http.routers.site.rule': 'Host(`example.com`)', 'traefik.http.routers.site.entrypoints': 'websecure' },
      router: 'mqtt@docker', status: 'disabled', error: /entrypoint "websecure" also serves HTTP routers \(site@docker\).*give the TCP router its own entrypoint/,
    },
    {
      name: 'TLS termination (tls without passthrough)',
      labels: { 'traefik.tcp.routers.db.rule': 'HostSNI(`db.example.com`)', 'traefik.tcp.routers.db.entrypoints': 'postgres', 'traefik.tcp.routers.db.tls': 'true', 'traefik.tcp.routers.db.tls.certresolver': 'le' },
      router: 'db@docker', status: 'disabled', error: /TLS termination on TCP routers is not supported by pier: set tls.passthrough=true/,
    },
    {
      name: 'HostSNI with a name on a plain router',
      labels: { 'traefik.tcp.routers.db.rule': 'HostSNI(`db.example.com`)', 'traefik.tcp.routers.db.entrypoints': 'postgres' },
      router: 'db@docker', status: 'disabled', error: /needs tls.passthrough=true/,
    },
    {
      name: 'a TCP middleware',
      labels: { 'traefik.tcp.routers.db.rule': 'HostSNI(`*`)', 'traefik.tcp.routers.db.entrypoints': 'postgres', 'traefik.tcp.routers.db.middlewares': 'allow' },
      router: 'db@docker', status: 'disabled', error: /traefik.tcp.routers.db.middlewares: TCP middlewares .* not supported/,
    },
    {
      name: 'an unknown router field disables (fail closed)',
      labels: { 'traefik.tcp.routers.db.rule': 'HostSNI(`*`)', 'traefik.tcp.routers.db.entrypoints': 'postgres', 'traefik.tcp.routers.db.allowlist': '10.0.0.0/8' },
      router: 'db@docker', status: 'disabled', error: /label traefik.tcp.routers.db.allowlist is not supported by pier/,
    },
    {
      name: 'a bad rule names the matcher',
      labels: { 'traefik.tcp.routers.db.rule': 'Host(`x`)', 'traefik.tcp.routers.db.entrypoints': 'postgres' },
      router: 'db@docker', status: 'disabled', error: /invalid rule.*Host/,
    },
    {
      name: 'ClientIP on a plain router',
      labels: { 'traefik.tcp.routers.db.rule': 'HostSNI(`*`) && ClientIP(`10.0.0.0/8`)', 'traefik.tcp.routers.db.entrypoints': 'postgres' },
      router: 'db@docker', status: 'enabled', listener: { ep: 'postgres', servers: ['172.17.0.2:80'] },
    },
    {
      name: 'no entrypoints: every TCP entrypoint, web among them, so refused',
      labels: { 'traefik.tcp.routers.db.rule': 'HostSNI(`*`)', 'traefik.http.routers.site.rule': 'Host(`example.com`)', 'traefik.http.routers.site.entrypoints': 'web' },
      router: 'db@docker', status: 'disabled', error: /entrypoint "web" also serves HTTP routers/,
    },
  ]
  for (const c of cases) {
    const config = fromLabels([ctr('app', { labels: c.labels })])
    const plan = planStream(config, EPS)
    const r = plan.tcp[c.router]
    t.equal(r?.status, c.status, `${c.name}: ${r?.errors.join('; ')}`)
    if (c.error) t.match(r!.errors.join('; '), c.error, c.name)
    if (c.listener) {
      const l = plan.listeners.find((x) => x.name === c.listener!.ep)!
      t.same(l.routes[0]!.servers.map((s) => `${s.host}:${s.port}`), c.listener.servers, `${c.name}: servers`)
      t.equal(l.routes[0]!.tls, c.listener.tls ?? false, `${c.name}: tls`)
      t.equal(l.routes[0]!.proxyProtocol, c.listener.proxyProtocol ?? 0, `${c.name}: proxyProtocol`)
    } else t.notOk(plan.listeners.some((l) => l.routes.some((x) => x.name === c.router)), `${c.name}: not served`)
  }
})

t.test('an entrypoint setting the relay does not honour disables its TCP routers, naming it', async (t) => {
  const config = fromLabels([ctr('db', { labels: { 'traefik.tcp.routers.pg.rule': 'HostSNI(`*`)', 'traefik.tcp.routers.pg.entrypoints': 'postgres' } })])
  const plan = planStream(config, EPS, new Set(), new Map([['postgres', 'proxyProtocol (a PROXY header from the client) is not supported on TCP entrypoints yet']]))
  t.match(plan.tcp['pg@docker'], { status: 'disabled', errors: [/entrypoint "postgres": proxyProtocol .* not supported on TCP entrypoints/] })
  t.same(plan.listeners, [])
})

t.test('a container with only TCP or UDP labels gets no HTTP router (as in Traefik)', async (t) => {
  const config = fromLabels([ctr('db', { labels: { 'traefik.tcp.routers.pg.rule': 'HostSNI(`*`)', 'traefik.tcp.routers.pg.entrypoints': 'postgres' } }), ctr('dns', { labels: { 'traefik.udp.routers.dns.entrypoints': 'dns' } })])
  t.same(Object.keys(config.http.routers), [])
  const plan = planStream(config, EPS)
  t.equal(plan.tcp['pg@docker']!.status, 'enabled')
  t.match(plan.udp['dns@docker'], { status: 'enabled', entryPoints: ['dns'], service: 'dns@docker' })
  t.same(plan.udpListeners, [{ name: 'dns', host: '', port: 53, router: 'dns@docker', servers: [{ host: '172.17.0.2', port: 80, weight: 1 }], idleMs: 3000 }], "Traefik's 3 s UDP timeout by default")
})

t.test('servers of two containers in one TCP service, weights kept', async (t) => {
  const labels = (w: string) => ({ 'traefik.tcp.routers.r.rule': 'HostSNI(`*`)', 'traefik.tcp.routers.r.entrypoints': 'postgres', 'traefik.tcp.routers.r.service': 's', 'traefik.tcp.services.s.loadbalancer.server.port': '6379', 'traefik.tcp.services.s.loadbalancer.server.weight': w })
  const config = fromLabels([ctr('a', { labels: labels('3'), networks: [{ name: 'bridge', ip: '172.17.0.2' }] }), ctr('b', { id: 'id-b', labels: labels('1'), networks: [{ name: 'bridge', ip: '172.17.0.3' }] })])
  const l = planStream(config, EPS).listeners[0]!
  t.same(l.routes[0]!.servers, [{ host: '172.17.0.2', port: 6379, weight: 3 }, { host: '172.17.0.3', port: 6379, weight: 1 }])
})

t.test('file tcp and udp sections', async (t) => {
  const config = fromFile(`
http:
  routers:
    site: { rule: "Host(\`example.com\`)", service: site, entryPoints: [websecure] }
  services:
    site: { loadBalancer: { servers: [{ url: "http://127.0.0.1:8080" }] } }
tcp:
  routers:
    pg: { rule: "HostSNI(\`*\`)", service: pg, entryPoints: [postgres] }
    mqtt: { rule: "HostSNI(\`mqtt.example.com\`) || HostSNI(\`mqtt2.example.com\`)", service: mqtt, entryPoints: [mqtts], tls: { passthrough: true }, priority: 100 }
    any: { rule: "HostSNI(\`*\`)", service: mqtt, entryPoints: [mqtts], tls: { passthrough: true } }
    shared: { rule: "HostSNI(\`git.example.com\`)", service: pg, entryPoints: [websecure], tls: { passthrough: true } }
    w: { rule: "HostSNI(\`*\`)", service: weighted, entryPoints: [postgres] }
    ghost: { rule: "HostSNI(\`*\`)", service: nope, entryPoints: [postgres] }
    wrongep: { rule: "HostSNI(\`*\`)", service: pg, entryPoints: [dns] }
  services:
    pg: { loadBalancer: { servers: [{ address: "10.0.0.5:5432" }, { address: "[fd00::5]:5432", weight: 2 }], proxyProtocol: { version: 1 } } }
    mqtt: { loadBalancer: { servers: [{ address: "10.0.0.6:8883" }], proxyProtocol: {} } }
    weighted: { weighted: { services: [{ name: pg, weight: 1 }] } }
udp:
  routers:
    dns: { entryPoints: [dns], service: dns }
  services:
    dns: { loadBalancer: { servers: [{ address: "10.0.0.7:53" }] } }
`)
  const plan = planStream(config, EPS)
  const status = Object.fromEntries(Object.values(plan.tcp).map((r) => [r.name, r.status]))
  t.same(status, { 'pg@file': 'enabled', 'mqtt@file': 'enabled', 'any@file': 'enabled', 'shared@file': 'disabled', 'w@file': 'disabled', 'ghost@file': 'disabled', 'wrongep@file': 'disabled' })
  t.match(plan.tcp['w@file']!.errors.join(), /weighted TCP\/UDP services are not supported/)
  t.match(plan.tcp['ghost@file']!.errors.join(), /the service "nope@file" does not exist/)
  t.match(plan.tcp['wrongep@file']!.errors.join(), /entrypoint "dns" is a UDP entrypoint/)
  const mqtts = plan.listeners.find((l) => l.name === 'mqtts')!
  t.same(mqtts.routes.map((r) => r.name), ['mqtt@file', 'any@file'], 'priority 100 before HostSNI(`*`) (12, its length)')
  t.equal(mqtts.routes[0]!.proxyProtocol, 2, "proxyProtocol without a version is Traefik's default, 2")
  const pg = plan.listeners.find((l) => l.name === 'postgres')!
  t.same(pg.routes[0]!.servers, [{ host: '10.0.0.5', port: 5432, weight: 1 }, { host: 'fd00::5', port: 5432, weight: 2 }])
  t.equal(pg.routes[0]!.proxyProtocol, 1)
  t.match(plan.udp['dns@file'], { status: 'enabled' })
  t.same(plan.udpListeners, [{ name: 'dns', host: '', port: 53, router: 'dns@file', servers: [{ host: '10.0.0.7', port: 53, weight: 1 }], idleMs: 3000 }])
  const timed = planStream(config, EPS.map(([n, ep]): [string, EntryPoint] => [n, n === 'dns' ? { ...ep, udpTimeoutMs: 10000 } : ep]))
  t.equal(timed.udpListeners[0]!.idleMs, 10000, 'the entrypoint\'s udp.timeout')
})

t.test('file: what pier cannot honour is named on the router or service', async (t) => {
  const built = buildFileConfig([{ file: 'dyn.yml', text: `
tcp:
  routers:
    r: { rule: "HostSNI(\`*\`)", service: s, entryPoints: [postgres], middlewares: [allow] }
  services:
    s: { loadBalancer: { servers: [{ address: "10.0.0.5:5432", tls: true }], serversTransport: mtls } }
` }])
  t.same(built.errors, [])
  t.same(built.config!.tcp!.routers.r!.unsupported, ['middlewares: TCP middlewares (inFlightConn, ipAllowList) are not supported by pier'])
  t.same(built.config!.tcp!.services!.s!.unsupported!.sort(), ['loadBalancer.serversTransport: TCP serversTransports are not supported by pier', 'loadBalancer.servers[0].tls: TLS toward TCP servers is not supported by pier'])
  const bad = buildFileConfig([{ file: 'dyn.yml', text: 'tcp:\n  routers:\n    r: { rule: "HostSNI(`*`)", servce: s }\n' }])
  t.match(bad.errors.map((e) => e.message).join(), /unknown key servce; did you mean service\?/)
})

t.test('UDP routers: one per UDP entrypoint, on UDP entrypoints only', async (t) => {
  const config = fromFile(`
udp:
  routers:
    dns: { entryPoints: [dns], service: dns }
    second: { entryPoints: [dns], service: dns }
    ontcp: { entryPoints: [postgres], service: dns }
    nosvc: { entryPoints: [dns] }
    pp: { entryPoints: [dns], service: pp }
  services:
    dns: { loadBalancer: { servers: [{ address: "10.0.0.7:53" }, { address: "10.0.0.8:53" }] } }
    pp: { loadBalancer: { servers: [{ address: "10.0.0.7:53" }], proxyProtocol: { version: 1 } } }
`)
  const plan = planStream(config, EPS)
  t.equal(plan.udp['dns@file']!.status, 'enabled', plan.udp['dns@file']!.errors.join('; '))
  t.match(plan.udp['second@file']!.errors.join(), /already carries UDP router dns@file: a UDP entrypoint carries one router/)
  t.match(plan.udp['ontcp@file']!.errors.join(), /entrypoint "postgres" is not a UDP entrypoint/)
  t.match(plan.udp['nosvc@file']!.errors.join(), /names no service/)
  t.match(plan.udp['pp@file']!.errors.join(), /proxyProtocol is for TCP services/)
  t.equal(plan.udpListeners.length, 1)
})

t.test('server addresses', async (t) => {
  t.same(parseServerAddress('10.0.0.1:5432'), { host: '10.0.0.1', port: 5432 })
  t.same(parseServerAddress('db.internal:6379'), { host: 'db.internal', port: 6379 })
  t.same(parseServerAddress('[::1]:53'), { host: '::1', port: 53 })
  for (const bad of ['10.0.0.1', '10.0.0.1:0', 'tcp://x:1', ':5432', 'a b:1', 'x:70000']) t.equal(parseServerAddress(bad), null, bad)
})

t.test('TCP rules', async (t) => {
  const cases: [string, { sni: string; clientIP: string }, boolean][] = [
    ['HostSNI(`*`)', { sni: '', clientIP: '1.2.3.4' }, true],
    ['HostSNI(`a.example`)', { sni: 'a.example', clientIP: '1.2.3.4' }, true],
    ['HostSNI(`A.example`)', { sni: 'a.example', clientIP: '1.2.3.4' }, true],
    ['HostSNI(`a.example`)', { sni: 'b.example', clientIP: '1.2.3.4' }, false],
    ['HostSNIRegexp(`^.+\\.example$`)', { sni: 'x.example', clientIP: '1.2.3.4' }, true],
    ['HostSNI(`*`) && ClientIP(`10.0.0.0/8`)', { sni: '', clientIP: '10.1.2.3' }, true],
    ['HostSNI(`*`) && !ClientIP(`10.0.0.0/8`)', { sni: '', clientIP: '10.1.2.3' }, false],
  ]
  for (const [rule, conn, want] of cases) t.equal(compileTcpRule(rule).match(conn), want, `${rule} ${JSON.stringify(conn)}`)
  t.equal(compileTcpRule('HostSNI(`*`)').needsSni, false)
  t.equal(compileTcpRule('HostSNI(`a`) || ClientIP(`1.2.3.4`)').needsSni, true)
  t.throws(() => compileTcpRule('Host(`a`)'), /Host/)
  t.throws(() => compileTcpRule('HostSNI(`*`, `a`)'), /no other name/)
})

/** The first bytes a real TLS client (node:tls) sends, with this server name. */
async function clientHello(servername: string | undefined): Promise<Buffer> {
  const server = net.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const got = new Promise<Buffer>((resolve) => server.once('connection', (s) => s.once('data', (b: Buffer) => { resolve(b); s.destroy() })))
  const c = tls.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, servername, rejectUnauthorized: false })
  c.on('error', () => {})
  const b = await got
  c.destroy()
  server.close()
  return b
}

t.test('ClientHello: the server name of a real TLS client, in pieces too', async (t) => {
  const hello = await clientHello('MQTT.example.com')
  t.same(readHello(hello), { kind: TLS, sni: 'mqtt.example.com' })
  for (const cut of [0, 1, 4, 5, 40, hello.length - 1]) t.equal(readHello(hello.subarray(0, cut)).kind, MORE, `cut at ${cut}`)
  t.same(readHello(await clientHello(undefined)), { kind: TLS, sni: '' }, 'no SNI (an IP address)')
  t.equal(readHello(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')).kind, PLAIN)
  t.equal(readHello(Buffer.from([0, 0, 0, 8, 4, 0xd2, 0x16, 0x2f])).kind, PLAIN, "postgres's SSLRequest is plain TCP")
})

t.test('PROXY protocol headers', async (t) => {
  t.equal(proxyHeader(1, '::ffff:10.0.0.1', 5000, '127.0.0.1', 5432).toString(), 'PROXY TCP4 10.0.0.1 127.0.0.1 5000 5432\r\n')
  t.equal(proxyHeader(1, '::1', 5000, '::1', 5432).toString(), 'PROXY TCP6 ::1 ::1 5000 5432\r\n')
  const v2 = proxyHeader(2, '10.0.0.1', 5000, '127.0.0.1', 5432)
  t.equal(v2.length, 28)
  t.same([...v2.subarray(12, 16)], [0x21, 0x11, 0, 12])
  t.same([...v2.subarray(16, 28)], [10, 0, 0, 1, 127, 0, 0, 1, 0x13, 0x88, 0x15, 0x38])
  const v6 = proxyHeader(2, 'fd00::5', 1, '::1', 2)
  t.same([...v6.subarray(12, 16)], [0x21, 0x21, 0, 36])
  t.same([...v6.subarray(16, 32)], [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5])
  t.same([...v6.subarray(32, 48)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
})
