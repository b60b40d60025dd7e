// YAML or TOML text -> plain data, by file extension. A syntax error becomes
// a Problem with the line and column the parser gives.
import { extname } from 'node:path'
import type { Document, LineCounter } from 'yaml'
import { toml, yaml } from '../../config/parsers.js'
import { FileProblem, type Problem } from './problems.js'

export const DYNAMIC_EXTENSIONS = ['.yml', '.yaml', '.toml']

export function isDynamicFile(name: string): boolean {
  return DYNAMIC_EXTENSIONS.includes(extname(name).toLowerCase())
}

/** The line where a router, service or middleware is defined, when the format tells (YAML). */
export type LineOf = (section: 'routers' | 'services' | 'middlewares' | 'serverstransports', name: string) => number | undefined

export function parseText(file: string, text: string): { data: unknown; lineOf?: LineOf } | { error: Problem } {
  const ext = extname(file).toLowerCase()
  if (ext === '.toml') {
    const { parse, TomlError } = toml()
    try {
      return { data: parse(text) }
    } catch (err) {
      if (!(err instanceof TomlError)) throw err
      const what = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')
      return { error: { file, code: FileProblem.SYNTAX, message: `TOML syntax error at line ${err.line}, column ${err.column}: ${what}` } }
    }
  }
  if (ext === '.yml' || ext === '.yaml') {
    const { LineCounter, parseDocument } = yaml()
    const lines = new LineCounter()
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, merge: true, lineCounter: lines })
    const first = doc.errors[0]
    if (first) {
      const pos = first.linePos?.[0]
      const what = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
      return { error: { file, code: FileProblem.SYNTAX, message: `YAML syntax error${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${what}` } }
    }
    let data: unknown
    try {
      // Aliases resolve only here: an alias to no anchor, or an alias bomb beyond the count, throws.
      data = doc.toJS({ maxAliasCount: 1000 })
    } catch (err) {
      return { error: { file, code: FileProblem.SYNTAX, message: `YAML error: ${(err as Error).message}` } }
    }
    return { data, lineOf: (section, name) => yamlLine(doc, lines, ['http', section, name]) }
  }
  return { error: { file, code: FileProblem.SYNTAX, message: `unknown file type (expected ${DYNAMIC_EXTENSIONS.join(', ')})` } }
}

/** Line of the key at path; the first two segments match case-insensitively, as the decoder does. */
function yamlLine(doc: Document, lines: LineCounter, path: string[]): number | undefined {
  const { isMap, isScalar } = yaml()
  let node: unknown = doc.contents
  let line: number | undefined
  for (const [i, seg] of path.entries()) {
    if (!isMap(node)) return undefined
    const pair = node.items.find((p) => isScalar(p.key) && (i === path.length - 1 ? String(p.key.value) === seg : String(p.key.value).toLowerCase() === seg))
    if (!pair || !isScalar(pair.key) || !pair.key.range) return undefined
    line = lines.linePos(pair.key.range[0]).line
    node = pair.value
  }
  return line
}
