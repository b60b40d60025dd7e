// Property-based fuzzing (fast-check) of middleware definitions: whatever
// labels or file options a container or file carries, reading, merging and
// compiling them never throws, every router comes out served or disabled
// with a reason, and every worker can build the middlewares the table holds.
// FUZZ_RUNS sets the budget per property (small in `make test`).
import t from 'tap'
import fc from 'fast-check'
import { randomBytes } from 'node:crypto'
import { buildConfig } from '../../src/providers/docker/builder.js'
import { buildFileConfig } from '../../src/providers/file/build.js'
import { mergeConfigs } from '../../src/primary/merge.js'
import { compileTable } from '../../src/table/compile.js'
import { RouteTable } from '../../src/table/reader.js'
import { MiddlewareSet } from '../../src/middlewares/chains.js'
import { LOADABLE_TYPES, loadKinds } from '../../src/middlewares/kind-modules.js'
import { SharedState, sharedInput } from '../../src/middlewares/shared-state.js'
import { UpstreamPool } from '../../src/upstream/pool.js'
import { KINDS } from '../../src/middlewares/kinds.js'
import { describeFields } from '../../src/middlewares/schema.js'
import { buildOptions, ctr } from '../helpers/containers.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 300)
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)
const run = (p: fc.IProperty<unknown[]> | fc.IPropertyWithHooks<unknown[]>) => fc.assert(p, { numRuns: RUNS, seed: SEED })

const types = [...KINDS.map((k) => k.schema.type), 'plugin', 'nosuchtype']
const optionPaths = KINDS.flatMap((k) => describeFields(k.schema.fields).map((f) => `${k.schema.type}.${f.name}`))
const nasty = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '5', '.', ',', ':', '$', '(', ')', '[', ']', '/', '*', ' ', '-', '@', '{', '}', '|', '^', '\\', '\u00e9'), maxLength: 30 })
const value = fc.oneof(nasty, fc.constantFrom('true', 'false', '0', '-1', '100', '10s', '500-599', '127.0.0.1/32', 'user:$apr1$gNMBMiJO$LbvLkhSPKodQzgp/hYSgH1', '^/(.*)', 'https', 'X-Foo:bar||X-Baz:'))
const name = fc.constantFrom('a', 'b', 'c')
const label = fc.oneof(
  fc.tuple(name, fc.constantFrom(...optionPaths), value).map(([n, p, v]) => [`traefik.http.middlewares.${n}.${p}`, v] as const),
  fc.tuple(name, fc.constantFrom(...types), nasty, value).map(([n, ty, o, v]) => [`traefik.http.middlewares.${n}.${ty}.${o}`, v] as const),
  fc.tuple(fc.constantFrom('auth.basic.users', 'redirect.regex', 'redirect.replacement', 'headers.customRequestHeaders', 'whiteList.sourceRange', 'rateLimit.rateSet.x.average', 'errors.e.status', 'errors.e.backend'), value).map(([k, v]) => [`traefik.frontend.${k}`, v] as const),
)

// Workers import kinds before they bind a table; the properties below are synchronous, so every kind is imported first.
t.before(() => loadKinds(LOADABLE_TYPES))

function served(config: ReturnType<typeof mergeConfigs>['config']): void {
  const { buffer, report } = compileTable(config, ['web'], 1, undefined, { readFile: () => 'alice:{SHA}5cicUp3MubQnFvTZEY1hB5yIPZ4=\n' })
  const table = new RouteTable(buffer)
  for (const r of Object.keys(config.http.routers)) {
    if (table.routerIndex(r) < 0 && !(report.routerErrors[r]?.length)) throw new Error(`router ${r} is neither served nor disabled with a reason`)
  }
  // Every worker must be able to build what the table holds.
  new MiddlewareSet({ shared: new SharedState(sharedInput(new Uint8Array(randomBytes(32)))), dialTimeoutMs: 1000, headersTimeoutMs: 0, pool: (o) => new UpstreamPool(o) }).bind(table)
}

t.test('middleware labels: never a throw; routers served or disabled with a reason', async () => {
  run(
    fc.property(fc.array(label, { maxLength: 8 }), fc.array(name, { maxLength: 3 }), fc.boolean(), (labels, uses, v1) => {
      const l: Record<string, string> = Object.fromEntries(labels)
      if (v1) l['traefik.frontend.rule'] = 'Host:r.test'
      else {
        l['traefik.http.routers.r.rule'] = 'Host(`r.test`)'
        l['traefik.http.routers.r.middlewares'] = uses.join(',')
      }
      const built = buildConfig([ctr('r', { labels: l })], buildOptions({ v1 }))
      served(mergeConfigs(new Map([['docker', built.config]])).config)
    }),
  )
})

t.test('middleware file options: a file is loaded or refused, never a throw', async () => {
  const opt = fc.tuple(fc.constantFrom(...optionPaths), fc.oneof(value, fc.integer(), fc.boolean(), fc.array(value, { maxLength: 3 }), fc.dictionary(fc.constantFrom('X-A', 'x-b'), value)))
  run(
    fc.property(fc.array(fc.tuple(name, opt), { maxLength: 6 }), fc.array(name, { maxLength: 3 }), (defs, uses) => {
      const middlewares: Record<string, Record<string, Record<string, unknown>>> = {}
      for (const [n, [path, v]] of defs) {
        const [type, ...rest] = path.split('.')
        const target = ((middlewares[n] ??= {})[type!] ??= {}) as Record<string, unknown>
        target[rest.join('.')] = v
      }
      const text = JSON.stringify({ http: { routers: { r: { rule: 'Host(`r.test`)', service: 's', middlewares: uses } }, services: { s: { loadBalancer: { servers: [{ url: 'http://127.0.0.1:1' }] } } }, middlewares } })
      const built = buildFileConfig([{ file: 'f.yml', text }])
      if (built.config) served(mergeConfigs(new Map([['file', built.config]])).config)
      else if (built.errors.length === 0) throw new Error('refused without an error')
    }),
  )
})
