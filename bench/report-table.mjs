// Prints the README's benchmark table (markdown) from bench/results/latest.json
// or the results.json given as the first argument.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { readmeTable } from './lib/report.mjs'

const file = process.argv[2] ?? fileURLToPath(new URL('results/latest.json', import.meta.url))
let results
try {
  results = JSON.parse(readFileSync(file, 'utf8'))
} catch (err) {
  console.error(`report-table: cannot read results from ${file}: ${err.message} (run make bench first)`)
  process.exit(1)
}
process.stdout.write(readmeTable(results))
