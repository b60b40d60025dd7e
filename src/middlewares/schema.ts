// Option schemas of the middleware kinds, and the one decoder that reads
// options against them, from a dynamic configuration file (YAML/TOML values)
// or from Docker labels (a tree of strings). The file validator, the label
// parser, `--help` and the README table all read the schemas, so a new option
// is one line in its kind's file.
//
// Decoding checks names and types only, with Traefik's case-insensitive keys;
// what a value means (a regex that compiles, a user entry that parses) is the
// kind's compile step, run by the primary's table compiler.
import { parseDuration } from '../config/duration.js'
import { nearest } from '../config/suggest.js'

export type FieldType = 'string' | 'bool' | 'int' | 'duration' | 'list' | 'map' | 'object'

export interface Field {
  /** Traefik's spelling, e.g. `prefixes`; matched case-insensitively. */
  name: string
  type: FieldType
  /** The default as documented ('' when none). */
  default?: string
  doc: string
  /** For `object`: its fields. */
  fields?: Field[]
  /** A list of middleware names, or a service name: qualified with the provider on merge. */
  ref?: 'middleware' | 'service'
  /** Accepted so Traefik configurations load, and ignored: it changes nothing about who is served. */
  ignored?: boolean
}

export interface Schema {
  /** Traefik's type key, e.g. `stripPrefix`. */
  type: string
  doc: string
  fields: Field[]
  /** Traefik accepts the type with no options at all (`compress: {}`, `...compress=true`). */
  allowEmpty?: boolean
}

/** Where decoded input came from: file values are typed, label values are all strings. */
export type Source = 'file' | 'labels'

/** A tree of label values under one middleware: keys as written, values strings. */
export interface LabelTree {
  [key: string]: LabelTree | string
}

