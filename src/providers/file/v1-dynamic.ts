// Traefik 1.x dynamic configuration ([frontends], [backends], [[tls]]) in
// v2 terms, as Traefik 1.7's file provider read it: a frontend becomes a
// router, its routes' rules joined (all must match), its options middlewares;
// a backend becomes a service, its circuit breaker, connection limit and
// buffering middlewares on the routers that use it. The result is v2-shaped
// data that validate.ts then checks like any v2 file. A frontend asking for
// something pier does not honour is kept with the reason and disabled.
import { translateV1Rule, V1RuleError, type V1Modifier } from '../docker/v1-rule.js'
import { V1_ORDER } from '../docker/v1-middlewares.js'
import { FileProblem, type Problem } from './problems.js'

type Obj = Record<string, unknown>

export interface V1Translated {
  /** v2-shaped data: { http: { routers, services, middlewares }, tls } */
  data: Obj
  /** Router name -> why pier does not serve it. */
  refused: Map<string, string[]>
  errors: Problem[]
  warnings: Problem[]
}

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The value of key in obj, matched case-insensitively as Traefik's TOML
 * decoder does: tables spelled differently ([x.healthCheck] and
 * [x.healthcheck.headers], as 1.7's own docs write) are one table.
 */
function get(obj: Obj, key: string): unknown {
  const lower = key.toLowerCase()
  let found: unknown
  for (const k of Object.keys(obj)) {
    if (k.toLowerCase() !== lower) continue
    found = found !== undefined && isObject(found) && isObject(obj[k]) ? merge(found, obj[k]) : obj[k]
  }
  return found
}

function merge(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a }
  for (const [k, v] of Object.entries(b)) out[k] = isObject(out[k]) && isObject(v) ? merge(out[k], v) : v
  return out
}

const V1_TOP = ['frontends', 'backends']

/** True when the data is in Traefik 1.x's dynamic format. */
export function isV1Dynamic(data: unknown): boolean {
  return isObject(data) && Object.keys(data).some((k) => V1_TOP.includes(k.toLowerCase()))
}

const FRONTEND_KEYS = ['entryPoints', 'backend', 'routes', 'passHostHeader', 'priority', 'basicAuth', 'whitelistSourceRange', 'whiteList', 'headers', 'errors', 'rateLimit', 'redirect', 'auth']
/** Frontend options that decide who is served and how, which pier does not honour. */
const FRONTEND_REFUSED: Record<string, string> = {
  passtlscert: 'passing TLS client certificates is not supported yet',
  passtlsclientcert: 'passing TLS client certificates is not supported yet',
}
const BACKEND_KEYS = ['servers', 'circuitBreaker', 'loadBalancer', 'maxConn', 'healthCheck', 'buffering', 'responseForwarding']

interface Ctx {
  file: string
  errors: Problem[]
  warnings: Problem[]
  /** The file is a v1 traefik.toml read for its dynamic part: its static keys are not ours. */
  static: boolean
  /** [healthcheck] interval of the static configuration */
  healthInterval?: string
}

/**
 * Translates v1 dynamic data. `isStatic`: the file is the traefik.toml whose
 * [file] section names no other file, so its other sections are static keys;
 * `healthInterval`: its [healthcheck] interval, for health checks naming none.
 */
