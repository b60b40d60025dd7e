// HTTPS backends and serversTransports, from the file and label shapes real
// setups use (Portainer on 9443, Proxmox on 8006, UniFi on 8443, Home
// Assistant) through the merge and the compiler to the route table: which
// routers are served, and with what transport each server is reached.
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DynamicConfig } from '../../src/config/dynamic.js'
import { mergeConfigs } from '../../src/primary/merge.js'
import { buildConfig } from '../../src/providers/docker/builder.js'
import type { ContainerInfo } from '../../src/providers/docker/container.js'
import { buildFileConfig } from '../../src/providers/file/build.js'
import { formatProblem } from '../../src/providers/file/problems.js'
import { compileTable } from '../../src/table/compile.js'
import { RouteTable } from '../../src/table/reader.js'
import type { Transport } from '../../src/table/transports.js'
import { Pools } from '../../src/worker/pools.js'
import { buildOptions, ctr } from '../helpers/containers.js'
import { makeCA } from '../helpers/tls.js'

const dir = mkdtempSync(join(tmpdir(), 'pier-st-'))
const ca = (await makeCA()).cert
const caFile = join(dir, 'ca.crt')
writeFileSync(caFile, ca)

function file(text: string) {
  const b = buildFileConfig([{ file: 'dyn.yml', text }])
  return { config: b.config, errors: b.errors.map(formatProblem), warnings: b.warnings.map(formatProblem) }
}

/** Compiles what the providers give: routers served, and per service its servers' urls and transports. */
function compile(parts: { file?: string; docker?: ContainerInfo[] }) {
  const by = new Map<string, DynamicConfig>()
  if (parts.file !== undefined) {
    const f = file(parts.file)
    if (f.errors.length > 0) throw new Error(f.errors.join('\n'))
    by.set('file', f.config!)
  }
  if (parts.docker) by.set('docker', buildConfig(parts.docker, buildOptions()).config)
  const { buffer, report } = compileTable(mergeConfigs(by).config, ['web'], 1)
  const table = new RouteTable(buffer)
  const servers = (service: string): { url: string; transport: Transport | null }[] => {
    const s = table.serviceNames.indexOf(service)
    if (s < 0) return []
    const out = []
    for (let v = table.firstServer(s); v < table.firstServer(s) + table.serverCountOf(s); v++) {
      const json = table.serverTransports[v]!
      out.push({ url: table.serverUrls[v]!, transport: json === '' ? null : (JSON.parse(json) as Transport) })
    }
    return out
  }
  return { report, table, routers: table.routerNames, servers }
}

