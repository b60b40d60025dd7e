#!/usr/bin/env node
// Rewrites the README's middleware options table (between its markers) from
// the kinds' schemas in the built dist/. `--check` exits 1 when it is stale.
import { readFileSync, writeFileSync } from 'node:fs'
import { middlewareTable } from '../dist/middlewares/docs.js'

const README = new URL('../README.md', import.meta.url)
const BEGIN = '<!-- middlewares:begin (scripts/readme-middlewares.mjs) -->'
const END = '<!-- middlewares:end -->'
const text = readFileSync(README, 'utf8')
const a = text.indexOf(BEGIN)
const b = text.indexOf(END)
if (a < 0 || b < a) {
  console.error(`README.md has no ${BEGIN} ... ${END} region`)
  process.exit(2)
}
const next = `${text.slice(0, a + BEGIN.length)}\n${middlewareTable()}\n${text.slice(b)}`
if (process.argv.includes('--check')) process.exit(next === text ? 0 : 1)
writeFileSync(README, next)
