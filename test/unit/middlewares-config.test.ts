// Middleware definitions from files and labels, read against the kinds'
// schemas, and compiled into the route table: chains flattened, loops
// refused naming them, name@provider references, entrypoint middlewares.
import t from 'tap'
import { readDefinition, qualifyDefinition } from '../../src/middlewares/definition.js'
import { putLabel, type LabelTree } from '../../src/middlewares/schema.js'
import { KINDS, kindOf } from '../../src/middlewares/kinds.js'
import type { RetryPolicy } from '../../src/middlewares/retry.js'
import { compileTable } from '../../src/table/compile.js'
import { RouteTable } from '../../src/table/reader.js'
import { MiddlewarePlanner, canonicalJson } from '../../src/table/middlewares.js'
import { buildFileConfig } from '../../src/providers/file/build.js'
import { buildConfig } from '../../src/providers/docker/builder.js'
import { mergeConfigs } from '../../src/primary/merge.js'
import type { DynamicConfig, Middleware } from '../../src/config/dynamic.js'
import { buildOptions, ctr } from '../helpers/containers.js'
import { LOADABLE_TYPES, loadKinds } from '../../src/middlewares/kind-modules.js'

// The table compiler reads the kinds this thread has imported: the primary imports those a configuration names before it compiles it (publisher.ts).
await loadKinds(LOADABLE_TYPES)

function labels(pairs: Record<string, string>): LabelTree {
  const tree: LabelTree = {}
  for (const [k, v] of Object.entries(pairs)) t.equal(putLabel(tree, k.split('.'), v), undefined, `label ${k} fits`)
  return tree
}

t.test('every kind documents every option in one line', async (t) => {
  for (const k of KINDS) {
    t.ok(k.schema.doc.length > 10 && !k.schema.doc.includes('\n'), `${k.schema.type} has a one-line doc`)
    const walk = (fields: typeof k.schema.fields, at: string): void => {
      for (const f of fields) {
        t.ok(f.doc.length > 5 && !f.doc.includes('\n'), `${at}${f.name} has a one-line doc`)
        if (f.fields) walk(f.fields, `${at}${f.name}.`)
      }
    }
    walk(k.schema.fields, `${k.schema.type}.`)
  }
})

// [what, source, body, options or errors]
const reads: [string, 'file' | 'labels', Record<string, unknown>, { options?: Record<string, unknown>; type?: string; errors?: RegExp[]; unsupported?: RegExp }][] = [
  ['a file list', 'file', { stripPrefix: { prefixes: ['/a', '/b'] } }, { type: 'stripPrefix', options: { prefixes: ['/a', '/b'] } }],
  ['keys in any case', 'file', { STRIPPREFIX: { Prefixes: ['/a'], forceslash: true } }, { type: 'stripPrefix', options: { prefixes: ['/a'], forceSlash: true } }],
  ['a label list, comma-separated', 'labels', labels({ 'stripprefix.prefixes': '/a, /b' }), { options: { prefixes: ['/a', '/b'] } }],
  ['label booleans and integers are text', 'labels', labels({ 'redirectscheme.permanent': 'TRUE', 'redirectscheme.scheme': 'https', 'redirectscheme.port': '443' }), { options: { permanent: true, scheme: 'https', port: '443' } }],
  ['a label map keeps the header name as written', 'labels', labels({ 'headers.customrequestheaders.X-Script-Name': 'x', 'headers.customRequestHeaders.X-Other': '' }), { options: { customRequestHeaders: { 'X-Script-Name': 'x', 'X-Other': '' } } }],
  ['indexed label lists', 'labels', labels({ 'chain.middlewares[1]': 'b', 'chain.middlewares[0]': 'a' }), { options: { middlewares: ['a', 'b'] } }],
  ['file integers from text', 'file', { headers: { stsSeconds: '63072000' } }, { options: { stsSeconds: 63072000 } }],
  ['a file list given as one item', 'file', { stripPrefix: { prefixes: '/a' } }, { options: { prefixes: ['/a'] } }],
  ['an unknown option, with the nearest', 'file', { stripPrefix: { prefix: ['/a'] } }, { errors: [/^unknown option prefix; did you mean prefixes\?$/] }],
  ['a wrong type', 'file', { redirectScheme: { scheme: 'https', permanent: 'sometimes' } }, { errors: [/^permanent must be true or false, not string "sometimes"$/] }],
  ['a mapping where a list goes', 'file', { stripPrefix: { prefixes: { a: 1 } } }, { errors: [/^prefixes must be a list of text/] }],
  ['two types', 'file', { stripPrefix: { prefixes: ['/a'] }, addPrefix: { prefix: '/b' } }, { errors: [/several middleware types \(stripPrefix, addPrefix\)/] }],
  ['no type', 'file', {}, { errors: [/defines no middleware type/] }],
  ['a typo of a type', 'file', { stripPrefx: { prefixes: ['/a'] } }, { errors: [/unknown middleware type stripPrefx; did you mean stripPrefix\?/] }],
  ['a Traefik type pier lacks', 'file', { plugin: { foo: {} } }, { type: 'plugin', unsupported: /plugins are not supported/ }],
  ['options missing entirely', 'labels', labels({ stripprefix: 'true' }), { errors: [/stripPrefix needs options/] }],
  ['retry from labels', 'labels', labels({ 'retry.attempts': '4', 'retry.initialinterval': '100ms', 'retry.status': '400,500-599', 'retry.retrynonidempotentmethod': 'true' }), { type: 'retry', options: { attempts: 4, initialInterval: 100, status: ['400', '500-599'], retryNonIdempotentMethod: true } }],
]

