// Validates one parsed dynamic configuration file (Traefik's shape) and builds
// the DynamicConfig it describes. Pure: no I/O. Keys match case-insensitively,
// as Traefik's decoder does; names (routers, services) are kept as written.
import type { DynamicConfig, Middleware, Router, RouterTLS, Service, Server, StreamRouter, StreamSection, StreamService, StreamServer } from '../../config/dynamic.js'
import { nearest } from '../../config/suggest.js'
import { parseSignedDuration } from '../../config/duration.js'
import { parseRule, RuleError } from '../../rules/index.js'
import { readHealthCheck, readPassiveHealthCheck } from '../../config/health-check.js'
import { FileProblem, type FileProblemCode, type Problem } from './problems.js'
import { readDefinition } from '../../middlewares/definition.js'
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

type Who = { router?: string; service?: string; middleware?: string }

function fail(ctx: Ctx, who: Who, code: FileProblemCode, message: string): void {
  ctx.errors.push({ file: ctx.file, ...who, code, message })
}

function warn(ctx: Ctx, who: Who, code: FileProblemCode, message: string): void {
  ctx.warnings.push({ file: ctx.file, ...who, code, message })
}

/**
 * Keys a section may have: pier's own; Traefik's that change who may reach
 * what, which pier does not honour yet, so the router (or the routers of the
 * service) is disabled; and Traefik's that change nothing of the kind, which
 * are ignored with a warning.
 */
interface Shape {
  known: string[]
  disabling?: Record<string, string>
  ignored: string[]
}

const shapes = {
  top: { known: ['http', 'tcp', 'udp', 'tls'], ignored: [] },
  http: { known: ['routers', 'services', 'middlewares'], ignored: ['serversTransports'] },
  router: { known: ['rule', 'service', 'entryPoints', 'priority', 'middlewares', 'tls', 'ruleSyntax'], ignored: ['observability'] },
  tls: { known: ['certResolver', 'domains', 'options'], ignored: [] },
  domain: { known: ['main', 'sans'], ignored: [] },
  service: { known: ['loadBalancer'], ignored: [] },
  loadBalancer: {
    known: ['servers', 'passHostHeader', 'healthCheck', 'passiveHealthCheck', 'responseForwarding'],
    disabling: {
      sticky: 'sticky sessions are not supported yet',
      serversTransport: 'serversTransports are not supported yet',
    },
    ignored: ['strategy'],
  },
  responseForwarding: { known: ['flushInterval'], ignored: [] },
  server: { known: ['url', 'weight'], ignored: ['preservePath'] },
  stream: { known: ['routers', 'services'], ignored: ['middlewares', 'serversTransports'] },
  tcpRouter: { known: ['rule', 'service', 'entryPoints', 'priority', 'tls'], disabling: { middlewares: 'TCP middlewares (inFlightConn, ipAllowList) are not supported by pier' }, ignored: ['ruleSyntax'] },
  tcpTls: { known: ['passthrough', 'certResolver', 'options'], ignored: ['domains'] },
  udpRouter: { known: ['service', 'entryPoints'], ignored: [] },
  streamService: { known: ['loadBalancer'], disabling: { weighted: 'weighted TCP/UDP services are not supported by pier yet' }, ignored: [] },
  streamLoadBalancer: { known: ['servers', 'proxyProtocol'], disabling: { serversTransport: 'TCP serversTransports are not supported by pier' }, ignored: ['terminationDelay'] },
  streamServer: { known: ['address', 'weight'], disabling: { tls: 'TLS toward TCP servers is not supported by pier' }, ignored: [] },
  proxyProtocol: { known: ['version'], ignored: [] },
} satisfies Record<string, Shape>