export function translateV1Dynamic(file: string, data: Obj, isStatic = false, healthInterval?: string): V1Translated {
  const ctx: Ctx = { file, errors: [], warnings: [], static: isStatic, healthInterval }
  const routers: Obj = {}
  const services: Obj = {}
  const middlewares: Obj = {}
  const refused = new Map<string, string[]>()
  const out: Obj = { http: { routers, services, middlewares } }
  for (const key of Object.keys(data)) {
    const lower = key.toLowerCase()
    if (V1_TOP.includes(lower)) continue
    if (lower === 'tls') {
      const tls = v1Tls(ctx, data[key])
      if (tls) out.tls = tls
    } else if (!ctx.static) ctx.errors.push({ file, code: FileProblem.UNKNOWN_KEY, message: `unknown key ${key} (a Traefik 1.x file has frontends, backends and tls)` })
  }
  const backends = section(ctx, get(data, 'backends'), 'backends') ?? {}
  const frontends = section(ctx, get(data, 'frontends'), 'frontends') ?? {}
  /** Backend name -> its middlewares (by name), in v1's order. */
  const backendMws = new Map<string, string[]>()
  for (const [name, raw] of Object.entries(backends)) {
    const b = section(ctx, raw, `backends.${name}`, { service: name })
    if (!b) continue
    const mws = backend(ctx, name, b, services, middlewares)
    backendMws.set(name, mws)
  }
  /** Backend -> the passHostHeader its service was made with, to give a frontend that differs its own copy. */
  const hostMode = new Map<string, boolean>()
  for (const name of Object.keys(frontends).sort()) {
    const who = { router: name }
    const f = section(ctx, frontends[name], `frontends.${name}`, who)
    if (!f) continue
    const why: string[] = []
    for (const key of Object.keys(f)) {
      const lower = key.toLowerCase()
      if (FRONTEND_REFUSED[lower]) why.push(`${key}: ${FRONTEND_REFUSED[lower]}`)
      else if (!FRONTEND_KEYS.some((k) => k.toLowerCase() === lower)) ctx.errors.push({ file, ...who, code: FileProblem.UNKNOWN_KEY, message: `unknown key frontends.${name}.${key}` })
    }
    const be = get(f, 'backend')
    if (typeof be !== 'string' || be === '') {
      ctx.errors.push({ file, ...who, code: FileProblem.MISSING, message: 'backend is missing' })
      continue
    }
    if (!Object.hasOwn(services, be)) {
      // a backend that is there but broken has its own error already
      if (!Object.hasOwn(backends, be)) ctx.errors.push({ file, ...who, code: FileProblem.UNKNOWN_SERVICE, message: `backend ${JSON.stringify(be)} is not defined in [backends] of this file (pier reads a frontend's backend from its own file)` })
      continue
    }
    const router: Obj = {}
    const { rule, priority, strip, modifiers } = frontendRule(ctx, name, table(ctx, f, 'routes', `frontends.${name}.routes`, who), why)
    router.rule = rule
    const pr = get(f, 'priority')
    // a frontend without routes (1.7's priority 0) still sorts below every other; pier reads 0 as "the rule's length"
    router.priority = pr === undefined || pr === 0 ? Math.max(priority, 1) : pr
    const eps = get(f, 'entryPoints')
    if (eps !== undefined) router.entryPoints = eps
    // Traefik 1.7's file frontends pass the Host header only when asked to.
    const phh = get(f, 'passHostHeader')
    if (phh !== undefined && typeof phh !== 'boolean') ctx.errors.push({ file, ...who, code: FileProblem.BAD_VALUE, message: `passHostHeader must be true or false, not ${JSON.stringify(phh)}` })
    const passHost = phh === true
    router.service = serviceFor(be, name, passHost, hostMode, services)
    const own: [suffix: string, def: Obj][] = []
    if (strip.length > 0) own.push(['strip', { stripPrefix: { prefixes: strip } }])
    own.push(...modifiers)
    frontendMiddlewares(ctx, name, f, why, own)
    const chain: string[] = []
    for (const [suffix, def] of own.sort((a, b) => rank(a[0]) - rank(b[0]))) {
      middlewares[`${name}-${suffix}`] = def
      chain.push(`${name}-${suffix}`)
    }
    chain.push(...(backendMws.get(be) ?? []))
    if (chain.length > 0) router.middlewares = chain
    routers[name] = router
    if (why.length > 0) {
      refused.set(name, why)
      ctx.warnings.push({ file, ...who, code: FileProblem.UNSUPPORTED, message: `${why.join('; ')}; disabled rather than served without it` })
    }
  }
  return { data: out, refused, errors: ctx.errors, warnings: ctx.warnings }
}

const rank = (suffix: string): number => V1_ORDER.indexOf(suffix.replace(/-.*$/, ''))

function section(ctx: Ctx, v: unknown, path: string, who: { router?: string; service?: string } = {}): Obj | undefined {
  if (v === undefined || v === null) return undefined
  if (isObject(v)) return v
  ctx.errors.push({ file: ctx.file, ...who, code: FileProblem.BAD_VALUE, message: `${path} must be a table` })
  return undefined
}

/**
 * obj's sub-table `key`, checked: a value that is not a table, or a key not in
 * `allowed`, is an error. Never skipped, so that a typo in `[x.auth]` cannot
 * serve the frontend without its auth.
 */