// [setup, file text, router, service, what its one server must look like]
const files: [string, string, string, string, { url: string; transport: Partial<Transport> | null }][] = [
  [
    'Portainer on 9443, self-signed, insecureSkipVerify',
    `
http:
  routers:
    portainer: { rule: "Host(\`portainer.home.lan\`)", service: portainer, entryPoints: [web] }
  services:
    portainer:
      loadBalancer:
        servers:
          - url: "https://192.168.1.10:9443"
        serversTransport: insecureTransport
  serversTransports:
    insecureTransport:
      insecureSkipVerify: true
`,
    'portainer@file',
    'portainer@file',
    { url: 'https://192.168.1.10:9443', transport: { insecure: true, ca: [], serverName: '' } },
  ],
  [
    'Proxmox on 8006, its own CA and the node name',
    `
http:
  routers:
    pve: { rule: "Host(\`pve.example.com\`)", service: pve }
  services:
    pve:
      loadBalancer:
        passHostHeader: true
        serversTransport: pve
        servers: [{ url: "https://10.0.0.2:8006/" }]
  serversTransports:
    pve:
      serverName: pve1.lan
      rootCAs: ["${caFile}"]
      forwardingTimeouts: { dialTimeout: 5s, responseHeaderTimeout: 1m, idleConnTimeout: 30s }
      maxIdleConnsPerHost: 10
`,
    'pve@file',
    'pve@file',
    { url: 'https://10.0.0.2:8006/', transport: { insecure: false, serverName: 'pve1.lan', ca: [ca], dialTimeoutMs: 5000, headersTimeoutMs: 60000, idleConnTimeoutMs: 30000, maxConns: 10 } },
  ],
  [
    'UniFi controller on 8443, TOML-style keys in any case, disableHTTP2',
    `
http:
  routers:
    unifi: { rule: "Host(\`unifi.lan\`)", service: unifi }
  services:
    unifi:
      loadBalancer:
        servers: [{ url: "https://unifi:8443" }]
        serverstransport: unifi
  serverstransports:
    unifi:
      InsecureSkipVerify: "true"
      disableHTTP2: true
`,
    'unifi@file',
    'unifi@file',
    { url: 'https://unifi:8443', transport: { insecure: true } },
  ],
  [
    'Home Assistant, https with no transport: the default one, which verifies',
    `
http:
  routers:
    ha: { rule: "Host(\`ha.lan\`)", service: ha }
  services:
    ha: { loadBalancer: { servers: [{ url: "https://192.168.1.20:8123" }] } }
`,
    'ha@file',
    'ha@file',
    { url: 'https://192.168.1.20:8123', transport: { insecure: false, ca: [], dialTimeoutMs: 30000, maxConns: 64 } },
  ],
  [
    'a plain backend with a transport: its timeouts apply',
    `
http:
  routers:
    slow: { rule: "Host(\`slow.lan\`)", service: slow }
  services:
    slow: { loadBalancer: { serversTransport: patient, servers: [{ url: "http://10.0.0.9:8080" }] } }
  serversTransports:
    patient: { forwardingTimeouts: { responseHeaderTimeout: 300 } }
`,
    'slow@file',
    'slow@file',
    { url: 'http://10.0.0.9:8080', transport: { headersTimeoutMs: 300_000 } },
  ],
  [
    'a plain backend with no transport: as before',
    `
http:
  routers:
    web: { rule: "Host(\`web.lan\`)", service: web }
  services:
    web: { loadBalancer: { servers: [{ url: "http://10.0.0.9:80" }] } }
`,
    'web@file',
    'web@file',
    { url: 'http://10.0.0.9:80', transport: null },
  ],
]

for (const [what, text, router, service, want] of files) {
  t.test(`file: ${what}`, async (t) => {
    const c = compile({ file: text })
    t.same(c.report.routerErrors, {})
    t.same(c.routers, [router])
    const [s] = c.servers(service)
    t.equal(s?.url, want.url)
    if (want.transport === null) t.equal(s?.transport, null)
    else t.match(s?.transport, want.transport)
  })
}

const ctrs = (labels: Record<string, string>) => [ctr('app', { labels: { 'traefik.http.routers.app.rule': 'Host(`app.lan`)', ...labels } })]
// [setup, labels, file text beside them, service, server url, transport expected (or the router's error)]
const labelCases: [string, Record<string, string>, string | undefined, string, string, Partial<Transport> | RegExp][] = [
  [
    'Portainer: scheme https, port 9443, a transport from the file provider',
    { 'traefik.http.services.app.loadbalancer.server.scheme': 'https', 'traefik.http.services.app.loadbalancer.server.port': '9443', 'traefik.http.services.app.loadbalancer.serverstransport': 'insecure@file' },
    'http:\n  serversTransports:\n    insecure: { insecureSkipVerify: true }\n',
    'app@docker',
    'https://172.17.0.2:9443',
    { insecure: true },
  ],
  [
    'UniFi: scheme https on 8443, the default transport',
    { 'traefik.http.services.app.loadbalancer.server.scheme': 'https', 'traefik.http.services.app.loadbalancer.server.port': '8443' },
    undefined,
    'app@docker',
    'https://172.17.0.2:8443',
    { insecure: false },
  ],
  [
    'a transport name without a provider is the container\'s provider: missing there',
    { 'traefik.http.services.app.loadbalancer.server.scheme': 'https', 'traefik.http.services.app.loadbalancer.serverstransport': 'insecure' },
    'http:\n  serversTransports:\n    insecure: { insecureSkipVerify: true }\n',
    'app@docker',
    '',
    /service "app@docker" is disabled: serversTransport "insecure@docker" does not exist/,
  ],
  [
    'v1 traefik.protocol=https',
    { 'traefik.protocol': 'https', 'traefik.port': '8006', 'traefik.frontend.rule': 'Host:pve.lan' },
    undefined,
    'app@docker',
    'https://172.17.0.2:8006',
    { insecure: false },
  ],
]