const serviceKinds = ['weighted', 'mirroring', 'failover']

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`)

/**
 * The known keys of obj, by their canonical spelling. Unknown keys are errors
 * (with the nearest known key when close); Traefik keys pier ignores are
 * warnings; keys pier cannot honour go to `refused` with why, and warn too.
 */
function pick(ctx: Ctx, obj: Record<string, unknown>, shape: Shape, path: string, who: Who, refused?: string[]): Map<string, unknown> {
  const out = new Map<string, unknown>()
  const disabling = Object.entries(shape.disabling ?? {})
  for (const [key, value] of Object.entries(obj)) {
    const lower = key.toLowerCase()
    const known = shape.known.find((k) => k.toLowerCase() === lower)
    if (known) {
      out.set(known, value)
      continue
    }
    const off = disabling.find(([k]) => k.toLowerCase() === lower)
    if (off && refused) {
      refused.push(`${path}${key}: ${off[1]}`)
      warn(ctx, who, FileProblem.UNSUPPORTED, `${path}${key}: ${off[1]}; disabled rather than served without it`)
      continue
    }
    if (shape.ignored.some((k) => k.toLowerCase() === lower)) {
      warn(ctx, who, FileProblem.UNSUPPORTED, `${path}${key} is not supported by pier and is ignored`)
      continue
    }
    const near = nearest(key, [...shape.known, ...disabling.map(([k]) => k), ...shape.ignored])
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

function checkName(ctx: Ctx, kind: 'router' | 'service' | 'middleware', name: string): boolean {
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
  const entryPoints = names(ctx, who, 'entryPoints', f.get('entryPoints'), 'entrypoint')
  const middlewares = names(ctx, who, 'middlewares', f.get('middlewares'), 'middleware')
  let priority: number | undefined
  const pr = f.get('priority')
  if (pr !== undefined && pr !== null) {
    priority = integer(pr)
    if (priority === undefined || priority < 0 || priority > 2 ** 31 - 1) {
      fail(ctx, who, FileProblem.BAD_VALUE, `priority must be a non-negative integer, not ${kindOf(pr)}`)
    }
  }
  const syntax = f.get('ruleSyntax')
  if (syntax !== undefined && syntax !== null && !(typeof syntax === 'string' && /^v[23]$/i.test(syntax))) {
    fail(ctx, who, FileProblem.BAD_VALUE, `ruleSyntax must be v2 or v3, not ${kindOf(syntax)}`)
  }
  const tls = f.has('tls') ? routerTLS(ctx, who, f.get('tls')) : undefined
  if (ctx.errors.length > before) return undefined
  const r: Router = { rule: rule as string, service: service as string }
  if (entryPoints) r.entryPoints = entryPoints
  if (priority !== undefined) r.priority = priority
  if (middlewares && middlewares.length > 0) r.middlewares = middlewares
  if (tls) r.tls = tls
  return r
}

/** A list of names (entryPoints, middlewares), or undefined when absent. */
function names(ctx: Ctx, who: Who, key: string, v: unknown, what: string): string[] | undefined {
  if (v === undefined || v === null) return undefined
  if (Array.isArray(v) && v.every((e) => typeof e === 'string' && e.trim() !== '')) return (v as string[]).map((e) => e.trim())
  fail(ctx, who, FileProblem.BAD_VALUE, `${key} must be a list of ${what} names, not ${kindOf(v)}`)
  return undefined
}

/** A router's tls section: present (even empty) means the router is for HTTPS; `false` means it is not. */
function routerTLS(ctx: Ctx, who: Who, v: unknown): RouterTLS | undefined {
  if (v === false) return undefined
  if (v === null || v === true || v === undefined) return {}
  const obj = section(ctx, v, 'tls', who)
  if (!obj) return undefined
  const f = pick(ctx, obj, shapes.tls, 'tls.', who)
  const tls: RouterTLS = {}
  for (const key of ['certResolver', 'options'] as const) {
    const val = f.get(key)
    if (val === undefined || val === null) continue
    if (typeof val === 'string') tls[key] = val
    else fail(ctx, who, FileProblem.BAD_VALUE, `tls.${key} must be text, not ${kindOf(val)}`)
  }
  const domains = f.get('domains')
  if (domains !== undefined && domains !== null) {
    if (!Array.isArray(domains)) fail(ctx, who, FileProblem.BAD_VALUE, `tls.domains must be a list, not ${kindOf(domains)}`)
    else {
      tls.domains = []
      domains.forEach((d, i) => {
        const dobj = section(ctx, d, `tls.domains[${i}]`, who)
        if (!dobj) return
        const df = pick(ctx, dobj, shapes.domain, `tls.domains[${i}].`, who)
        const main = df.get('main')
        const sans = df.get('sans')
        if (typeof main !== 'string' || main === '') return fail(ctx, who, FileProblem.BAD_VALUE, `tls.domains[${i}].main must be a domain name`)
        const dom: { main: string; sans?: string[] } = { main }
        const list = names(ctx, who, `tls.domains[${i}].sans`, sans, 'domain')
        if (list) dom.sans = list
        tls.domains!.push(dom)
      })
    }
  }
  return tls
}

/** What is wrong with a server url, if anything: http://host[:port][/] only; https is `later`. */
function serverUrl(v: unknown): { message: string; later?: boolean } | undefined {
  if (typeof v !== 'string' || v === '') return { message: `url must be text such as http://127.0.0.1:8080, not ${kindOf(v)}` }
  let u: URL
  try {
    u = new URL(v)
  } catch {
    return { message: `url ${JSON.stringify(v)} is not a valid URL (expected http://host:port)` }
  }
  if (u.protocol === 'https:') return { message: `url ${JSON.stringify(v)}: https backends are not supported yet`, later: true }
  if (u.protocol !== 'http:') return { message: `url ${JSON.stringify(v)}: scheme ${u.protocol.slice(0, -1)} is not supported (expected http://host:port)` }
  if (u.hostname === '') return { message: `url ${JSON.stringify(v)} has no host` }
  if (u.username || u.password) return { message: `url ${JSON.stringify(v)}: credentials in the url are not supported` }
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) return { message: `url ${JSON.stringify(v)}: a path or query is not supported (expected http://host:port)` }
  return undefined
}