function table(ctx: Ctx, obj: Obj, key: string, path: string, who: { router?: string; service?: string }, allowed?: string[]): Obj | undefined {
  const t = section(ctx, get(obj, key), path, who)
  if (t && allowed) {
    for (const k of Object.keys(t)) {
      if (!allowed.some((a) => a.toLowerCase() === k.toLowerCase())) ctx.errors.push({ file: ctx.file, ...who, code: FileProblem.UNKNOWN_KEY, message: `unknown key ${path}.${k} (${path} has ${allowed.join(', ')})` })
    }
  }
  return t
}

/**
 * The routes' rules, all of which must match (1.7 stacked them on one route);
 * priority as 1.7 computed it: the sum of the rules' lengths. No route
 * matches every request. A matcher pier lacks goes to `why`.
 */
function frontendRule(ctx: Ctx, frontend: string, routes: unknown, why: string[]): { rule: string; priority: number; strip: string[]; modifiers: V1Modifier[] } {
  const rules: string[] = []
  const strip: string[] = []
  const modifiers: V1Modifier[] = []
  let priority = 0
  let failed = false
  for (const [rname, route] of Object.entries(isObject(routes) ? routes : {})) {
    const v1 = isObject(route) ? get(route, 'rule') : undefined
    for (const key of Object.keys(isObject(route) ? route : {})) {
      if (key.toLowerCase() !== 'rule') ctx.errors.push({ file: ctx.file, router: frontend, code: FileProblem.UNKNOWN_KEY, message: `unknown key frontends.${frontend}.routes.${rname}.${key} (a route has only a rule)` })
    }
    if (typeof v1 !== 'string') {
      why.push(`routes.${rname}: rule is missing`)
      failed = true
      continue
    }
    priority += v1.length
    try {
      const t = translateV1Rule(v1)
      rules.push(t.rule)
      strip.push(...t.strip)
      modifiers.push(...(t.modifiers ?? []))
    } catch (err) {
      if (!(err instanceof V1RuleError)) throw err
      why.push(`routes.${rname}: ${err.message} (rule ${JSON.stringify(v1)})`)
      failed = true
    }
  }
  // a disabled router still needs a rule that parses; it is never served
  if (failed || rules.length === 0) return { rule: 'PathPrefix(`/`)', priority, strip, modifiers }
  return { rule: rules.length === 1 ? rules[0]! : rules.map((r) => `(${r})`).join(' && '), priority, strip, modifiers }
}

/** The service a frontend uses: its backend's, or a copy when its passHostHeader differs from the first frontend's. */
function serviceFor(backend: string, frontend: string, passHost: boolean, hostMode: Map<string, boolean>, services: Obj): string {
  const first = hostMode.get(backend)
  const base = services[backend] as { loadBalancer: Obj }
  if (first === undefined) {
    hostMode.set(backend, passHost)
    base.loadBalancer.passHostHeader = passHost
    return backend
  }
  if (first === passHost) return backend
  const copy = `${backend}-${frontend}`
  services[copy] = { loadBalancer: { ...base.loadBalancer, passHostHeader: passHost } }
  return copy
}