for (const [what, source, body, want] of reads) {
  t.test(`read: ${what}`, async (t) => {
    const r = readDefinition(body, source)
    if (want.errors) {
      t.equal(r.errors.length, want.errors.length, r.errors.join('; '))
      want.errors.forEach((re, i) => t.match(r.errors[i], re))
      return
    }
    t.same(r.errors, [])
    if (want.type) t.equal(r.def!.type, want.type)
    if (want.options) t.same(r.def!.options, want.options)
    if (want.unsupported) t.match(r.def!.unsupported!.join(), want.unsupported)
  })
}

t.test('a label that is both a value and a section is refused', async (t) => {
  const tree: LabelTree = {}
  t.equal(putLabel(tree, ['headers', 'customrequestheaders'], 'x'), undefined)
  t.match(putLabel(tree, ['headers', 'customRequestHeaders', 'X-A'], 'y'), /both a value and a section/)
})

t.test('references are qualified in their provider unless they name one', async (t) => {
  const def: Middleware = { type: 'chain', options: { middlewares: ['a', 'b@file'] } }
  t.same(qualifyDefinition(def, (n) => (n.includes('@') ? n : `${n}@docker`)).options, { middlewares: ['a@docker', 'b@file'] })
})

const defs = (o: Record<string, Middleware>): Record<string, Middleware> => o
const strip = (p: string): Middleware => ({ type: 'stripPrefix', options: { prefixes: [p] } })

t.test('planner: chains flatten, loops and missing members are named', async (t) => {
  const p = new MiddlewarePlanner(
    defs({
      'a@file': strip('/a'),
      'b@file': strip('/b'),
      'ab@file': { type: 'chain', options: { middlewares: ['a@file', 'b@file'] } },
      'abab@file': { type: 'chain', options: { middlewares: ['ab@file', 'ab@file', 'a@file'] } },
      'x@file': { type: 'chain', options: { middlewares: ['y@file'] } },
      'y@file': { type: 'chain', options: { middlewares: ['z@file'] } },
      'z@file': { type: 'chain', options: { middlewares: ['x@file'] } },
      'self@file': { type: 'chain', options: { middlewares: ['self@file'] } },
      'holey@file': { type: 'chain', options: { middlewares: ['a@file', 'gone@docker'] } },
      'bad@file': { type: 'replacePathRegex', options: { regex: '(', replacement: '/' } },
      'off@file': { type: 'plugin', options: {}, unsupported: ['plugins are not supported'] },
    }),
    () => true,
  )
  t.same(p.chain(['abab@file']), [0, 1, 0, 1, 0], 'members in order, repeats kept')
  t.same(p.list.map((m) => m.name), ['a@file', 'b@file'], 'each compiled once')
  t.equal(p.chain(['x@file']), 'middleware "x@file": chain loop x@file -> y@file -> z@file -> x@file')
  t.equal(p.chain(['self@file']), 'middleware "self@file": chain loop self@file -> self@file')
  t.equal(p.chain(['holey@file']), 'middleware "gone@docker" does not exist (in chain "holey@file")')
  t.match(p.chain(['a@file', 'bad@file']), /^middleware "bad@file": regex "\(" is not a valid regular expression/)
  t.equal(p.chain(['off@file']), 'middleware "off@file": plugins are not supported')
  t.same(p.errors['holey@file'], ['middleware "gone@docker" does not exist (in chain "holey@file")'])
  t.match(p.errors['x@file'], [/^chain loop x@file -> y@file -> z@file -> x@file$/])
})