for (const [what, labels, text, service, url, want] of labelCases) {
  t.test(`labels: ${what}`, async (t) => {
    const v1 = 'traefik.protocol' in labels
    const list = v1 ? [ctr('app', { labels })] : ctrs(labels)
    const by = new Map<string, DynamicConfig>()
    if (text) by.set('file', file(text).config!)
    by.set('docker', buildConfig(list, buildOptions({ v1 })).config)
    const { buffer, report } = compileTable(mergeConfigs(by).config, ['web'], 1)
    const table = new RouteTable(buffer)
    if (want instanceof RegExp) {
      t.match(Object.values(report.routerErrors).flat().join('\n'), want)
      t.same(table.routerNames, [])
      return
    }
    t.same(report.routerErrors, {})
    const s = table.serviceNames.indexOf(service)
    const v = table.firstServer(s)
    t.equal(table.serverUrls[v], url)
    t.match(JSON.parse(table.serverTransports[v]!), want)
  })
}

t.test('file: bad transports are errors naming the key; what pier cannot honour disables the services using it', async (t) => {
  const bad = file(`
http:
  serversTransports:
    a: { rootCAs: 7, serverName: [x], maxIdleConnsPerHost: many, certificates: [{ certFile: c.pem }] }
    b: { forwardingTimeouts: { dialTimeout: soon, readTimeout: 1s }, minVersion: TLS12, insecureSkipVerify: maybe }
    c: { serverNme: x }
`)
  t.same(bad.errors.sort(), [
    'dyn.yml line 4: serversTransport "a": certificates[0] must be {certFile, keyFile}, each a path or PEM text, not a mapping',
    'dyn.yml line 4: serversTransport "a": maxIdleConnsPerHost must be an integer, not string "many"',
    'dyn.yml line 4: serversTransport "a": rootCAs must be a list of CA certificate files or PEM texts, not number 7',
    'dyn.yml line 4: serversTransport "a": serverName must be text, not a list',
    'dyn.yml line 5: serversTransport "b": forwardingTimeouts.dialTimeout must be a duration such as 30s, not string "soon"',
    'dyn.yml line 5: serversTransport "b": insecureSkipVerify must be true or false, not string "maybe"',
    'dyn.yml line 5: serversTransport "b": minVersion must be one of VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13, not "TLS12"',
    'dyn.yml line 5: serversTransport "b": unknown key forwardingTimeouts.readTimeout (known: dialTimeout, responseHeaderTimeout, idleConnTimeout)',
    'dyn.yml line 6: serversTransport "c": unknown key serverNme (known: serverName, insecureSkipVerify, rootCAs, certificates, maxIdleConnsPerHost, forwardingTimeouts, disableHTTP2, peerCertURI, minVersion, maxVersion)',
  ])

  const c = compile({
    file: `
http:
  routers:
    strict: { rule: "Host(\`strict\`)", service: strict }
    ok: { rule: "Host(\`ok\`)", service: ok }
    unreadable: { rule: "Host(\`unreadable\`)", service: unreadable }
    empty: { rule: "Host(\`empty\`)", service: empty }
  services:
    empty: { loadBalancer: { serversTransport: nope, servers: [] } }
    strict: { loadBalancer: { serversTransport: ciphers, servers: [{ url: "https://10.0.0.1" }] } }
    ok: { loadBalancer: { serversTransport: h2, servers: [{ url: "https://10.0.0.1" }] } }
    unreadable: { loadBalancer: { serversTransport: gone, servers: [{ url: "https://10.0.0.1" }] } }
  serversTransports:
    ciphers: { cipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256], peerCertSANs: [x] }
    h2: { forwardingTimeouts: { readIdleTimeout: 10s, pingTimeout: 15s }, peerCertURI: "spiffe://lan/app", minVersion: VersionTLS12 }
    gone: { rootCAs: ["${join(dir, 'missing.crt')}"] }
`,
  })
  t.match(c.report.routerErrors['strict@file']!.join(' '), /serversTransport "ciphers@file": cipherSuites: cipher suites toward backends are not supported; peerCertSANs: peerCertSANs is not supported/)
  t.match(c.report.routerErrors['unreadable@file']!.join(' '), /serversTransport "gone@file": rootCAs ".*missing\.crt" cannot be read: ENOENT/)
  t.match(c.report.routerErrors['empty@file']!.join(' '), /serversTransport "nope@file" does not exist/, 'with no server yet, too')
  t.same(c.routers, ['ok@file'])
  t.match(c.servers('ok@file')[0]!.transport, { peerCertURI: 'spiffe://lan/app', minVersion: 'TLSv1.2', serverName: '', port: undefined })
  t.equal(c.servers('ok@file')[0]!.url, 'https://10.0.0.1')
  const w = file(`
http:
  serversTransports:
    h2: { forwardingTimeouts: { pingTimeout: 15s }, spiffe: {} }
`)
  t.same(w.warnings, [
    'dyn.yml line 4: serversTransport "h2": forwardingTimeouts.pingTimeout is for HTTP/2, which pier does not speak to backends; ignored',
    'dyn.yml line 4: serversTransport "h2": spiffe: SPIFFE is not supported: the services that use it are disabled',
  ])
})