function service(ctx: Ctx, name: string, raw: unknown): Service | undefined {
  const who = { service: name }
  const obj = section(ctx, raw, `http.services.${name}`, who)
  if (!obj) {
    if (raw === null || raw === undefined) fail(ctx, who, FileProblem.MISSING, 'has no loadBalancer')
    return undefined
  }
  const refused: string[] = []
  const kind = Object.keys(obj).find((k) => serviceKinds.includes(k.toLowerCase()))
  if (kind) {
    const why = `${kind} services are not supported yet (only loadBalancer)`
    warn(ctx, who, FileProblem.UNSUPPORTED, `${why}; disabled`)
    return { loadBalancer: { servers: [] }, unsupported: [why] }
  }
  const f = pick(ctx, obj, shapes.service, '', who)
  const before = ctx.errors.length
  const lb = section(ctx, f.get('loadBalancer'), 'loadBalancer', who)
  if (!lb) {
    if (ctx.errors.length === before) fail(ctx, who, FileProblem.MISSING, 'loadBalancer is missing')
    return undefined
  }
  const l = pick(ctx, lb, shapes.loadBalancer, 'loadBalancer.', who, refused)
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
      if (bad?.later) {
        refused.push(`${at}: ${bad.message}`)
        warn(ctx, who, FileProblem.UNSUPPORTED, `${at}: ${bad.message}; disabled`)
      } else if (bad) fail(ctx, who, FileProblem.BAD_VALUE, `${at}: ${bad.message}`)
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
  const health = [
    ['healthCheck', readHealthCheck],
    ['passiveHealthCheck', readPassiveHealthCheck],
  ] as const
  for (const [key, read] of health) {
    const raw = l.get(key)
    if (raw === undefined) continue
    const sec = raw === null ? {} : section(ctx, raw, `loadBalancer.${key}`, who)
    if (!sec) continue
    const got = read(sec, `loadBalancer.${key}.`)
    for (const e of got.errors) fail(ctx, who, FileProblem.BAD_VALUE, e)
    for (const r of got.refused) {
      refused.push(r)
      warn(ctx, who, FileProblem.UNSUPPORTED, `${r}; disabled rather than served without it`)
    }
    if (got.value) Object.assign(loadBalancer, { [key]: got.value })
  }
  const rf = section(ctx, l.get('responseForwarding'), 'loadBalancer.responseForwarding', who)
  const fi = rf ? pick(ctx, rf, shapes.responseForwarding, 'loadBalancer.responseForwarding.', who).get('flushInterval') : undefined
  if (fi !== undefined && fi !== null) {
    const text = typeof fi === 'number' ? String(fi) : fi
    if (typeof text !== 'string' || parseSignedDuration(text) === undefined) fail(ctx, who, FileProblem.BAD_VALUE, `loadBalancer.responseForwarding.flushInterval must be a duration such as 100ms or -1, not ${kindOf(fi)}`)
    else loadBalancer.responseForwarding = { flushInterval: text }
  }
  if (ctx.errors.length > before) return undefined
  return refused.length > 0 ? { loadBalancer, unsupported: refused } : { loadBalancer }
}