t.test('canonical JSON sorts keys at every level', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null }, u: undefined }), '{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}')
})

function config(mw: Record<string, Middleware>, routers: Record<string, { middlewares?: string[]; entryPoints?: string[] }>): DynamicConfig {
  const r: DynamicConfig['http']['routers'] = {}
  for (const [name, x] of Object.entries(routers)) r[name] = { rule: `Host(\`${name}\`)`, service: 's@file', ...x }
  return { http: { routers: r, services: { 's@file': { loadBalancer: { servers: [{ url: 'http://127.0.0.1:1' }] } } }, middlewares: mw } }
}

t.test('table: a router without middlewares has chain phases 0; one with them has its chain', async (t) => {
  const { buffer, report } = compileTable(
    config({ 'a@file': strip('/a'), 'h@file': { type: 'headers', options: { customResponseHeaders: { X: 'y' } } } }, { 'plain@file': {}, 'mw@file': { middlewares: ['a@file', 'h@file'] } }),
    ['web', 'admin'],
    1,
  )
  t.same(report.routerErrors, {})
  const table = new RouteTable(buffer)
  const plain = table.routerIndex('plain@file')
  const mw = table.routerIndex('mw@file')
  t.equal(table.chainPhases(plain, 0), 0)
  t.equal(table.chainPhases(plain, 1), 0)
  t.equal(table.chainPhases(mw, 0), 3, 'request and response phases')
  t.same(table.chain(mw, 1).map((m) => table.middlewareNames[m]), ['a@file', 'h@file'])
  t.same(table.middlewareTypes, ['stripPrefix', 'headers'])
  t.same(JSON.parse(table.middlewareOptions[0]!), { forceSlash: false, prefixes: ['/a'] }, 'compiled options travel as JSON')
})

t.test('table: entrypoint middlewares run first, in the router provider unless named', async (t) => {
  const { buffer, report } = compileTable(
    config({ 'a@file': strip('/a'), 'a@docker': strip('/docker'), 'h@file': { type: 'headers', options: { customResponseHeaders: { X: 'y' } } } }, {
      'r@file': { middlewares: ['h@file'] },
      'd@docker': {},
      'only-admin@file': { entryPoints: ['admin'] },
    }),
    ['web', 'admin'],
    1,
    undefined,
    { entryPointMiddlewares: { web: ['a'] } },
  )
  t.same(report.routerErrors, {})
  const table = new RouteTable(buffer)
  const names = (r: string, ep: number) => table.chain(table.routerIndex(r), ep).map((m) => table.middlewareNames[m])
  t.same(names('r@file', 0), ['a@file', 'h@file'])
  t.same(names('r@file', 1), ['h@file'], 'not on the other entrypoint')
  t.same(names('d@docker', 0), ['a@docker'], 'a bare name is looked up in the router provider')
  t.equal(table.chainPhases(table.routerIndex('only-admin@file'), 1), 0)
})

t.test('table: a router whose entrypoint middleware is missing is not served there, and says so', async (t) => {
  const { buffer, report } = compileTable(config({}, { 'r@file': {} }), ['web', 'admin'], 1, undefined, { entryPointMiddlewares: { web: ['gone@file'] } })
  t.same(report.routerErrors['r@file'], ['middleware "gone@file" does not exist (entrypoint web)'])
  const table = new RouteTable(buffer)
  const r = table.routerIndex('r@file')
  t.ok(r >= 0, 'still served on admin')
  t.equal(table.match({ host: 'r@file', path: '/', query: '', method: 'GET', header: () => '', clientIP: () => '' } as never, 0), -1, 'not on web')
  t.equal(table.match({ host: 'r@file', path: '/', query: '', method: 'GET', header: () => '', clientIP: () => '' } as never, 1), r)
})

