// File provider, pure part: parsing and validating Traefik's dynamic
// configuration files, merging several, and the errors each case gives.
import t from 'tap'
import { buildFileConfig, type Built } from '../../src/providers/file/build.js'
import { formatProblem } from '../../src/providers/file/problems.js'

const one = (file: string, text: string): Built => buildFileConfig([{ file, text }])
const errorsOf = (b: Built): string[] => b.errors.map(formatProblem)
const warningsOf = (b: Built): string[] => b.warnings.map(formatProblem)

const issueExample = `
http:
  routers:
    whoami:
      rule: "Host(\`whoami.localhost\`) && PathPrefix(\`/api\`)"
      service: whoami
      entryPoints: [web]
      priority: 10
  services:
    whoami:
      loadBalancer:
        passHostHeader: true
        servers:
          - url: "http://127.0.0.1:9001"
            weight: 5
          - url: "http://127.0.0.1:9002"
`

const expected = {
  http: {
    routers: { whoami: { rule: 'Host(`whoami.localhost`) && PathPrefix(`/api`)', service: 'whoami', entryPoints: ['web'], priority: 10 } },
    services: { whoami: { loadBalancer: { passHostHeader: true, servers: [{ url: 'http://127.0.0.1:9001', weight: 5 }, { url: 'http://127.0.0.1:9002' }] } } },
  },
}

t.test('the YAML example from the issue', async (t) => {
  const b = one('routes.yml', issueExample)
  t.same(b.errors, [])
  t.same(b.config, expected)
})

t.test('the same in TOML', async (t) => {
  const b = one('routes.toml', `
[http.routers.whoami]
rule = "Host(\`whoami.localhost\`) && PathPrefix(\`/api\`)"
service = "whoami"
entryPoints = ["web"]
priority = 10

[http.services.whoami.loadBalancer]
passHostHeader = true
[[http.services.whoami.loadBalancer.servers]]
url = "http://127.0.0.1:9001"
weight = 5
[[http.services.whoami.loadBalancer.servers]]
url = "http://127.0.0.1:9002"
`)
  t.same(b.errors, [])
  t.same(b.config, expected)
})

t.test('keys are case-insensitive, numbers may be strings', async (t) => {
  const b = one('r.yml', `
HTTP:
  Routers:
    a: { RULE: "Host(\`a\`)", Service: s, ENTRYPOINTS: [web], Priority: "3" }
  services:
    s: { loadbalancer: { passhostheader: "false", servers: [{ URL: "http://[::1]:81", Weight: "0" }] } }
`)
  t.same(b.errors, [])
  t.same(b.config, {
    http: {
      routers: { a: { rule: 'Host(`a`)', service: 's', entryPoints: ['web'], priority: 3 } },
      services: { s: { loadBalancer: { passHostHeader: false, servers: [{ url: 'http://[::1]:81', weight: 0 }] } } },
    },
  })
})

t.test('an empty file, and an empty http section, are an empty configuration', async (t) => {
  for (const text of ['', '# nothing yet\n', 'http:\n', 'http:\n  routers:\n  services:\n']) {
    const b = one('r.yml', text)
    t.same(b.config, { http: { routers: {}, services: {} } }, JSON.stringify(text))
  }
})

t.test('a service with no servers is valid (it answers 503)', async (t) => {
  const b = one('r.yml', 'http:\n  routers:\n    a: {rule: "Host(`a`)", service: s}\n  services:\n    s:\n      loadBalancer:\n        servers: []\n')
  t.same(b.errors, [])
  t.same(b.config?.http.services.s, { loadBalancer: { servers: [] } })
})

t.test('a service of another provider needs no definition here', async (t) => {
  const b = one('r.yml', 'http:\n  routers:\n    a: {rule: "Host(`a`)", service: whoami@docker}\n    b: {rule: "Host(`b`)", service: s@file}\n  services:\n    s: {loadBalancer: {servers: [{url: "http://127.0.0.1:1"}]}}\n')
  t.same(b.errors, [])
  t.equal(b.config?.http.routers.a?.service, 'whoami@docker')
})

