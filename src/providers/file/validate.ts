// Validates one parsed dynamic configuration file (Traefik's shape) and builds
// the DynamicConfig it describes. Pure: no I/O. Keys match case-insensitively,
// as Traefik's decoder does; names (routers, services) are kept as written.
import type { DynamicConfig, Router, Service, Server } from '../../config/dynamic.js'
import { nearest } from '../../config/suggest.js'
import { parseRule, RuleError } from '../../rules/index.js'
import { FileProblem, type FileProblemCode, type Problem } from './problems.js'
import { validateTls } from './tls.js'

export interface Validated {
  config: DynamicConfig
  errors: Problem[]
  warnings: Problem[]
}

interface Ctx {
  file: string
  errors: Problem[]
  warnings: Problem[]
}

type Who = { router?: string; service?: string }

function fail(ctx: Ctx, who: Who, code: FileProblemCode, message: string): void {
  ctx.errors.push({ file: ctx.file, ...who, code, message })
}

function warn(ctx: Ctx, who: Who, code: FileProblemCode, message: string): void {
  ctx.warnings.push({ file: ctx.file, ...who, code, message })
}

/** Keys a section may have: pier's own, and Traefik's that pier ignores with a warning. */
interface Shape {
  known: string[]
  ignored: string[]
}

const shapes = {
  top: { known: ['http', 'tls'], ignored: ['tcp', 'udp'] },
  http: { known: ['routers', 'services'], ignored: ['middlewares', 'serversTransports'] },
  router: { known: ['rule', 'service', 'entryPoints', 'priority'], ignored: ['middlewares', 'tls', 'observability', 'ruleSyntax'] },
  service: { known: ['loadBalancer'], ignored: [] },
  loadBalancer: { known: ['servers', 'passHostHeader'], ignored: ['healthCheck', 'sticky', 'responseForwarding', 'serversTransport', 'strategy'] },
  server: { known: ['url', 'weight'], ignored: ['preservePath'] },
} satisfies Record<string, Shape>

const serviceKinds = ['weighted', 'mirroring', 'failover']

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`)

/**
 * The known keys of obj, by their canonical spelling. Unknown keys are errors
 * (with the nearest known key when close); Traefik keys pier ignores are warnings.
 */
function pick(ctx: Ctx, obj: Record<string, unknown>, shape: Shape, path: string, who: Who): Map<string, unknown> {
  const out = new Map<string, unknown>()
  for (const [key, value] of Object.entries(obj)) {
    const lower = key.toLowerCase()
    const known = shape.known.find((k) => k.toLowerCase() === lower)
    if (known) {
      out.set(known, value)
      continue
    }
    if (shape.ignored.some((k) => k.toLowerCase() === lower)) {
      warn(ctx, who, FileProblem.UNSUPPORTED, `${path}${key} is not supported by pier and is ignored`)
      continue
    }
    const near = nearest(key, [...shape.known, ...shape.ignored])
    fail(ctx, who, FileProblem.UNKNOWN_KEY, `unknown key ${path}${key}${near ? `; did you mean ${near}?` : ''}`)
  }
  return out
}

function section(ctx: Ctx, value: unknown, path: string, who: Who = {}): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined
  if (isObject(value)) return value
  fail(ctx, who, FileProblem.BAD_VALUE, `${path} must be a mapping, not ${kindOf(value)}`)
  return undefined
}

function checkName(ctx: Ctx, kind: 'router' | 'service', name: string): boolean {
  if (name.includes('@')) {
    fail(ctx, { [kind]: name }, FileProblem.BAD_VALUE, 'the name may not contain "@" (it separates a name from its provider)')
    return false
  }
  return true
}

/** An integer, given as a number or a numeric string (Traefik's decoder accepts both). */
function integer(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN
  return Number.isSafeInteger(n) ? n : undefined
}

function boolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true'
  return undefined
}

/** True when v is non-blank text; otherwise reports it missing, empty or of the wrong type. */
function requiredText(ctx: Ctx, who: Who, key: string, v: unknown): v is string {
  if (v === undefined || v === null) fail(ctx, who, FileProblem.MISSING, `${key} is missing`)
  else if (typeof v !== 'string') fail(ctx, who, FileProblem.BAD_VALUE, `${key} must be text, not ${kindOf(v)}`)
  else if (v.trim() === '') fail(ctx, who, FileProblem.BAD_VALUE, `${key} is empty`)
  else return true
  return false
}

function router(ctx: Ctx, name: string, raw: unknown): Router | undefined {
  const who = { router: name }
  const obj = section(ctx, raw, `http.routers.${name}`, who)
  if (!obj) {
    if (raw === null || raw === undefined) fail(ctx, who, FileProblem.MISSING, 'has no rule and no service')
    return undefined
  }
  const f = pick(ctx, obj, shapes.router, '', who)
  const before = ctx.errors.length
  const rule = f.get('rule')
  const service = f.get('service')
  if (requiredText(ctx, who, 'rule', rule)) {
    try {
      parseRule(rule)
    } catch (err) {
      if (!(err instanceof RuleError)) throw err
      fail(ctx, who, FileProblem.BAD_RULE, `bad rule ${JSON.stringify(rule)}: ${err.message}`)
    }
  }
  requiredText(ctx, who, 'service', service)
  let entryPoints: string[] | undefined
  const eps = f.get('entryPoints')
  if (eps !== undefined && eps !== null) {
    if (Array.isArray(eps) && eps.every((e) => typeof e === 'string' && e !== '')) entryPoints = eps as string[]
    else fail(ctx, who, FileProblem.BAD_VALUE, `entryPoints must be a list of entrypoint names, not ${kindOf(eps)}`)
  }
  let priority: number | undefined
  const pr = f.get('priority')
  if (pr !== undefined && pr !== null) {
    priority = integer(pr)
    if (priority === undefined || priority < 0 || priority > 2 ** 31 - 1) {
      fail(ctx, who, FileProblem.BAD_VALUE, `priority must be a non-negative integer, not ${kindOf(pr)}`)
    }
  }
  if (ctx.errors.length > before) return undefined
  const r: Router = { rule: rule as string, service: service as string }
  if (entryPoints) r.entryPoints = entryPoints
  if (priority !== undefined) r.priority = priority
  return r
}

/** What is wrong with a server url, if anything: http://host[:port][/] only. */
function serverUrl(v: unknown): { code: FileProblemCode; message: string } | undefined {
  const bad = (message: string) => ({ code: FileProblem.BAD_VALUE, message })
  if (typeof v !== 'string' || v === '') return bad(`url must be text such as http://127.0.0.1:8080, not ${kindOf(v)}`)
  let u: URL
  try {
    u = new URL(v)
  } catch {
    return bad(`url ${JSON.stringify(v)} is not a valid URL (expected http://host:port)`)
  }
  if (u.protocol === 'https:') return { code: FileProblem.UNSUPPORTED, message: `url ${JSON.stringify(v)}: https backends are not supported yet` }
  if (u.protocol !== 'http:') return bad(`url ${JSON.stringify(v)}: scheme ${u.protocol.slice(0, -1)} is not supported (expected http://host:port)`)
  if (u.hostname === '') return bad(`url ${JSON.stringify(v)} has no host`)
  if (u.username || u.password) return bad(`url ${JSON.stringify(v)}: credentials in the url are not supported`)
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) return bad(`url ${JSON.stringify(v)}: a path or query is not supported (expected http://host:port)`)
  return undefined
}