t.test('file: the same serversTransport in two files is an error naming both', async (t) => {
  const b = buildFileConfig([
    { file: 'a.yml', text: 'http:\n  serversTransports:\n    x: { insecureSkipVerify: true }\n' },
    { file: 'b.yml', text: 'http:\n  serversTransports:\n    x: { insecureSkipVerify: false }\n' },
  ])
  t.same(b.errors.map(formatProblem), ['b.yml line 3: serversTransport "x": is also defined in a.yml'])
})

t.test('two transports to one server never share a pool key', async (t) => {
  const c = compile({
    file: `
http:
  routers:
    a: { rule: "Host(\`a\`)", service: a }
    b: { rule: "Host(\`b\`)", service: b }
  services:
    a: { loadBalancer: { serversTransport: x, servers: [{ url: "https://10.0.0.1:443" }] } }
    b: { loadBalancer: { serversTransport: y, servers: [{ url: "https://10.0.0.1:443" }] } }
  serversTransports:
    x: { insecureSkipVerify: true }
    y: { rootCAs: ["${caFile}"] }
`,
  })
  const pools = new Pools({ maxConnsPerServer: 4, dialTimeoutMs: 1000, idleConnTimeoutMs: 1000, maxResponseHeaderBytes: 16384 })
  t.teardown(() => pools.destroy())
  const [a, b, again] = pools.bind(c.table)
  t.not(a, b, 'one pool per transport')
  t.equal(again, undefined)
  const same = compile({ file: 'http:\n  routers:\n    a: { rule: "Host(`a`)", service: a }\n    b: { rule: "Host(`b`)", service: b }\n  services:\n    a: { loadBalancer: { servers: [{ url: "https://10.0.0.1:443" }] } }\n    b: { loadBalancer: { servers: [{ url: "https://10.0.0.1:443" }] } }\n' })
  const [x, y] = pools.bind(same.table)
  t.equal(x, y, 'the same transport to the same server: one pool')
  t.not(x, a, 'and not the pool of another transport')
})