// [name, file, text, expected error lines (each a regexp over one formatted problem)]
const bad: Array<[string, string, string, RegExp[], string[]]> = [
  ['YAML syntax', 'r.yml', 'http:\n  routers:\n    a: {rule: "Host(`a`)"\n', [/^r\.yml: YAML syntax error at line \d+, column \d+: /], ['FILE_SYNTAX']],
  ['TOML syntax', 'r.toml', '[http.routers.a]\nrule = Host\n', [/^r\.toml: TOML syntax error at line 2, column \d+: /], ['FILE_SYNTAX']],
  ['duplicate YAML key', 'r.yml', 'http:\n  routers: {}\n  routers: {}\n', [/^r\.yml: YAML syntax error at line 3, column 3: Map keys must be unique/], ['FILE_SYNTAX']],
  ['unknown service', 'r.yml', 'http:\n  routers:\n    a: {rule: "Host(`a`)", service: nope}\n', [/^r\.yml line 3: router "a": service "nope" does not exist$/], ['FILE_UNKNOWN_SERVICE']],
  ['bad rule', 'r.yml', 'http:\n  routers:\n    a: {rule: "Host(`a`", service: s}\n  services:\n    s: {loadBalancer: {servers: []}}\n', [/^r\.yml line 3: router "a": bad rule "Host\(`a`": .* at \d+/], ['FILE_BAD_RULE']],
  ['unknown matcher', 'r.yml', 'http:\n  routers:\n    a: {rule: "Hots(`a`)", service: s}\n  services:\n    s: {loadBalancer: {servers: []}}\n', [/^r\.yml line 3: router "a": bad rule "Hots\(`a`\)": /], ['FILE_BAD_RULE']],
  ['missing rule and service', 'r.yml', 'http:\n  routers:\n    a: {entryPoints: [web]}\n', [/router "a": rule is missing/, /router "a": service is missing/], ['FILE_MISSING', 'FILE_MISSING']],
  ['empty, null and non-text values', 'r.yml', 'http:\n  routers:\n    a: {rule: "", service: [s]}\n    b: {rule: null, service: " "}\n', [/router "a": rule is empty/, /router "a": service must be text, not a list/, /router "b": rule is missing/, /router "b": service is empty/], ['FILE_BAD_VALUE', 'FILE_BAD_VALUE', 'FILE_MISSING', 'FILE_BAD_VALUE']],
  ['empty router', 'r.yml', 'http:\n  routers:\n    a:\n', [/router "a": has no rule and no service/], ['FILE_MISSING']],
  ['entryPoints not a list', 'r.yml', 'http:\n  routers:\n    a: {rule: "Host(`a`)", service: s, entryPoints: web}\n  services:\n    s: {loadBalancer: {servers: []}}\n', [/router "a": entryPoints must be a list of entrypoint names, not string "web"/], ['FILE_BAD_VALUE']],
  ['bad priority', 'r.yml', 'http:\n  routers:\n    a: {rule: "Host(`a`)", service: s, priority: -1}\n  services:\n    s: {loadBalancer: {servers: []}}\n', [/router "a": priority must be a non-negative integer, not number -1/], ['FILE_BAD_VALUE']],
  ['unparsable url', 'r.yml', 'http:\n  services:\n    s: {loadBalancer: {servers: [{url: "127.0.0.1:80"}, {url: "http://"}]}}\n', [/servers\[0\]: url "127\.0\.0\.1:80": scheme 127\.0\.0\.1 is not supported|servers\[0\]: url "127\.0\.0\.1:80" is not a valid URL/, /servers\[1\]: url "http:\/\/" is not a valid URL/], ['FILE_BAD_VALUE', 'FILE_BAD_VALUE']],
  ['url with a path', 'r.yml', 'http:\n  services:\n    s: {loadBalancer: {servers: [{url: "http://127.0.0.1:80/api"}]}}\n', [/a path or query is not supported/], ['FILE_BAD_VALUE']],
  ['missing url', 'r.yml', 'http:\n  services:\n    s: {loadBalancer: {servers: [{weight: 1}]}}\n', [/servers\[0\]: url must be text such as http:\/\/127\.0\.0\.1:8080, not undefined/], ['FILE_BAD_VALUE']],
  ['bad weights', 'r.yml', 'http:\n  services:\n    s: {loadBalancer: {servers: [{url: "http://a:1", weight: -2}, {url: "http://a:2", weight: 1.5}, {url: "http://a:3", weight: heavy}]}}\n',
    [/servers\[0\]: weight must be a non-negative integer, not number -2/, /servers\[1\]: weight must be a non-negative integer, not number 1\.5/, /servers\[2\]: weight must be a non-negative integer, not string "heavy"/], ['FILE_BAD_VALUE', 'FILE_BAD_VALUE', 'FILE_BAD_VALUE']],
  ['bad flushInterval', 'r.yml', 'http:\n  services:\n    s: {loadBalancer: {responseForwarding: {flushInterval: soon}, servers: []}}\n', [/service "s": loadBalancer\.responseForwarding\.flushInterval must be a duration such as 100ms or -1, not string "soon"/], ['FILE_BAD_VALUE']],
  ['bad passHostHeader', 'r.yml', 'http:\n  services:\n    s: {loadBalancer: {passHostHeader: maybe, servers: []}}\n', [/service "s": loadBalancer\.passHostHeader must be true or false, not string "maybe"/], ['FILE_BAD_VALUE']],
  ['servers not a list', 'r.yml', 'http:\n  services:\n    s: {loadBalancer: {servers: {url: "http://a:1"}}}\n', [/service "s": loadBalancer\.servers must be a list, not a mapping/], ['FILE_BAD_VALUE']],
  ['no loadBalancer', 'r.yml', 'http:\n  services:\n    s: {}\n', [/service "s": loadBalancer is missing/], ['FILE_MISSING']],
  ['typo with suggestion', 'r.yml', 'http:\n  routers:\n    a: {rule: "Host(`a`)", servce: s}\n  services:\n    s: {loadBalancer: {servers: []}}\n', [/router "a": unknown key servce; did you mean service\?/, /router "a": service is missing/], ['FILE_UNKNOWN_KEY', 'FILE_MISSING']],
  ['typo in loadBalancer', 'r.yml', 'http:\n  services:\n    s: {loadBalancer: {server: []}}\n', [/service "s": unknown key loadBalancer\.server; did you mean servers\?/], ['FILE_UNKNOWN_KEY']],
  ['top-level typo', 'r.yml', 'htp:\n  routers: {}\n', [/^r\.yml: unknown key htp; did you mean http\?/], ['FILE_UNKNOWN_KEY']],
  ['@ in a name', 'r.yml', 'http:\n  services:\n    s@x: {loadBalancer: {servers: []}}\n', [/service "s@x": the name may not contain "@"/], ['FILE_BAD_VALUE']],
  ['routers is a list', 'r.yml', 'http:\n  routers: [a, b]\n', [/^r\.yml: http\.routers must be a mapping, not a list/], ['FILE_BAD_VALUE']],
  ['alias to no anchor', 'r.yml', '*!', [/^r\.yml: YAML error: Unresolved alias/], ['FILE_SYNTAX']],
  ['alias bomb', 'r.yml', 'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n', [/^r\.yml: YAML error: Excessive alias count/], ['FILE_SYNTAX']],
  ['top level is a list', 'r.yml', '- a\n', [/^r\.yml: the top level must be a mapping, not a list/], ['FILE_BAD_VALUE']],
  ['unknown extension', 'r.json', '{}', [/^r\.json: unknown file type/], ['FILE_SYNTAX']],
]