/**
 * A middleware definition: one Traefik type and its options, checked against
 * the kind's schema. A typo is an error (the file is refused); a type pier
 * lacks is kept, and disables the routers that use it.
 */
function middleware(ctx: Ctx, name: string, raw: unknown): Middleware | undefined {
  const who = { middleware: name }
  const obj = section(ctx, raw, `http.middlewares.${name}`, who)
  if (!obj) {
    if (raw === null || raw === undefined) fail(ctx, who, FileProblem.MISSING, 'defines no middleware type')
    return undefined
  }
  const read = readDefinition(obj, 'file')
  for (const e of read.errors) fail(ctx, who, e.startsWith('unknown') ? FileProblem.UNKNOWN_KEY : FileProblem.BAD_VALUE, e)
  for (const key of read.ignored) warn(ctx, who, FileProblem.UNSUPPORTED, `${key} is not supported by pier and is ignored`)
  if (read.def?.unsupported) warn(ctx, who, FileProblem.UNSUPPORTED, `${read.def.unsupported.join('; ')}: the routers that use it are disabled`)
  return read.errors.length > 0 ? undefined : read.def
}

/** A tcp or udp section: routers and services (UDP routers are kept to be shown disabled). */
function streamSection(ctx: Ctx, kind: 'tcp' | 'udp', v: unknown): StreamSection | undefined {
  const sec = section(ctx, v, kind)
  if (!sec) return undefined
  const f = pick(ctx, sec, shapes.stream, `${kind}.`, {})
  const out: StreamSection = { routers: {} }
  for (const [name, raw] of Object.entries(section(ctx, f.get('routers'), `${kind}.routers`) ?? {})) {
    if (!checkName(ctx, 'router', name)) continue
    const who = { router: name }
    const refused: string[] = []
    const rf = pick(ctx, section(ctx, raw, `${kind}.routers.${name}`, who) ?? {}, kind === 'tcp' ? shapes.tcpRouter : shapes.udpRouter, '', who, refused)
    const r: StreamRouter = {}
    if (typeof rf.get('rule') === 'string') r.rule = rf.get('rule') as string
    if (typeof rf.get('service') === 'string') r.service = rf.get('service') as string
    const eps = names(ctx, who, 'entryPoints', rf.get('entryPoints'), 'entrypoint')
    if (eps) r.entryPoints = eps
    if (rf.has('priority')) {
      const p = integer(rf.get('priority'))
      if (p === undefined) fail(ctx, who, FileProblem.BAD_VALUE, `priority must be a whole number, not ${kindOf(rf.get('priority'))}`)
      else r.priority = p
    }
    if (rf.has('tls') && rf.get('tls') !== false) {
      const t = pick(ctx, section(ctx, rf.get('tls') === true || rf.get('tls') === null ? {} : rf.get('tls'), 'tls', who) ?? {}, shapes.tcpTls, 'tls.', who)
      const pass = t.has('passthrough') ? boolean(t.get('passthrough')) : false
      if (pass === undefined) fail(ctx, who, FileProblem.BAD_VALUE, `tls.passthrough must be true or false, not ${kindOf(t.get('passthrough'))}`)
      r.tls = { passthrough: pass === true }
      if (typeof t.get('certResolver') === 'string') r.tls.certResolver = t.get('certResolver') as string
      if (typeof t.get('options') === 'string') r.tls.options = t.get('options') as string
    }
    if (refused.length > 0) r.unsupported = refused
    out.routers[name] = r
  }
  for (const [name, raw] of Object.entries(section(ctx, f.get('services'), `${kind}.services`) ?? {})) {
    if (!checkName(ctx, 'service', name)) continue
    const who = { service: name }
    const refused: string[] = []
    const sf = pick(ctx, section(ctx, raw, `${kind}.services.${name}`, who) ?? {}, shapes.streamService, '', who, refused)
    const svc: StreamService = {}
    const lbRaw = section(ctx, sf.get('loadBalancer'), 'loadBalancer', who)
    if (lbRaw) {
      const lf = pick(ctx, lbRaw, shapes.streamLoadBalancer, 'loadBalancer.', who, refused)
      const servers: StreamServer[] = []
      const list = lf.get('servers')
      if (list !== undefined && !Array.isArray(list)) fail(ctx, who, FileProblem.BAD_VALUE, `loadBalancer.servers must be a list, not ${kindOf(list)}`)
      for (const [i, rawServer] of (Array.isArray(list) ? list : []).entries()) {
        const at = `loadBalancer.servers[${i}]`
        const vf = pick(ctx, section(ctx, rawServer, at, who) ?? {}, shapes.streamServer, `${at}.`, who, refused)
        if (!requiredText(ctx, who, `${at}.address`, vf.get('address'))) continue
        const server: StreamServer = { address: (vf.get('address') as string).trim() }
        if (vf.has('weight')) {
          const w = integer(vf.get('weight'))
          if (w === undefined || w < 0) fail(ctx, who, FileProblem.BAD_VALUE, `${at}.weight must be a whole number of 0 or more`)
          else server.weight = w
        }
        servers.push(server)
      }
      svc.loadBalancer = { servers }
      const pp = lf.get('proxyProtocol')
      if (pp !== undefined) {
        const pf = pick(ctx, section(ctx, pp, 'loadBalancer.proxyProtocol', who) ?? {}, shapes.proxyProtocol, 'loadBalancer.proxyProtocol.', who)
        // Traefik's default version is 2
        svc.loadBalancer.proxyProtocol = { version: pf.has('version') ? (integer(pf.get('version')) ?? NaN) : 2 }
      }
    }
    if (refused.length > 0) svc.unsupported = refused
    ;(out.services ??= {})[name] = svc
  }
  return out
}