/** A frontend's options as middleware definitions (suffix, v2 body), in no order yet. */
function frontendMiddlewares(ctx: Ctx, name: string, f: Obj, why: string[], out: [string, Obj][]): void {
  const who = { router: name }
  const at = (key: string): string => `frontends.${name}.${key}`
  const users = get(f, 'basicAuth')
  const auth = table(ctx, f, 'auth', at('auth'), who, ['basic', 'digest', 'forward', 'headerField'])
  if (users !== undefined) out.push(['auth', { basicAuth: { users } }])
  if (auth) {
    const headerField = get(auth, 'headerField')
    const kinds: [v1: string, v2: string][] = [['basic', 'basicAuth'], ['digest', 'digestAuth'], ['forward', 'forwardAuth']]
    for (const [v1, v2] of kinds) {
      const opts = table(ctx, auth, v1, at(`auth.${v1}`), who)
      if (!opts) continue
      out.push([out.some(([s]) => s === 'auth') ? `auth-${v1}` : 'auth', { [v2]: headerField !== undefined && v1 !== 'forward' ? { ...opts, headerField } : opts }])
    }
  }
  const ranges = get(f, 'whitelistSourceRange')
  const wl = table(ctx, f, 'whiteList', at('whiteList'), who, ['sourceRange', 'useXForwardedFor'])
  if (ranges !== undefined) out.push(['allowlist', { ipWhiteList: { sourceRange: ranges } }])
  if (wl) {
    const xff = get(wl, 'useXForwardedFor')
    if (xff === true) why.push('whiteList.useXForwardedFor let any address in X-Forwarded-For through; use an ipAllowList with ipStrategy')
    const sr = get(wl, 'sourceRange')
    if (sr !== undefined) out.push([ranges !== undefined ? 'allowlist-2' : 'allowlist', { ipWhiteList: { sourceRange: sr } }])
  }
  const headers = table(ctx, f, 'headers', at('headers'), who)
  if (headers && Object.keys(headers).length > 0) out.push(['headers', { headers }])
  const redirect = table(ctx, f, 'redirect', at('redirect'), who, ['entryPoint', 'regex', 'replacement', 'permanent'])
  if (redirect) {
    if (get(redirect, 'entryPoint') !== undefined) why.push('redirect.entryPoint: redirecting to another entrypoint needs its TLS setting, which pier does not have yet (use redirect.regex)')
    else {
      const { permanent, regex, replacement } = { permanent: get(redirect, 'permanent'), regex: get(redirect, 'regex'), replacement: get(redirect, 'replacement') }
      out.push(['redirect', { redirectRegex: { regex, replacement, ...(permanent !== undefined ? { permanent } : {}) } }])
    }
  }
  const errors = table(ctx, f, 'errors', at('errors'), who) ?? {}
  for (const ename of Object.keys(errors)) {
    const page = table(ctx, errors, ename, at(`errors.${ename}`), who, ['status', 'backend', 'query'])
    if (!page) continue
    const query = get(page, 'query')
    out.push([`errors-${ename}`, { errors: { status: get(page, 'status'), service: get(page, 'backend'), ...(query !== undefined ? { query } : {}) } }])
  }
  const rl = table(ctx, f, 'rateLimit', at('rateLimit'), who, ['extractorFunc', 'rateSet'])
  if (rl) {
    const source = sourceCriterion(get(rl, 'extractorFunc'), 'rateLimit.extractorFunc', why)
    const sets = table(ctx, rl, 'rateSet', at('rateLimit.rateSet'), who) ?? {}
    for (const sname of Object.keys(sets)) {
      const rate = table(ctx, sets, sname, at(`rateLimit.rateSet.${sname}`), who, ['period', 'average', 'burst'])
      if (rate) out.push([`ratelimit-${sname}`, { rateLimit: { ...rate, ...(source ? { sourceCriterion: source } : {}) } }])
    }
  }
}

/** v1's extractorFunc as a v2 sourceCriterion. */
function sourceCriterion(fn: unknown, key: string, why: string[]): Obj | undefined {
  if (fn === undefined) return undefined
  if (fn === 'client.ip') return { ipStrategy: {} }
  if (fn === 'request.host') return { requestHost: true }
  const header = typeof fn === 'string' ? /^request\.header\.(.+)$/.exec(fn) : null
  if (header) return { requestHeaderName: header[1] }
  why.push(`${key} ${JSON.stringify(fn)} is not client.ip, request.host or request.header.<name>`)
  return undefined
}

