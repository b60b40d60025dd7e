// The README's middleware table and `pier --help` come from the schemas: a
// new option appears in both, or this test says which is stale.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { middlewareTable, middlewareUsage } from '../../src/middlewares/docs.js'
import { KINDS } from '../../src/middlewares/kinds.js'
import { describeFields } from '../../src/middlewares/schema.js'
import { execFileSync } from 'node:child_process'

t.test('the README table is the schemas (node scripts/readme-middlewares.mjs rewrites it)', async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  t.ok(readme.includes(`<!-- middlewares:begin (scripts/readme-middlewares.mjs) -->\n${middlewareTable()}\n<!-- middlewares:end -->`))
})

t.test('--help lists every kind and option with its default', async (t) => {
  const u = middlewareUsage().join('\n')
  const help = execFileSync(process.execPath, [new URL('../../dist/cli.js', import.meta.url).pathname, '--help'], { encoding: 'utf8' })
  t.ok(help.includes(u), 'pier --help prints them after the flags')
  for (const k of KINDS) {
    t.match(u, `  ${k.schema.type}: ${k.schema.doc}`)
    for (const f of describeFields(k.schema.fields)) t.ok(u.includes(`      ${f.name} (${f.type}`), `${k.schema.type}.${f.name}`)
  }
  t.match(u, /rateLimit: limits requests per source[^\n]*\n {6}average \(int, default 0\)/)
})
