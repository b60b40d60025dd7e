// The primary imports a middleware kind only when a configuration names it
// (kind-modules.ts): a configuration waiting for its kinds goes in force once
// they are imported, a newer one replaces it while it waits, and one naming
// only imported kinds is compiled at once. Its own file: a fresh process, no
// kind imported yet.
import t from 'tap'
import { parseStaticConfig } from '../../src/config/parse.js'
import { createLogger } from '../../src/log.js'
import { loadedKind } from '../../src/middlewares/kind-modules.js'
import { Aggregator } from '../../src/primary/aggregator.js'
import { Publisher } from '../../src/primary/publisher.js'
import { RuntimeState } from '../../src/primary/state.js'
import { buildFileConfig } from '../../src/providers/file/build.js'
import { RouteTable } from '../../src/table/reader.js'

const log = createLogger({ level: 'ERROR', format: 'common' })

const file = (router: string, middleware: string): string => `
http:
  routers:
    ${router}: { rule: "Host(\`${router}.test\`)", service: s, middlewares: [m] }
  middlewares:
    m: ${middleware}
  services:
    s: { loadBalancer: { servers: [{ url: "http://127.0.0.1:1" }] } }
`

t.test('a configuration naming a kind not imported yet waits for it; a newer one replaces it', async (t) => {
  const state = new RuntimeState(parseStaticConfig(['--entrypoints.web.address=:80'], {}))
  const tables: RouteTable[] = []
  const publisher = new Publisher(state, ['web'], log, (ref) => tables.push(new RouteTable(ref.buffer)))
  const aggregator = new Aggregator({ throttleMs: 0, onConfig: (merged, _info, annotations) => publisher.apply(merged, annotations) })
  t.teardown(() => aggregator.close())
  const update = (text: string): void => {
    const built = buildFileConfig([{ file: 'dyn.yml', text }])
    t.same(built.errors, [], 'the file loads')
    aggregator.update('file', built.config!)
  }

  t.equal(loadedKind('addPrefix'), undefined, 'no kind imported before a configuration names one')
  update(file('a', '{ addPrefix: { prefix: /x } }'))
  t.same(tables, [], 'not compiled before its kind is imported')
  update(file('b', '{ headers: { customRequestHeaders: { x-a: "1" } } }'))
  await publisher.settled()
  t.equal(tables.length, 1, 'one table: the waiting configuration was replaced')
  t.same(tables[0]!.routerNames, ['b@file'], 'the newest configuration')
  t.ok(loadedKind('headers'), 'its kind is imported')
  t.equal(state.routers['b@file']!.status, 'enabled')
  t.equal(state.routers['a@file'], undefined, 'the replaced one never went in force')

  update(file('c', '{ headers: { customRequestHeaders: { x-a: "2" } } }'))
  t.equal(tables.length, 2, 'kinds already imported: compiled at once')
  t.same(tables[1]!.routerNames, ['c@file'])

  update(file('d', '{ replacePathRegex: { regex: "^/(a", replacement: /b } }'))
  await publisher.settled()
  t.match(state.routers['d@file'], { status: 'disabled', errors: [/regex "\^\/\(a" is not a valid regular expression/] }, 'compile errors still disable the router, in the primary')
})