/** A backend as a service; its middlewares are defined in `middlewares` and their names returned. */
function backend(ctx: Ctx, name: string, b: Obj, services: Obj, middlewares: Obj): string[] {
  const who = { service: name }
  // 1.7's file frontends passed the Host header only when asked to; serviceFor sets what they ask
  const lb: Obj = { passHostHeader: false }
  const mws: [string, Obj][] = []
  for (const key of Object.keys(b)) {
    if (!BACKEND_KEYS.some((k) => k.toLowerCase() === key.toLowerCase())) ctx.errors.push({ file: ctx.file, ...who, code: FileProblem.UNKNOWN_KEY, message: `unknown key backends.${name}.${key}` })
  }
  const servers = section(ctx, get(b, 'servers'), `backends.${name}.servers`, who) ?? {}
  lb.servers = Object.keys(servers)
    .sort()
    .map((s) => {
      const srv = table(ctx, servers, s, `backends.${name}.servers.${s}`, who, ['url', 'weight']) ?? {}
      const w = get(srv, 'weight')
      // oxy, under 1.7, took a weight of 0 (or none) as 1
      return w === undefined || w === 0 || w === '0' ? { url: get(srv, 'url') } : { url: get(srv, 'url'), weight: w }
    })
  const balancer = table(ctx, b, 'loadBalancer', `backends.${name}.loadBalancer`, who, ['method', 'sticky', 'stickiness'])
  if (balancer) {
    const method = get(balancer, 'method')
    if (typeof method === 'string' && method.toLowerCase() === 'drr') {
      ctx.warnings.push({ file: ctx.file, ...who, code: FileProblem.UNSUPPORTED, message: 'loadBalancer.method "drr" (dynamic weights from response times) is not supported; pier balances with the configured weights (wrr)' })
    } else if (method !== undefined && !(typeof method === 'string' && method.toLowerCase() === 'wrr')) {
      // 1.7 fell back to wrr on an unknown method, with a log line
      ctx.warnings.push({ file: ctx.file, ...who, code: FileProblem.UNSUPPORTED, message: `loadBalancer.method ${JSON.stringify(method)} is not wrr or drr; wrr is used, as Traefik 1.7 did` })
    }
    const stickiness = table(ctx, balancer, 'stickiness', `backends.${name}.loadBalancer.stickiness`, who, ['cookieName', 'secure', 'httpOnly', 'sameSite'])
    const sticky = get(balancer, 'sticky')
    if (stickiness) {
      const cookie: Obj = {}
      const names: [string, string][] = [['cookieName', 'name'], ['secure', 'secure'], ['httpOnly', 'httpOnly'], ['sameSite', 'sameSite']]
      for (const [v1, v2] of names) if (get(stickiness, v1) !== undefined) cookie[v2] = get(stickiness, v1)
      lb.sticky = { cookie }
    } else if (sticky !== undefined && sticky !== false) lb.sticky = { cookie: { name: '_TRAEFIK_BACKEND' } } // asked for, in whatever spelling: carried, never dropped
  }
  const hc = table(ctx, b, 'healthCheck', `backends.${name}.healthCheck`, who)
  if (hc) lb.healthCheck = get(hc, 'interval') === undefined && ctx.healthInterval !== undefined ? { ...hc, interval: ctx.healthInterval } : hc
  const rf = table(ctx, b, 'responseForwarding', `backends.${name}.responseForwarding`, who)
  if (rf) lb.responseForwarding = rf
  const cb = table(ctx, b, 'circuitBreaker', `backends.${name}.circuitBreaker`, who)
  if (cb) mws.push(['breaker', { circuitBreaker: cb }])
  const mc = table(ctx, b, 'maxConn', `backends.${name}.maxConn`, who, ['amount', 'extractorFunc'])
  if (mc) {
    const why: string[] = []
    const source = sourceCriterion(get(mc, 'extractorFunc'), 'maxConn.extractorFunc', why)
    for (const w of why) ctx.errors.push({ file: ctx.file, ...who, code: FileProblem.BAD_VALUE, message: w })
    mws.push(['maxconn', { inFlightReq: { amount: get(mc, 'amount'), ...(source ? { sourceCriterion: source } : {}) } }])
  }
  const buf = table(ctx, b, 'buffering', `backends.${name}.buffering`, who)
  if (buf) mws.push(['buffering', { buffering: buf }])
  services[name] = { loadBalancer: lb }
  return mws.sort((a, c) => rank(a[0]) - rank(c[0])).map(([suffix, def]) => {
    middlewares[`${name}-${suffix}`] = def
    return `${name}-${suffix}`
  })
}

/** v1 [[tls]]: certificates served by SNI (on every TLS entrypoint; 1.7 could limit one to some). */
function v1Tls(ctx: Ctx, v: unknown): Obj | undefined {
  if (!Array.isArray(v)) {
    ctx.errors.push({ file: ctx.file, code: FileProblem.BAD_VALUE, message: 'tls must be a list of [[tls]] tables' })
    return undefined
  }
  const certificates: Obj[] = []
  for (const [i, t] of v.entries()) {
    const c = isObject(t) ? get(t, 'certificate') : undefined
    if (!isObject(c)) {
      ctx.errors.push({ file: ctx.file, code: FileProblem.MISSING, message: `tls[${i}].certificate is missing` })
      continue
    }
    if (get(t as Obj, 'entryPoints') !== undefined) ctx.warnings.push({ file: ctx.file, code: FileProblem.UNSUPPORTED, message: `tls[${i}].entryPoints is not supported; the certificate is offered by SNI on every TLS entrypoint` })
    certificates.push({ certFile: get(c, 'certFile'), keyFile: get(c, 'keyFile') })
  }
  return { certificates }
}
