// Reads the static configuration file named by --configFile (YAML or TOML,
// Traefik's shape) into flat dotted keys, each with the line it came from
// when the parser knows it.
import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import type { Node, Document } from 'yaml'
import { toml, yaml } from './parsers.js'
import { ConfigError, ConfigErrorCode } from './errors.js'
import type { Raw } from './values.js'
import { isSection } from './keys.js'

export interface FileEntry {
  /** Dotted key as written in the file, e.g. entryPoints.web.address */
  key: string
  raw: Raw
  /** `pier.yml line 4` (line only for YAML) */
  where: string
}

function fileError(file: string, message: string): ConfigError {
  return new ConfigError(ConfigErrorCode.FILE, `config file ${file}: ${message}`)
}

export function loadConfigFile(file: string): FileEntry[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw fileError(file, `cannot read it (${e.code ?? e.message})`)
  }
  const ext = extname(file).toLowerCase()
  if (ext === '.yml' || ext === '.yaml') return yamlEntries(file, text)
  if (ext === '.toml') return tomlEntries(file, text)
  throw fileError(file, 'unknown file type (expected .yml, .yaml or .toml)')
}

function yamlEntries(file: string, text: string): FileEntry[] {
  const { parseDocument, LineCounter, isMap, isSeq, isScalar, isAlias } = yaml()
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true })
  const first = doc.errors[0]
  if (first) {
    const pos = first.linePos?.[0]
    const what = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
    throw fileError(file, `${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}${what}`)
  }
  const out: FileEntry[] = []
  const lineNo = (n: Node | null | undefined): string => (n?.range ? `line ${lines.linePos(n.range[0]).line}` : '')
  const lineOf = (n: Node | null | undefined): string => (n?.range ? `${file} ${lineNo(n)}` : file)
  const walk = (node: unknown, path: string[], keyNode: Node | undefined): void => {
    if (isAlias(node)) node = node.resolve(doc as Document)
    const key = path.join('.')
    // An alias can point at a mapping that holds it: stop where no static key reaches.
    if (path.length > 32) throw fileError(file, `${lineNo(keyNode)}: ${key.slice(0, 80)}... nests too deeply (an alias loop?)`)
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) {
      if (path.length > 0) out.push({ key, raw: true, where: lineOf(keyNode) })
    } else if (isMap(node)) {
      if (node.items.length === 0 && path.length > 0) out.push({ key, raw: true, where: lineOf(keyNode) })
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? pair.key.value : undefined
        if (typeof k !== 'string' && typeof k !== 'number') throw fileError(file, `${lineNo(pair.key as Node)}: keys must be plain names`)
        walk(pair.value, [...path, String(k)], pair.key as Node)
      }
    } else if (isSeq(node) && node.items.length > 0 && node.items.every((it) => isMap(it)) && isSection(`${key}[0]`)) {
      // a list of mappings (tls.domains, tls.certificates): key[i].field, as the flag form writes it
      const last = path[path.length - 1]!
      node.items.forEach((it, i) => walk(it, [...path.slice(0, -1), `${last}[${i}]`], keyNode))
    } else if (isSeq(node)) {
      const items = node.items.map((it) => (isScalar(it) && it.value !== null && typeof it.value !== 'object' ? String(it.value) : undefined))
      if (items.some((it) => it === undefined)) throw fileError(file, `${lineNo(keyNode)}: ${key} must be a list of plain values`)
      out.push({ key, raw: items.join(','), where: lineOf(keyNode) })
    } else if (isScalar(node)) {
      if (path.length === 0) throw fileError(file, 'expected a mapping of keys at the top level')
      out.push({ key, raw: String(node.value), where: lineOf(keyNode) })
    }
  }
  walk(doc.contents, [], undefined)
  return out
}

const V1_DYNAMIC = ['frontends', 'backends', 'tls']

function tomlEntries(file: string, text: string): FileEntry[] {
  const { parse: parseToml, TomlError } = toml()
  let data: Record<string, unknown>
  try {
    data = parseToml(text)
  } catch (err) {
    if (err instanceof TomlError) throw fileError(file, `line ${err.line}, column ${err.column}: ${err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')}`)
    throw err
  }
  const out: FileEntry[] = []
  const walk = (value: unknown, path: string[]): void => {
    // Traefik 1.x dynamic sections inline in traefik.toml: the file provider reads them
    if (path.length === 1 && V1_DYNAMIC.includes(path[0]!.toLowerCase())) return
    const key = path.join('.')
    if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)) && isSection(`${key}[0]`)) {
      const last = path[path.length - 1]!
      value.forEach((v, i) => walk(v, [...path.slice(0, -1), `${last}[${i}]`]))
    } else if (Array.isArray(value)) {
      if (value.some((v) => typeof v === 'object' && v !== null)) throw fileError(file, `${key} must be a list of plain values`)
      out.push({ key, raw: value.map(String).join(','), where: file })
    } else if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
      const entries = Object.entries(value)
      if (entries.length === 0 && path.length > 0) out.push({ key, raw: true, where: file })
      for (const [k, v] of entries) walk(v, [...path, k])
    } else {
      out.push({ key, raw: String(value), where: file })
    }
  }
  walk(data, [])
  return out
}