for (const [name, file, text, want, codes] of bad) {
  t.test(`invalid: ${name}`, async (t) => {
    const b = one(file, text)
    t.equal(b.config, undefined, 'nothing to emit')
    const got = errorsOf(b)
    t.equal(got.length, want.length, `errors: ${JSON.stringify(got)}`)
    want.forEach((re, i) => t.match(got[i], re))
    t.same(b.errors.map((e) => e.code), codes)
  })
}

t.test('fail closed: what pier cannot honour is carried on its router or service, and the rest still loads', async (t) => {
  const b = one('r.yml', `
http:
  middlewares:
    strip: { stripPrefix: { prefixes: [/api] } }
  routers:
    a: { rule: "Host(\`a\`)", service: s, middlewares: [strip, auth@docker], tls: {}, observability: { accessLogs: false } }
    b: { rule: "Host(\`b\`)", service: w, tls: { certResolver: le, domains: [{ main: b.example, sans: [www.b.example] }] } }
    c: { rule: "Host(\`c\`)", service: h, ruleSyntax: v2 }
  services:
    s:
      loadBalancer:
        healthCheck: { path: /health, scheme: https }
        sticky: { cookie: {} }
        servers: [{ url: "http://127.0.0.1:1" }]
    h:
      loadBalancer:
        servers: [{ url: "https://127.0.0.1:443" }]
    w:
      weighted: { services: [{ name: s }] }
tcp:
  routers:
    db: { rule: "HostSNI(\`*\`)", service: pg, entryPoints: [pg] }
udp:
  routers:
    dns: { service: dns }
`)
  t.same(b.errors, [])
  t.ok(b.warnings.every((w) => w.code === 'FILE_UNSUPPORTED'))
  t.same(warningsOf(b).sort(), [
    'r.yml line 6: router "a": observability is not supported by pier and is ignored',
    'r.yml line 10: service "s": loadBalancer.healthCheck.scheme: https health checks are not supported yet; disabled rather than served without it',
    'r.yml line 10: service "s": loadBalancer.sticky: sticky sessions are not supported yet; disabled rather than served without it',
    'r.yml line 15: service "h": loadBalancer.servers[0]: url "https://127.0.0.1:443": https backends are not supported yet; disabled',
    'r.yml line 18: service "w": weighted services are not supported yet (only loadBalancer); disabled',
  ].sort())
  const c = b.config!
  t.same(c.http.routers.a, { rule: 'Host(`a`)', service: 's', middlewares: ['strip', 'auth@docker'], tls: {} })
  t.same(c.http.middlewares, { strip: { type: 'stripPrefix', options: { prefixes: ['/api'] } } })
  t.same(c.http.routers.b!.tls, { certResolver: 'le', domains: [{ main: 'b.example', sans: ['www.b.example'] }] })
  t.same(c.http.routers.c, { rule: 'Host(`c`)', service: 'h' }, 'ruleSyntax v2 is read by the same parser')
  t.same(c.http.services.s!.unsupported, ['loadBalancer.sticky: sticky sessions are not supported yet', 'loadBalancer.healthCheck.scheme: https health checks are not supported yet'])
  t.same(c.http.services.h!.unsupported, ['loadBalancer.servers[0]: url "https://127.0.0.1:443": https backends are not supported yet'])
  t.same(c.http.services.w, { loadBalancer: { servers: [] }, unsupported: ['weighted services are not supported yet (only loadBalancer)'] })
  t.same(c.tcp, { routers: { db: { rule: 'HostSNI(`*`)', service: 'pg', entryPoints: ['pg'] } } })
  t.same(c.udp, { routers: { dns: { service: 'dns' } } })
})

