// Property-based fuzzing (fast-check) of what pier reads from the outside:
// container labels, rules, dynamic configuration files and backend
// responses. Each property must hold for every generated input: no crash,
// only coded errors, and outputs the next stage accepts. The budget is
// FUZZ_RUNS per property (a small one in `make test`; raise it to fuzz
// longer, e.g. FUZZ_RUNS=20000). A failure prints fast-check's seed and the
// shrunk counterexample, so it replays.
import t from 'tap'
import fc from 'fast-check'
import { parseLabels } from '../../src/providers/docker/labels.js'
import { buildConfig } from '../../src/providers/docker/builder.js'
import { checkRule } from '../../src/providers/docker/settings.js'
import { buildFileConfig } from '../../src/providers/file/build.js'
import { compileRule, parseRule, RuleError, rulePriority, type MatchRequest } from '../../src/rules/index.js'
import { compileTable } from '../../src/table/compile.js'
import { RouteTable } from '../../src/table/reader.js'
import { mergeConfigs } from '../../src/primary/merge.js'
import { parse } from './feed.js'
import { buildOptions, ctr } from '../helpers/containers.js'
import { LOADABLE_TYPES, loadKinds } from '../../src/middlewares/kind-modules.js'

// The publisher imports the kinds a configuration names before compiling it; here every kind, once.
await loadKinds(LOADABLE_TYPES)

const RUNS = Number(process.env.FUZZ_RUNS ?? 300)
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)
const run = (p: fc.IPropertyWithHooks<unknown[]> | fc.IProperty<unknown[]>) => fc.assert(p, { numRuns: RUNS, seed: SEED })

// -- generators --

const word = fc.stringMatching(/^[a-zA-Z0-9_-]{1,8}$/)
const oneOf = <T>(...items: T[]) => fc.constantFrom(...items)
/** Text with the characters that matter to parsers. */
const nasty = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '9', '.', ',', ';', ':', '`', '"', '\\', '(', ')', '{', '}', '[', ']', '/', '*', ' ', '\t', '\n', '&', '|', '!', '=', '-', '@', '$', '\u00e9', '\u0000') , maxLength: 40 })
const hostArg = fc.oneof(fc.domain(), word, nasty)
const matcher = fc.oneof(
  hostArg.map((h) => `Host(\`${h}\`)`),
  fc.array(hostArg, { minLength: 1, maxLength: 3 }).map((hs) => `Host(${hs.map((h) => `"${h}"`).join(', ')})`),
  fc.webPath().map((p) => `PathPrefix(\`${p || '/'}\`)`),
  fc.webPath().map((p) => `Path(\`${p}\`)`),
  oneOf('GET', 'POST', 'get', 'X Y').map((m) => `Method(\`${m}\`)`),
  fc.tuple(word, nasty).map(([k, v]) => `Header(\`${k}\`, \`${v}\`)`),
  fc.tuple(word, nasty).map(([k, v]) => `HeaderRegexp(\`${k}\`, \`${v}\`)`),
  nasty.map((re) => `HostRegexp(\`${re}\`)`),
  nasty.map((re) => `PathRegexp(\`${re}\`)`),
  fc.tuple(word, word).map(([k, v]) => `Query(\`${k}\`, \`${v}\`)`),
  oneOf('10.0.0.0/8', '::1', '300.1.1.1', '1.2.3.4/33', 'fe80::/10').map((ip) => `ClientIP(\`${ip}\`)`),
  nasty,
)
const rule: fc.Arbitrary<string> = fc.letrec<{ rule: string }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    matcher,
    fc.tuple(tie('rule'), oneOf(' && ', ' || ', '&&', ' |'), tie('rule')).map(([a, op, b]) => `${a}${op}${b}`),
    tie('rule').map((r) => `!${r}`),
    tie('rule').map((r) => `(${r})`),
  ),
})).rule

const request: fc.Arbitrary<MatchRequest> = fc.record({ host: fc.oneof(fc.domain(), nasty), path: fc.webPath(), query: fc.string({ maxLength: 20 }), method: oneOf('GET', 'POST', 'HEAD') }).map((r) => ({
  ...r,
  header: (name: string) => (name.length % 2 ? 'x' : ''),
  clientIP: () => '10.1.2.3',
}))

const v2Key = fc.tuple(oneOf('routers', 'services', 'middlewares', 'serverstransports', 'Routers'), word, oneOf(
  'rule', 'priority', 'entrypoints', 'service', 'middlewares', 'tls', 'tls.certresolver', 'tls.domains[0].main', 'tls.domains[1].sans', 'rulesyntax', 'observability.metrics',
  'loadbalancer.server.port', 'loadbalancer.server.scheme', 'loadbalancer.server.url', 'loadbalancer.server.weight', 'loadbalancer.passhostheader',
  'loadbalancer.healthcheck.path', 'loadbalancer.healthcheck.interval', 'loadbalancer.healthcheck.headers.X-A', 'loadbalancer.passivehealthcheck.maxfailedattempts',
  'loadbalancer.sticky.cookie.name', 'basicauth.users', 'unknown.field', 'x',
)).map(([kind, name, field]) => `traefik.http.${kind}.${name}.${field}`)
const v1Key = oneOf(
  'traefik.frontend.rule', 'traefik.backend', 'traefik.port', 'traefik.weight', 'traefik.protocol', 'traefik.frontend.passHostHeader', 'traefik.frontend.priority',
  'traefik.frontend.entryPoints', 'traefik.domain', 'traefik.frontend.auth.basic.users', 'traefik.backend.healthcheck.path', 'traefik.backend.healthcheck.headers',
  'traefik.web.frontend.rule', 'traefik.web.port', 'traefik.tags', 'traefik.backend.loadbalancer.method', 'traefik.frontend.redirect.entryPoint',
)
const otherKey = oneOf('traefik.enable', 'traefik.docker.network', 'traefik.tcp.routers.t.rule', 'traefik.udp.routers.u.service', 'traefik.tls.stores.default', 'traefik', 'traefik.', 'traefik..x', 'com.example.x')
const labelValue = fc.oneof(rule, nasty, oneOf('true', 'false', '0', '1', '80', '65536', '-1', 'http', 'https', '10s', '', 'a,b', 'v2'), fc.nat(70000).map(String))
const labels = fc.dictionary(fc.oneof(v2Key, v1Key, otherKey, nasty), labelValue, { maxKeys: 12 })

