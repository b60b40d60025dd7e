// The middlewares of a merged configuration, compiled for the route table:
// each definition a router uses is checked and compiled once by its kind,
// chains are flattened into plain lists (a loop is refused, naming it), and
// a router's list resolves to middleware indices or to the reason it cannot
// be served. Runs on the primary only, once the kinds the definitions name
// are imported (loadKinds).
import { readFileSync } from 'node:fs'
import type { Middleware } from '../config/dynamic.js'
import { loadedKind } from '../middlewares/kind-modules.js'
import { schemaOf } from '../middlewares/schemas.js'
import { MiddlewareError, type CompileContext } from '../middlewares/kind.js'
import { FNV_OFFSET, FNV_PRIME } from './layout.js'

export interface CompiledMiddleware {
  /** Qualified name, e.g. auth@docker. */
  name: string
  type: string
  /** The compiled options as canonical JSON (sorted keys). */
  json: string
  /** FNV-1a of json: the options' identity for state that outlives a table swap. */
  hash: number
  phases: number
}

/** JSON with object keys sorted at every level: equal options give equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`
  }
  return JSON.stringify(v) ?? 'null'
}

export function hashText(s: string): number {
  let x = FNV_OFFSET | 0
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), FNV_PRIME)
  return x | 0
}

const providerOf = (name: string): string => name.slice(name.lastIndexOf('@') + 1)

export class MiddlewarePlanner {
  /** Compiled middlewares in table order. */
  readonly list: CompiledMiddleware[] = []
  /** Why a definition cannot be used, by qualified name (shown in the API). */
  readonly errors: Record<string, string[]> = {}
  private readonly index = new Map<string, number>()
  /** Flattened indices per name, or the error a router using it gets. */
  private readonly resolved = new Map<string, number[] | string>()

  constructor(
    private readonly defs: Record<string, Middleware>,
    private readonly hasService: (name: string) => boolean,
    private readonly readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
  ) {}

  /** A file an option names, or a MiddlewareError saying why it cannot be read. */
  private read = (path: string): string => {
    try {
      return this.readFile(path)
    } catch (err) {
      throw new MiddlewareError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  }

  /** The flattened list for middleware names (qualified), or the first problem, naming the middleware. */
  chain(names: readonly string[]): number[] | string {
    const out: number[] = []
    for (const name of names) {
      const r = this.resolve(name, [])
      if (typeof r === 'string') return r
      out.push(...r)
    }
    return out
  }

  private resolve(name: string, path: string[]): number[] | string {
    const known = this.resolved.get(name)
    if (known !== undefined) return known
    if (path.includes(name)) return `middleware ${JSON.stringify(name)}: chain loop ${[...path.slice(path.indexOf(name)), name].join(' -> ')}`
    const def = this.defs[name]
    if (!def) return `middleware ${JSON.stringify(name)} does not exist`
    const r = this.build(name, def, path)
    if (typeof r === 'string') {
      // A loop is the definition's own problem; a member's problem is the member's.
      const own = r.startsWith(`middleware ${JSON.stringify(name)}`)
      ;(this.errors[name] ??= []).push(own ? r.slice(`middleware ${JSON.stringify(name)}`.length).replace(/^:? ?/, '') : r)
    }
    this.resolved.set(name, r)
    return r
  }

  private build(name: string, def: Middleware, path: string[]): number[] | string {
    const quoted = JSON.stringify(name)
    if (def.unsupported && def.unsupported.length > 0) return `middleware ${quoted}: ${def.unsupported.join('; ')}`
    if (!schemaOf(def.type)) return `middleware ${quoted}: unknown type ${def.type}`
    const k = loadedKind(def.type)
    if (!k) throw new Error(`middleware ${quoted}: its kind ${def.type} was not imported before compiling (loadKinds)`)
    const ctx: CompileContext = { provider: providerOf(name), hasService: this.hasService, readFile: this.read }
    let compiled: unknown
    try {
      compiled = k.compile(def.options, ctx)
    } catch (err) {
      if (!(err instanceof MiddlewareError)) throw err
      return `middleware ${quoted}: ${err.message}`
    }
    if (k.schema.type === 'chain') {
      const out: number[] = []
      for (const member of (compiled as { middlewares: string[] }).middlewares) {
        const r = this.resolve(member, [...path, name])
        if (typeof r === 'string') return r.startsWith('middleware') && r.includes('chain loop') ? r : `${r} (in chain ${quoted})`
        out.push(...r)
      }
      return out
    }
    let i = this.index.get(name)
    if (i === undefined) {
      const json = canonicalJson(compiled)
      i = this.list.length
      this.list.push({ name, type: k.schema.type, json, hash: hashText(json), phases: k.phases(compiled) })
      this.index.set(name, i)
    }
    return [i]
  }
}