t.test('router tls and middlewares: bad shapes are errors naming the key', async (t) => {
  const bad = one('r.yml', 'http:\n  routers:\n    a: {rule: "Host(`a`)", service: s, middlewares: auth, tls: {certresolver: [x], domains: [{sans: [a]}]}, ruleSyntax: v9}\n  services:\n    s: {loadBalancer: {servers: []}}\n')
  t.same(errorsOf(bad).sort(), [
    'r.yml line 3: router "a": middlewares must be a list of middleware names, not string "auth"',
    'r.yml line 3: router "a": ruleSyntax must be v2 or v3, not string "v9"',
    'r.yml line 3: router "a": tls.certResolver must be text, not a list',
    'r.yml line 3: router "a": tls.domains[0].main must be a domain name',
  ].sort())
  const off = one('r.yml', 'http:\n  routers:\n    a: {rule: "Host(`a`)", service: s, tls: false}\n  services:\n    s: {loadBalancer: {servers: []}}\n')
  t.same(off.config!.http.routers.a, { rule: 'Host(`a`)', service: 's' }, 'tls: false asks for no TLS')
  const toml = one('r.toml', '[http.routers.a]\nrule = "Host(`a`)"\nservice = "s"\n[http.routers.a.tls]\n[http.services.s.loadBalancer]\nservers = []\n')
  t.same(toml.config!.http.routers.a!.tls, {}, 'an empty [tls] table asks for TLS')
})