function service(ctx: Ctx, name: string, raw: unknown): Service | undefined {
  const who = { service: name }
  const obj = section(ctx, raw, `http.services.${name}`, who)
  if (!obj) {
    if (raw === null || raw === undefined) fail(ctx, who, FileProblem.MISSING, 'has no loadBalancer')
    return undefined
  }
  const kind = Object.keys(obj).find((k) => serviceKinds.includes(k.toLowerCase()))
  if (kind) {
    fail(ctx, who, FileProblem.UNSUPPORTED, `${kind} services are not supported yet (only loadBalancer)`)
    return undefined
  }
  const f = pick(ctx, obj, shapes.service, '', who)
  const before = ctx.errors.length
  const lb = section(ctx, f.get('loadBalancer'), 'loadBalancer', who)
  if (!lb) {
    if (ctx.errors.length === before) fail(ctx, who, FileProblem.MISSING, 'loadBalancer is missing')
    return undefined
  }
  const l = pick(ctx, lb, shapes.loadBalancer, 'loadBalancer.', who)
  const servers: Server[] = []
  const list = l.get('servers') ?? []
  if (!Array.isArray(list)) {
    fail(ctx, who, FileProblem.BAD_VALUE, `loadBalancer.servers must be a list, not ${kindOf(list)}`)
  } else {
    list.forEach((s, i) => {
      const at = `loadBalancer.servers[${i}]`
      const so = section(ctx, s, at, who)
      if (!so) return
      const sf = pick(ctx, so, shapes.server, `${at}.`, who)
      const bad = serverUrl(sf.get('url'))
      if (bad) fail(ctx, who, bad.code, `${at}: ${bad.message}`)
      const server: Server = { url: sf.get('url') as string }
      const w = sf.get('weight')
      if (w !== undefined && w !== null) {
        const n = integer(w)
        if (n === undefined || n < 0 || n > 2 ** 31 - 1) fail(ctx, who, FileProblem.BAD_VALUE, `${at}: weight must be a non-negative integer, not ${kindOf(w)}`)
        else server.weight = n
      }
      servers.push(server)
    })
  }
  const loadBalancer: Service['loadBalancer'] = { servers }
  const phh = l.get('passHostHeader')
  if (phh !== undefined && phh !== null) {
    const b = boolean(phh)
    if (b === undefined) fail(ctx, who, FileProblem.BAD_VALUE, `loadBalancer.passHostHeader must be true or false, not ${kindOf(phh)}`)
    else loadBalancer.passHostHeader = b
  }
  return ctx.errors.length > before ? undefined : { loadBalancer }
}

/** Validates the parsed content of one file (the result of YAML/TOML parsing). */
export function validateDynamic(file: string, data: unknown): Validated {
  const ctx: Ctx = { file, errors: [], warnings: [] }
  const config: DynamicConfig = { http: { routers: {}, services: {} } }
  if (data === null || data === undefined) return { config, ...ctx }
  const top = section(ctx, data, 'the top level')
  if (!top) return { config, ...ctx }
  const topKeys = pick(ctx, top, shapes.top, '', {})
  const tls = validateTls(topKeys.get('tls'))
  for (const i of tls.issues) (i.warning ? warn : fail)(ctx, {}, i.code, i.message)
  if (tls.tls) config.tls = tls.tls
  const http = section(ctx, topKeys.get('http'), 'http')
  if (!http) return { config, ...ctx }
  const h = pick(ctx, http, shapes.http, 'http.', {})
  const routers = section(ctx, h.get('routers'), 'http.routers')
  for (const [name, raw] of Object.entries(routers ?? {})) {
    if (!checkName(ctx, 'router', name)) continue
    const r = router(ctx, name, raw)
    if (r) config.http.routers[name] = r
  }
  const services = section(ctx, h.get('services'), 'http.services')
  for (const [name, raw] of Object.entries(services ?? {})) {
    if (!checkName(ctx, 'service', name)) continue
    const s = service(ctx, name, raw)
    if (s) config.http.services[name] = s
  }
  return { config, ...ctx }
}
