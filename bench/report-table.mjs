// The README's benchmark tables from bench/results/latest.json (the full
// suite) and bench/results/scoreboard.json (the scoreboard scene).
//   node bench/report-table.mjs [results.json]   prints the suite table (of the given file)
//   node bench/report-table.mjs --write          rewrites the README's generated regions
//   node bench/report-table.mjs --check          exits 1 when they differ from the results files
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { readmeTable } from './lib/report.mjs'
import { REGIONS, refreshReadme } from './lib/readme.mjs'

const results = (file) => JSON.parse(readFileSync(fileURLToPath(new URL(`results/${file}`, import.meta.url)), 'utf8'))
const README = fileURLToPath(new URL('../README.md', import.meta.url))
const arg = process.argv[2]

try {
  if (arg === '--write' || arg === '--check') {
    const given = {}
    for (const r of REGIONS) given[r.name] = existsSync(fileURLToPath(new URL(`results/${r.file}`, import.meta.url))) ? results(r.file) : null
    const before = readFileSync(README, 'utf8')
    const { text, notes } = refreshReadme(before, given)
    for (const n of notes) console.log(`report-table: ${n}`)
    if (arg === '--check') {
      if (text !== before) {
        console.error('report-table: README.md\'s benchmark tables differ from bench/results; run node bench/report-table.mjs --write')
        process.exit(1)
      }
      console.log('report-table: README.md\'s benchmark tables match bench/results')
    } else if (text !== before) {
      writeFileSync(README, text)
      console.log('report-table: README.md\'s benchmark tables rewritten from bench/results')
    } else console.log('report-table: README.md\'s benchmark tables already match bench/results')
  } else {
    const file = arg ?? fileURLToPath(new URL('results/latest.json', import.meta.url))
    process.stdout.write(readmeTable(JSON.parse(readFileSync(file, 'utf8'))))
  }
} catch (err) {
  console.error(`report-table: ${err.code ? err.code + ': ' : ''}${err.message} (run make bench first if there are no results)`)
  process.exit(1)
}