t.test('several files merge; a name defined twice names both files', async (t) => {
  const a = { file: 'd/a.yml', text: 'http:\n  routers:\n    r1: {rule: "Host(`1`)", service: s2}\n  services:\n    s1: {loadBalancer: {servers: [{url: "http://127.0.0.1:1"}]}}\n' }
  const b = { file: 'd/b.toml', text: '[http.routers.r2]\nrule = "Host(`2`)"\nservice = "s1"\n[http.services.s2.loadBalancer]\nservers = [{ url = "http://127.0.0.1:2" }]\n' }
  const ok = buildFileConfig([a, b])
  t.same(ok.errors, [], 'a router may use a service from another file')
  t.same(Object.keys(ok.config!.http.routers).sort(), ['r1', 'r2'])
  t.same(Object.keys(ok.config!.http.services).sort(), ['s1', 's2'])

  const dup = { file: 'd/c.yml', text: 'http:\n  services:\n    s1: {loadBalancer: {servers: []}}\n  routers:\n    r2: {rule: "Host(`x`)", service: s1}\n' }
  const bad = buildFileConfig([a, b, dup])
  t.equal(bad.config, undefined)
  t.same(errorsOf(bad), ['d/c.yml line 5: router "r2": is also defined in d/b.toml', 'd/c.yml line 3: service "s1": is also defined in d/a.yml'])
  t.same(bad.errors.map((e) => e.code), ['FILE_DUPLICATE', 'FILE_DUPLICATE'])
})

t.test('one bad file refuses the whole set', async (t) => {
  const good = { file: 'a.yml', text: 'http:\n  services:\n    s: {loadBalancer: {servers: []}}\n' }
  const broken = { file: 'b.yml', text: 'http: [\n' }
  const b = buildFileConfig([good, broken])
  t.equal(b.config, undefined)
  t.match(errorsOf(b)[0], /^b\.yml: YAML syntax error/)
})

t.test('problems in TOML files carry no line; in YAML the line of the router or service, case-insensitive sections', async (t) => {
  const toml = one('r.toml', '[http.routers.a]\nrule = "Host(`a`)"\nservice = "nope"\n')
  t.same(errorsOf(toml), ['r.toml: router "a": service "nope" does not exist'])
  const yaml = one('r.yml', 'HTTP:\n  Services:\n    ok: {loadBalancer: {servers: []}}\n\n    bad: {loadBalancer: {servers: [{url: x}]}}\n')
  t.equal(yaml.errors[0]?.line, 5)
})

t.test('a router whose service was refused is not also called missing', async (t) => {
  const b = one('r.yml', 'http:\n  routers:\n    a: {rule: "Host(`a`)", service: s}\n  services:\n    s: {loadBalancer: {servers: [{url: "ftp://x"}]}}\n')
  t.equal(b.errors.length, 1)
  t.match(errorsOf(b)[0], /service "s": .*scheme ftp is not supported/)
})

t.test('YAML anchors and merge keys work', async (t) => {
  const b = one('r.yml', `
http:
  routers:
    a: { rule: "Host(\`a\`)", service: s1 }
  services:
    s1:
      loadBalancer: &lb
        passHostHeader: false
        servers: [{ url: "http://127.0.0.1:1" }]
    s2:
      loadBalancer:
        <<: *lb
        servers: [{ url: "http://127.0.0.1:2" }]
`)
  t.same(b.errors, [])
  t.same(b.config?.http.services.s2, { loadBalancer: { passHostHeader: false, servers: [{ url: 'http://127.0.0.1:2' }] } })
})