t.test('files: definitions validated with the file and line named; a typo refuses the file', async (t) => {
  const ok = buildFileConfig([{ file: 'a.yml', text: 'http:\n  middlewares:\n    s:\n      stripPrefix:\n        prefixes: [/a]\n' }])
  t.same(ok.errors, [])
  t.same(ok.config!.http.middlewares, { s: { type: 'stripPrefix', options: { prefixes: ['/a'] } } })
  const bad = buildFileConfig([{ file: 'a.yml', text: 'http:\n  middlewares:\n    s:\n      stripPrefix:\n        prefix: [/a]\n' }])
  t.match(bad.errors, [{ file: 'a.yml', line: 3, middleware: 's', code: 'FILE_UNKNOWN_KEY', message: 'unknown option prefix; did you mean prefixes?' }])
  const dup = buildFileConfig([
    { file: 'a.yml', text: 'http:\n  middlewares:\n    s: { addPrefix: { prefix: /a } }\n' },
    { file: 'b.yml', text: 'http:\n  middlewares:\n    s: { addPrefix: { prefix: /b } }\n' },
  ])
  t.match(dup.errors, [{ file: 'b.yml', middleware: 's', code: 'FILE_DUPLICATE', message: 'is also defined in a.yml' }])
  const lacking = buildFileConfig([{ file: 'a.yml', text: 'http:\n  middlewares:\n    p:\n      plugin: { x: {} }\n' }])
  t.same(lacking.errors, [], 'a Traefik type pier lacks loads')
  t.match(lacking.warnings, [{ middleware: 'p', code: 'FILE_UNSUPPORTED', message: /plugins are not supported: the routers that use it are disabled/ }])
})

t.test('labels: definitions from containers, conflicts dropped, problems kept as reasons', async (t) => {
  const built = buildConfig(
    [
      ctr('a', { labels: { 'traefik.http.middlewares.strip.stripprefix.prefixes': '/a', 'traefik.http.middlewares.same.addprefix.prefix': '/x', 'traefik.http.middlewares.Bad.stripprefix.prefix': '/a' } }),
      ctr('b', { labels: { 'traefik.http.middlewares.strip.stripprefix.prefixes': '/b', 'traefik.http.middlewares.same.addPrefix.Prefix': '/x' } }),
    ],
    buildOptions(),
  )
  t.same(built.config.http.middlewares!.same, { type: 'addPrefix', options: { prefix: '/x' } }, 'equal definitions merge')
  t.notOk('strip' in built.config.http.middlewares!, 'different definitions are dropped')
  t.match(built.warnings, [{ code: 'DOCKER_CONFLICT', message: /middleware "strip" is defined differently by containers a, b/ }])
  t.match(built.config.http.middlewares!.Bad, { type: 'stripPrefix', unsupported: ['label traefik.http.middlewares.Bad.stripprefix: unknown option prefix; did you mean prefixes?'] })
  const merged = mergeConfigs(new Map([['docker', built.config]])).config
  t.ok('same@docker' in merged.http.middlewares!)
})