export interface Decoded {
  options: Record<string, unknown>
  /** Problems naming the option path; an empty list means the options are usable. */
  errors: string[]
  /** Options accepted and ignored (Field.ignored). */
  ignored: string[]
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`)

/** Decodes the options of one middleware of the given schema. */
export function decodeOptions(schema: Schema, input: unknown, source: Source): Decoded {
  const out: Decoded = { options: {}, errors: [], ignored: [] }
  if (input === null || input === undefined || input === '' || (source === 'labels' && typeof input === 'string' && /^true$/i.test(input.trim()))) {
    if (!schema.allowEmpty) out.errors.push(`${schema.type} needs options (${schema.fields.filter((f) => !f.ignored).map((f) => f.name).join(', ')})`)
    return out
  }
  if (!isObject(input)) {
    out.errors.push(`${schema.type} must be a mapping of options, not ${kindOf(input)}`)
    return out
  }
  out.options = decodeFields(schema.fields, input, '', source, out)
  return out
}

function decodeFields(fields: Field[], input: Record<string, unknown>, path: string, source: Source, out: Decoded): Record<string, unknown> {
  const options: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    const field = fields.find((f) => f.name.toLowerCase() === key.toLowerCase())
    if (!field) {
      const near = nearest(key, fields.map((f) => f.name))
      out.errors.push(`unknown option ${path}${key}${near ? `; did you mean ${path}${near}?` : ''}`)
      continue
    }
    const at = `${path}${field.name}`
    if (field.ignored) {
      out.ignored.push(at)
      continue
    }
    const v = decodeValue(field, value, at, source, out)
    if (v !== undefined) options[field.name] = v
  }
  return options
}

function decodeValue(field: Field, value: unknown, at: string, source: Source, out: Decoded): unknown {
  const bad = (what: string): undefined => void out.errors.push(`${at} must be ${what}, not ${kindOf(value)}`)
  const text = typeof value === 'string' ? value.trim() : undefined
  switch (field.type) {
    case 'string':
      if (typeof value === 'string') return value
      if (source === 'file' && (typeof value === 'number' || typeof value === 'boolean')) return String(value)
      return bad('text')
    case 'bool':
      if (typeof value === 'boolean') return value
      if (text !== undefined && /^(true|false)$/i.test(text)) return text.toLowerCase() === 'true'
      return bad('true or false')
    case 'int': {
      const n = typeof value === 'number' ? value : text !== undefined && /^-?\d+$/.test(text) ? Number(text) : NaN
      if (Number.isSafeInteger(n)) return n
      return bad('an integer')
    }
    case 'duration': {
      const ms = typeof value === 'number' && value >= 0 ? value * 1000 : text !== undefined ? parseDuration(text) : undefined
      if (ms !== undefined) return ms
      return bad('a duration such as 10s, 250ms or 1m30s')
    }
    case 'list':
      if (text !== undefined && (source === 'labels' || !text.includes('\n'))) {
        // Labels write lists comma-separated, as Traefik's do; a file may give one item.
        return source === 'labels' ? text.split(',').map((s) => s.trim()).filter((s) => s !== '') : [text]
      }
      if (Array.isArray(value) && value.every((e) => typeof e === 'string' || typeof e === 'number')) return value.map((e) => String(e).trim())
      if (isObject(value) && source === 'labels') {
        // Indexed label lists: users[0]=..., or users.0=...
        return Object.keys(value).sort((a, b) => Number(a) - Number(b)).map((k) => String(value[k]).trim())
      }
      return bad('a list of text')
    case 'map': {
      if (!isObject(value)) return bad('a mapping')
      const m: Record<string, string> = {}
      for (const [k, v] of Object.entries(value)) {
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') m[k] = String(v)
        else out.errors.push(`${at}.${k} must be text, not ${kindOf(v)}`)
      }
      return m
    }
    case 'object':
      if (value === null || (source === 'labels' && text !== undefined && /^true$/i.test(text))) return {}
      if (!isObject(value)) return bad('a mapping')
      return decodeFields(field.fields!, value, `${at}.`, source, out)
  }
}

/**
 * Inserts one label into a middleware's tree: `parts` are the key's segments
 * after the type (`stripprefix.prefixes` gives ['prefixes']). A segment like
 * `users[0]` becomes users -> 0. Returns a problem when the label clashes with
 * another (a value and a section at one key).
 */
export function putLabel(tree: LabelTree, parts: string[], value: string): string | undefined {
  const segs: string[] = []
  for (const p of parts) {
    const idx = /^(.+)\[(\d+)\]$/.exec(p)
    if (idx) segs.push(idx[1]!, idx[2]!)
    else segs.push(p)
  }
  let node = tree
  for (let i = 0; i < segs.length - 1; i++) {
    const key = findKey(node, segs[i]!) ?? segs[i]!
    const next = node[key]
    if (typeof next === 'string') return `${segs.slice(0, i + 1).join('.')} is both a value and a section`
    node = next ?? (node[key] = {})
  }
  const last = segs[segs.length - 1]!
  const key = findKey(node, last) ?? last
  if (typeof node[key] === 'object') return `${segs.join('.')} is both a value and a section`
  node[key] = value
  return undefined
}

/** Keys of one tree level compare case-insensitively (label keys do in Traefik). */
function findKey(node: LabelTree, key: string): string | undefined {
  const lower = key.toLowerCase()
  return Object.keys(node).find((k) => k.toLowerCase() === lower)
}

/** One line per option, `name` type (default): doc, nested options indented; for --help and the README. */
export function describeFields(fields: Field[], prefix = ''): { name: string; type: FieldType; default: string; doc: string }[] {
  const rows: { name: string; type: FieldType; default: string; doc: string }[] = []
  for (const f of fields) {
    rows.push({ name: `${prefix}${f.name}`, type: f.type, default: f.default ?? '', doc: f.ignored ? `${f.doc} (accepted, ignored)` : f.doc })
    if (f.fields) rows.push(...describeFields(f.fields, `${prefix}${f.name}.`))
  }
  return rows
}
