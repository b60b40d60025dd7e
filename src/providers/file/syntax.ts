// YAML or TOML text -> plain data, by file extension. A syntax error becomes
// a Problem with the line and column the parser gives.
import { extname } from 'node:path'
import { parseDocument } from 'yaml'
import { parse as parseToml, TomlError } from 'smol-toml'
import { FileProblem, type Problem } from './problems.js'

export const DYNAMIC_EXTENSIONS = ['.yml', '.yaml', '.toml']

export function isDynamicFile(name: string): boolean {
  return DYNAMIC_EXTENSIONS.includes(extname(name).toLowerCase())
}

export function parseText(file: string, text: string): { data: unknown } | { error: Problem } {
  const ext = extname(file).toLowerCase()
  if (ext === '.toml') {
    try {
      return { data: parseToml(text) }
    } catch (err) {
      if (!(err instanceof TomlError)) throw err
      const what = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')
      return { error: { file, code: FileProblem.SYNTAX, message: `TOML syntax error at line ${err.line}, column ${err.column}: ${what}` } }
    }
  }
  if (ext === '.yml' || ext === '.yaml') {
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, merge: true })
    const first = doc.errors[0]
    if (first) {
      const pos = first.linePos?.[0]
      const what = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
      return { error: { file, code: FileProblem.SYNTAX, message: `YAML syntax error${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${what}` } }
    }
    return { data: doc.toJS({ maxAliasCount: 1000 }) }
  }
  return { error: { file, code: FileProblem.SYNTAX, message: `unknown file type (expected ${DYNAMIC_EXTENSIONS.join(', ')})` } }
}
