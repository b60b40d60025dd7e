// A middleware definition as a provider reads it: Traefik's shape, one type
// key holding that type's options ({ stripPrefix: { prefixes: [...] } }),
// decoded against the kind's schema (schemas.ts: the kind's code is not
// needed to read a definition).
import type { Middleware } from '../config/dynamic.js'
import { nearest } from '../config/suggest.js'
import { SCHEMAS, schemaOf, unsupportedType, UNSUPPORTED_TYPES } from './schemas.js'
import { decodeOptions, type Field, type Source } from './schema.js'

export interface Read {
  /** Absent when the definition is unusable as written (no type, a typo of one). */
  def?: Middleware
  /** Problems with the options as written (unknown option, wrong type). */
  errors: string[]
  /** Options accepted and ignored. */
  ignored: string[]
}

const TYPES = [...SCHEMAS.map((s) => s.type), ...Object.keys(UNSUPPORTED_TYPES)]

/** Reads the body of one middleware definition. */
export function readDefinition(body: Record<string, unknown>, source: Source): Read {
  const types = Object.keys(body)
  if (types.length === 0) return { errors: ['defines no middleware type'], ignored: [] }
  if (types.length > 1) return { errors: [`defines several middleware types (${types.join(', ')}); declare one middleware per type`], ignored: [] }
  const written = types[0]!
  const schema = schemaOf(written)
  if (!schema) {
    const off = unsupportedType(written)
    if (off) return { def: { type: off, options: {}, unsupported: [UNSUPPORTED_TYPES[off]!] }, errors: [], ignored: [] }
    const near = nearest(written, TYPES)
    return { errors: [`unknown middleware type ${written}${near ? `; did you mean ${near}?` : ''}`], ignored: [] }
  }
  const d = decodeOptions(schema, body[written], source)
  return { def: { type: schema.type, options: d.options }, errors: d.errors, ignored: d.ignored }
}

/** The definition with the names it refers to (chain members, an errors service) qualified by qualify. */
export function qualifyDefinition(def: Middleware, qualify: (name: string) => string): Middleware {
  const schema = schemaOf(def.type)
  if (!schema) return def
  return { ...def, options: qualifyFields(schema.fields, def.options, qualify) }
}

function qualifyFields(fields: Field[], options: Record<string, unknown>, qualify: (name: string) => string): Record<string, unknown> {
  let out = options
  for (const f of fields) {
    const v = options[f.name]
    if (v === undefined) continue
    let q: unknown = v
    if (f.ref && Array.isArray(v)) q = v.map((n) => qualify(String(n)))
    else if (f.ref && typeof v === 'string') q = qualify(v)
    else if (f.fields && typeof v === 'object' && v !== null) q = qualifyFields(f.fields, v as Record<string, unknown>, qualify)
    if (q !== v) out = { ...out, [f.name]: q }
  }
  return out
}