/** Validates the parsed content of one file (the result of YAML/TOML parsing). */
export function validateDynamic(file: string, data: unknown): Validated {
  const ctx: Ctx = { file, errors: [], warnings: [] }
  const config: DynamicConfig = { http: { routers: {}, services: {} } }
  if (data === null || data === undefined) return { config, ...ctx }
  const top = section(ctx, data, 'the top level')
  if (!top) return { config, ...ctx }
  const t = pick(ctx, top, shapes.top, '', {})
  for (const kind of ['tcp', 'udp'] as const) {
    const sec = streamSection(ctx, kind, t.get(kind))
    if (sec && (Object.keys(sec.routers).length > 0 || sec.services)) config[kind] = sec
  }
  const tls = validateTls(t.get('tls'))
  for (const i of tls.issues) (i.warning ? warn : fail)(ctx, {}, i.code, i.message)
  if (tls.tls) config.tls = tls.tls
  const http = section(ctx, t.get('http'), 'http')
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
  const middlewares = section(ctx, h.get('middlewares'), 'http.middlewares')
  for (const [name, raw] of Object.entries(middlewares ?? {})) {
    if (!checkName(ctx, 'middleware', name)) continue
    const m = middleware(ctx, name, raw)
    if (m) (config.http.middlewares ??= {})[name] = m
  }
  return { config, ...ctx }
}