t.test("Authelia's and Authentik's documented labels read as written", async (t) => {
  const built = buildConfig(
    [
      ctr('app', {
        labels: {
          // Authelia (Traefik integration guide)
          'traefik.http.routers.app.middlewares': 'authelia@docker',
          'traefik.http.middlewares.authelia.forwardAuth.address': 'http://authelia:9091/api/authz/forward-auth',
          'traefik.http.middlewares.authelia.forwardAuth.trustForwardHeader': 'true',
          'traefik.http.middlewares.authelia.forwardAuth.authResponseHeaders': 'Remote-User,Remote-Groups,Remote-Email,Remote-Name',
          // Authentik (proxy provider, Traefik)
          'traefik.http.middlewares.authentik.forwardauth.address': 'http://outpost.company:9000/outpost.goauthentik.io/auth/traefik',
          'traefik.http.middlewares.authentik.forwardauth.trustForwardHeader': 'true',
          'traefik.http.middlewares.authentik.forwardauth.authResponseHeaders':
            'X-authentik-username,X-authentik-groups,X-authentik-entitlements,X-authentik-email,X-authentik-name,X-authentik-uid,X-authentik-jwt,X-authentik-meta-jwks,X-authentik-meta-outpost,X-authentik-meta-provider,X-authentik-meta-app,X-authentik-meta-version',
        },
      }),
    ],
    buildOptions(),
  )
  t.same(built.warnings, [])
  const mw = built.config.http.middlewares!
  t.same(mw.authelia, { type: 'forwardAuth', options: { address: 'http://authelia:9091/api/authz/forward-auth', trustForwardHeader: true, authResponseHeaders: ['Remote-User', 'Remote-Groups', 'Remote-Email', 'Remote-Name'] } })
  t.equal((mw.authentik!.options.authResponseHeaders as string[]).length, 12)
  const merged = mergeConfigs(new Map([['docker', built.config]])).config
  const { report } = compileTable(merged, ['web'], 1)
  t.same(report.routerErrors, {}, 'the router using it is served')
  t.same(report.middlewareErrors, {})
})

t.test('v1 frontend labels become middlewares, in v1 order, and the router uses them', async (t) => {
  const built = buildConfig(
    [
      ctr('app', {
        labels: {
          'traefik.backend': 'app',
          'traefik.frontend.rule': 'Host:app.test;PathPrefixStrip:/app',
          'traefik.frontend.auth.basic.users': 'bob:$apr1$gNMBMiJO$LbvLkhSPKodQzgp/hYSgH1,alice:$2y$05$8UUQXdINh/YwSUJu0N4TUuzSCDu1qcG5LIwAJJvTckD0GTmROuVXK',
          'traefik.frontend.auth.basic.removeHeader': 'true',
          'traefik.frontend.auth.headerField': 'X-WebAuth-User',
          'traefik.frontend.redirect.regex': '^http://app.test/(.*)',
          'traefik.frontend.redirect.replacement': 'https://app.test/$1',
          'traefik.frontend.redirect.permanent': 'true',
          'traefik.frontend.headers.customRequestHeaders': 'X-Script-Name:app||X-Empty:',
          'traefik.frontend.headers.SSLProxyHeaders': 'X-Forwarded-Proto:https',
          'traefik.frontend.headers.STSSeconds': '315360000',
          'traefik.frontend.headers.frameDeny': 'true',
          'traefik.frontend.whiteList.sourceRange': '10.0.0.0/8, 127.0.0.1/32',
          'traefik.frontend.rateLimit.extractorFunc': 'request.header.X-Api-Key',
          'traefik.frontend.rateLimit.rateSet.slow.period': '10s',
          'traefik.frontend.rateLimit.rateSet.slow.average': '50',
          'traefik.frontend.rateLimit.rateSet.slow.burst': '100',
          'traefik.frontend.errors.oops.status': '500-599',
          'traefik.frontend.errors.oops.backend': 'Error_Pages',
          'traefik.frontend.errors.oops.query': '/{status}.html',
          'traefik.backend.maxconn.amount': '10',
          'traefik.backend.maxconn.extractorfunc': 'client.ip',
          'traefik.backend.circuitbreaker.expression': 'NetworkErrorRatio() > 0.5',
          'traefik.backend.buffering.maxRequestBodyBytes': '1048576',
        },
      }),
    ],
    buildOptions({ v1: true }),
  )
  t.same(built.warnings, [])
  const router = built.config.http.routers.app!
  // the rule's path strip runs next to the backend, as in 1.7 (a redirect.regex sees the path as sent)
  t.same(router.middlewares, ['app-errors-oops', 'app-allowlist', 'app-redirect', 'app-headers', 'app-auth', 'app-ratelimit-slow', 'app-strip', 'app-maxconn', 'app-breaker', 'app-buffering'])
  t.same(built.config.http.middlewares!['app-maxconn']!.options, { amount: 10, sourceCriterion: { ipStrategy: {} } }, 'v1 backend options become middlewares on its router')
  t.same(built.config.http.middlewares!['app-breaker']!.options, { expression: 'NetworkErrorRatio() > 0.5' })
  t.same(built.config.http.middlewares!['app-buffering']!.options, { maxRequestBodyBytes: 1048576 })
  t.notOk(router.unsupported)
  const mw = built.config.http.middlewares!
  t.same(mw['app-strip'], { type: 'stripPrefix', options: { prefixes: ['/app'] } })
  t.same(mw['app-auth']!.options, { users: ['bob:$apr1$gNMBMiJO$LbvLkhSPKodQzgp/hYSgH1', 'alice:$2y$05$8UUQXdINh/YwSUJu0N4TUuzSCDu1qcG5LIwAJJvTckD0GTmROuVXK'], removeHeader: true, headerField: 'X-WebAuth-User' })
  t.same(mw['app-redirect'], { type: 'redirectRegex', options: { regex: '^http://app.test/(.*)', replacement: 'https://app.test/$1', permanent: true } })
  t.same(mw['app-headers']!.options, { customRequestHeaders: { 'X-Script-Name': 'app', 'X-Empty': '' }, sslProxyHeaders: { 'X-Forwarded-Proto': 'https' }, stsSeconds: 315360000, frameDeny: true })
  t.same(mw['app-allowlist'], { type: 'ipWhiteList', options: { sourceRange: ['10.0.0.0/8', '127.0.0.1/32'] } })
  t.same(mw['app-ratelimit-slow']!.options, { period: 10000, average: 50, burst: 100, sourceCriterion: { requestHeaderName: 'X-Api-Key' } })
  t.same(mw['app-errors-oops']!.options, { status: ['500-599'], service: 'Error-Pages', query: '/{status}.html' })
  const merged = mergeConfigs(new Map([['docker', built.config]])).config
  const { report } = compileTable(merged, ['web'], 1)
  t.same(report.routerErrors, { 'app@docker': ['middleware "app-errors-oops@docker": service "Error-Pages@docker" does not exist'] }, 'the error page backend must exist, as in v1')
})

