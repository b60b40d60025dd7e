// The middleware kinds' options as text for `pier --help` and as the
// README's table, both from the schemas (a unit test keeps the README's copy
// in step).
import { SCHEMAS } from './schemas.js'
import { describeFields } from './schema.js'

/** `--help`'s section: each kind with its options, defaults and one line each. */
export function middlewareUsage(): string[] {
  const lines = ['', 'Middlewares (dynamic configuration http.middlewares.<name>.<type>, labels traefik.http.middlewares.<name>.<type>.<option>):']
  for (const schema of SCHEMAS) {
    lines.push(`  ${schema.type}: ${schema.doc}`)
    for (const f of describeFields(schema.fields)) lines.push(`      ${f.name} (${f.type}${f.default ? `, default ${f.default}` : ''}): ${f.doc}`)
  }
  return lines
}

const cell = (s: string): string => s.replace(/\|/g, '\\|')

/** The README's table of middleware options. */
export function middlewareTable(): string {
  const rows = ['| middleware | option | type | default | meaning |', '|---|---|---|---|---|']
  for (const schema of SCHEMAS) {
    rows.push(`| **${schema.type}** | | | | ${cell(schema.doc)} |`)
    for (const f of describeFields(schema.fields)) rows.push(`| | \`${f.name}\` | ${f.type} | ${f.default ? `\`${cell(f.default)}\`` : ''} | ${cell(f.doc)} |`)
  }
  return rows.join('\n')
}