// -- properties --

t.test('labels: parsing and building never throw, and what they build compiles', async () => {
  run(
    fc.property(fc.array(fc.tuple(word, labels), { minLength: 1, maxLength: 4 }), fc.boolean(), (containers, v1) => {
      const list = containers.map(([name, l], i) => ctr(`${name}${i}`, { labels: l, networks: [{ name: 'bridge', ip: `172.17.0.${i + 2}` }] }))
      for (const c of list) parseLabels(c.labels, () => {})
      const built = buildConfig(list, buildOptions({ checkRule, v1 }))
      for (const [name, r] of Object.entries(built.config.http.routers)) {
        if (parseRule(r.rule) === undefined) throw new Error(`router ${name}: unparsable rule kept`)
      }
      const merged = mergeConfigs(new Map([['docker', built.config]])).config
      const { report, buffer } = compileTable(merged, ['web'], 1)
      for (const name of Object.keys(merged.http.routers)) {
        if (!(name in report.priorities) && !report.routerErrors[name]) throw new Error(`router ${name} neither routed nor reported`)
      }
      new RouteTable(buffer)
    }),
  )
})

t.test('rules: only RuleError escapes the parser; compiled rules evaluate without throwing', async () => {
  run(
    fc.property(rule, fc.array(request, { maxLength: 3 }), (text, reqs) => {
      let node
      try {
        node = parseRule(text)
      } catch (err) {
        if (err instanceof RuleError) return
        throw err
      }
      const match = compileRule(node)
      for (const r of reqs) match(r)
      if (!Number.isInteger(rulePriority(text))) throw new Error('priority is not an integer')
    }),
  )
})

const value = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}), rule, fc.webUrl())
const section = (keys: string[]) => fc.dictionary(fc.oneof(oneOf(...keys), word), fc.oneof(value, fc.dictionary(word, value, { maxKeys: 3 }), fc.array(fc.dictionary(oneOf('url', 'weight', 'main', 'sans', 'x'), value, { maxKeys: 3 }), { maxLength: 3 })), { maxKeys: 6 })
const fileDoc = fc.record(
  {
    http: fc.record({
      routers: fc.dictionary(word, section(['rule', 'service', 'entryPoints', 'priority', 'middlewares', 'tls', 'ruleSyntax', 'observability']), { maxKeys: 3 }),
      services: fc.dictionary(word, fc.record({ loadBalancer: section(['servers', 'passHostHeader', 'healthCheck', 'passiveHealthCheck', 'sticky', 'serversTransport']) }, { requiredKeys: [] }), { maxKeys: 3 }),
      middlewares: fc.dictionary(word, value, { maxKeys: 2 }),
    }, { requiredKeys: [] }),
    tcp: fc.dictionary(oneOf('routers', 'services'), fc.dictionary(word, section(['rule', 'service', 'entryPoints']), { maxKeys: 2 }), { maxKeys: 2 }),
    tls: value,
  },
  { requiredKeys: [] },
)

t.test('file provider: any document, and any text, gives a config or problems, never an exception', async () => {
  run(
    fc.property(fileDoc, fc.constantFrom('yml', 'toml', 'json'), (doc, ext) => {
      const text = ext === 'json' ? JSON.stringify(doc) : JSON.stringify(doc) // JSON is YAML; TOML sees it as a syntax error
      const built = buildFileConfig([{ file: `f.${ext === 'toml' ? 'toml' : 'yml'}`, text }])
      for (const p of [...built.errors, ...built.warnings]) if (typeof p.message !== 'string' || typeof p.code !== 'string') throw new Error('malformed problem')
      if (built.config) {
        const merged = mergeConfigs(new Map([['file', built.config]])).config
        new RouteTable(compileTable(merged, ['web'], 1).buffer)
      }
    }),
  )
  run(
    fc.property(fc.string({ maxLength: 200 }), fc.constantFrom('f.yml', 'f.toml'), (text, file) => {
      buildFileConfig([{ file, text }])
    }),
  )
})

const VALID = [
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
  'HTTP/1.0 200 OK\r\n\r\nclose-delimited',
]
const CODES = new Set(['UPSTREAM_BAD_RESPONSE', 'UPSTREAM_RESET'])

t.test('responses: any bytes after, inside or instead of a valid response end parsed or with a coded error', async () => {
  run(
    fc.property(fc.constantFrom(...VALID), fc.nat(200), fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat(300), { maxLength: 4 }), fc.boolean(), (base, at, bytes, splits, isHead) => {
      const raw = Buffer.concat([Buffer.from(base.slice(0, at % (base.length + 1)), 'latin1'), Buffer.from(bytes), Buffer.from(base.slice(at % (base.length + 1)), 'latin1')])
      const r = parse(raw, splits, { isHead, eof: true })
      if (r.error !== null && !CODES.has(r.error.code)) throw new Error(`uncoded error ${r.error.code}`)
      if (r.error === null && r.trailers === null) throw new Error('left waiting after EOF')
    }),
  )
})