t.test('--entryPoints.<name>.http.middlewares: a list, on an entrypoint that has an address', async (t) => {
  const { parseStaticConfig } = await import('../../src/config/parse.js')
  const c = parseStaticConfig(['--entrypoints.web.address=:80', '--entryPoints.Web.http.middlewares=secure@file, strip'], {})
  t.same(c.entryPoints.web!.middlewares, ['secure@file', 'strip'])
  t.throws(() => parseStaticConfig(['--entrypoints.other.http.middlewares=a@file'], {}), /--entrypoints\.other\.http\.middlewares: the entrypoint has no address/)
})

t.test('retry: compile checks, and the backoff grows to twice initialInterval', async (t) => {
  const retry = kindOf('retry')!
  const ctx = { provider: 'file', hasService: () => true, readFile: () => '' }
  t.throws(() => retry.compile({}, ctx), /incorrect \(or empty\) value for attempts \(0\)/)
  t.throws(() => retry.compile({ attempts: 2, disableRetryOnNetworkError: true }, ctx), /needs status codes, or retry on network errors/)
  t.throws(() => retry.compile({ attempts: 2, status: ['5xx'] }, ctx), /status: "5xx" is not a status/)
  const policy = retry.create(retry.compile({ attempts: 5, initialInterval: 100, status: ['503'] }, ctx), {} as never, 'r@file', 0) as unknown as RetryPolicy
  const waits = [1, 2, 3, 4].map((n) => policy.wait(n))
  t.ok(waits[0]! >= 50 && waits[0]! <= 150, `first wait around 100 ms (${waits[0]})`)
  t.ok(waits[3]! >= 0.5 * 100 * 2 ** (3 / 4) && waits[3]! <= 1.5 * 100 * 2 ** (3 / 4), `the fourth near 100 * 2^(3/4) (${waits[3]})`)
  t.equal(policy.keepBody, 2 * 1024 * 1024, 'status retries keep up to 2 MiB of body by default')
  t.ok(policy.afterStatus(1, performance.now(), 503, true))
  t.notOk(policy.afterStatus(1, performance.now(), 503, false), 'not a POST without retryNonIdempotentMethod')
  t.notOk(policy.afterStatus(5, performance.now(), 503, true), 'not after the last attempt')
  t.ok(policy.afterError(1, performance.now(), 'unsent'))
  t.notOk(policy.afterError(1, performance.now(), 'unanswered'), 'a network error is retried only when nothing was written')
})
