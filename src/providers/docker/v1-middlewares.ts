// Traefik v1 frontend options that are middlewares in v2 terms: auth,
// redirect, headers, whiteList, rateLimit, errors. Each label goes into the
// v2 label tree of a middleware named after the frontend, so the v2 schemas
// read and check it like any traefik.http.middlewares label. Applied in v1's
// order: error pages, allow list, redirect, headers, auth, rate limits, then
// the rule's path modifiers (strip, add prefix, replace path), which 1.7 ran
// next to the backend.
import { putLabel, type LabelTree } from '../../middlewares/schema.js'

/** The middlewares of one v1 frontend: suffix -> v2 label tree ({ type: options }). */
export type V1Middlewares = Map<string, LabelTree>

/** In the order Traefik 1.7 stacked them (the backend's last, around its load balancer). */
export const V1_ORDER = ['errors', 'allowlist', 'redirect', 'headers', 'auth', 'ratelimit', 'strip', 'addprefix', 'replacepathregex', 'replacepath', 'maxconn', 'breaker', 'buffering']

/** Middleware names `<frontend>-<suffix>` in V1_ORDER. */
export function inV1Order(names: string[], frontend: string): string[] {
  const rank = (n: string): number => V1_ORDER.indexOf(n.slice(frontend.length + 1).replace(/-.*$/, ''))
  return [...names].sort((a, b) => rank(a) - rank(b))
}

/** v1 header maps: `Name:value||Name2:value2`. */
function headerMap(value: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of value.split('||')) {
    const colon = pair.indexOf(':')
    if (colon > 0) out[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim()
  }
  return out
}

// v1 header option (lower-case) -> v2 headers option
const HEADERS: Record<string, string> = {
  allowedhosts: 'allowedHosts',
  hostsproxyheaders: 'hostsProxyHeaders',
  sslredirect: 'sslRedirect',
  ssltemporaryredirect: 'sslTemporaryRedirect',
  sslhost: 'sslHost',
  sslforcehost: 'sslForceHost',
  stsseconds: 'stsSeconds',
  stsincludesubdomains: 'stsIncludeSubdomains',
  stspreload: 'stsPreload',
  forcestsheader: 'forceSTSHeader',
  framedeny: 'frameDeny',
  customframeoptionsvalue: 'customFrameOptionsValue',
  contenttypenosniff: 'contentTypeNosniff',
  browserxssfilter: 'browserXssFilter',
  custombrowserxssvalue: 'customBrowserXSSValue',
  contentsecuritypolicy: 'contentSecurityPolicy',
  publickey: 'publicKey',
  referrerpolicy: 'referrerPolicy',
  isdevelopment: 'isDevelopment',
}
const HEADER_MAPS: Record<string, string> = { customrequestheaders: 'customRequestHeaders', customresponseheaders: 'customResponseHeaders', sslproxyheaders: 'sslProxyHeaders' }

function put(m: V1Middlewares, suffix: string, path: string[], value: string): void {
  let tree = m.get(suffix)
  if (!tree) m.set(suffix, (tree = {}))
  putLabel(tree, path, value)
}

/**
 * Reads a `traefik.frontend.<opt>` label (opt lower-cased) into the frontend's
 * middlewares. Returns false when the option is not one of these; a string
 * when it is one pier refuses, saying why.
 */
export function readV1Middleware(opt: string, value: string, m: V1Middlewares): boolean | string {
  const parts = opt.split('.')
  if (opt === 'auth.basic' || opt === 'auth.basic.users') return put(m, 'auth', ['basicAuth', 'users'], value), true
  if (opt === 'auth.basic.usersfile') return put(m, 'auth', ['basicAuth', 'usersFile'], value), true
  if (opt === 'auth.basic.removeheader') return put(m, 'auth', ['basicAuth', 'removeHeader'], value), true
  if (opt === 'auth.digest.users') return put(m, 'auth', ['digestAuth', 'users'], value), true
  if (opt === 'auth.digest.usersfile') return put(m, 'auth', ['digestAuth', 'usersFile'], value), true
  if (opt === 'auth.digest.removeheader') return put(m, 'auth', ['digestAuth', 'removeHeader'], value), true
  if (opt === 'auth.headerfield') {
    // Whichever auth the frontend has; set once its type is known (see finishV1Middlewares).
    return put(m, 'auth-header', ['headerField'], value), true
  }
  if (opt === 'auth.forward.address') return put(m, 'auth', ['forwardAuth', 'address'], value), true
  if (opt === 'auth.forward.trustforwardheader') return put(m, 'auth', ['forwardAuth', 'trustForwardHeader'], value), true
  if (opt === 'auth.forward.authresponseheaders') return put(m, 'auth', ['forwardAuth', 'authResponseHeaders'], value), true
  if (/^auth\.forward\.tls\.(ca|cert|key|insecureskipverify|caoptional)$/.test(opt)) return put(m, 'auth', ['forwardAuth', 'tls', parts[3]!], value), true
  if (opt === 'redirect.regex') return put(m, 'redirect', ['redirectRegex', 'regex'], value), true
  if (opt === 'redirect.replacement') return put(m, 'redirect', ['redirectRegex', 'replacement'], value), true
  if (opt === 'redirect.permanent') return put(m, 'redirect', ['redirectRegex', 'permanent'], value), true
  if (opt === 'redirect.entrypoint') return 'redirecting to another entrypoint needs its TLS setting, which pier does not have yet (use redirect.regex)'
  if (parts[0] === 'headers' && parts.length === 2) {
    const key = parts[1]!
    if (HEADER_MAPS[key]) {
      for (const [name, v] of Object.entries(headerMap(value))) put(m, 'headers', ['headers', HEADER_MAPS[key]!, name], v)
      return true
    }
    if (HEADERS[key]) return put(m, 'headers', ['headers', HEADERS[key]!], value), true
    return false
  }
  if (opt === 'whitelist.sourcerange' || opt === 'whitelistsourcerange') return put(m, 'allowlist', ['ipWhiteList', 'sourceRange'], value), true
  if (opt === 'whitelist.usexforwardedfor') {
    return value.toLowerCase() === 'true' ? 'whiteList.useXForwardedFor let any address in X-Forwarded-For through; use an ipAllowList with ipStrategy' : true
  }
  if (opt === 'ratelimit.extractorfunc') {
    const header = /^request\.header\.(.+)$/.exec(value)
    if (value === 'client.ip') return put(m, 'ratelimit-source', ['ipStrategy'], 'true'), true
    if (value === 'request.host') return put(m, 'ratelimit-source', ['requestHost'], 'true'), true
    if (header) return put(m, 'ratelimit-source', ['requestHeaderName'], header[1]!), true
    return `rateLimit.extractorFunc ${JSON.stringify(value)} is not client.ip, request.host or request.header.<name>`
  }
  const rate = /^ratelimit\.rateset\.([^.]+)\.(period|average|burst)$/.exec(opt)
  if (rate) return put(m, `ratelimit-${rate[1]}`, ['rateLimit', rate[2]!], value), true
  const errors = /^errors\.([^.]+)\.(status|backend|query)$/.exec(opt)
  if (errors) return put(m, `errors-${errors[1]}`, ['errors', errors[2] === 'backend' ? 'service' : errors[2]!], value), true
  return false
}

const BUFFERING: Record<string, string> = {
  maxrequestbodybytes: 'maxRequestBodyBytes',
  memrequestbodybytes: 'memRequestBodyBytes',
  maxresponsebodybytes: 'maxResponseBodyBytes',
  memresponsebodybytes: 'memResponseBodyBytes',
  retryexpression: 'retryExpression',
}

/**
 * Reads a `traefik.backend.<opt>` label that is a middleware in v2 terms
 * (circuit breaker, connection limit, buffering): it goes on the container's
 * router. False when opt is none of these; a string when pier refuses it.
 */
export function readV1BackendMiddleware(opt: string, value: string, m: V1Middlewares): boolean | string {
  if (opt === 'circuitbreaker.expression') return put(m, 'breaker', ['circuitBreaker', 'expression'], value), true
  if (opt === 'maxconn.amount') return put(m, 'maxconn', ['inFlightReq', 'amount'], value), true
  if (opt === 'maxconn.extractorfunc') {
    const header = /^request\.header\.(.+)$/.exec(value)
    if (value === 'client.ip') return put(m, 'maxconn', ['inFlightReq', 'sourceCriterion', 'ipStrategy'], 'true'), true
    if (value === 'request.host') return put(m, 'maxconn', ['inFlightReq', 'sourceCriterion', 'requestHost'], 'true'), true
    if (header) return put(m, 'maxconn', ['inFlightReq', 'sourceCriterion', 'requestHeaderName'], header[1]!), true
    return `maxconn.extractorFunc ${JSON.stringify(value)} is not client.ip, request.host or request.header.<name>`
  }
  const b = /^buffering\.([a-z]+)$/.exec(opt)
  if (b && BUFFERING[b[1]!]) return put(m, 'buffering', ['buffering', BUFFERING[b[1]!]!], value), true
  return false
}

/** Folds the pieces that belong to another middleware (headerField, the rate-limit source) into it, and orders them. */
export function finishV1Middlewares(m: V1Middlewares): [string, LabelTree][] {
  const header = m.get('auth-header')
  const auth = m.get('auth')
  if (header && auth) {
    const type = Object.keys(auth)[0]!
    ;(auth[type] as LabelTree).headerField = header.headerField as string
  }
  const source = m.get('ratelimit-source')
  const out: [string, LabelTree][] = []
  for (const [suffix, tree] of m) {
    if (suffix === 'auth-header' || suffix === 'ratelimit-source') continue
    if (suffix.startsWith('ratelimit-') && source) (tree.rateLimit as LabelTree).sourceCriterion = source
    out.push([suffix, tree])
  }
  const rank = (s: string): number => V1_ORDER.indexOf(s.replace(/-.*$/, ''))
  return out.sort((a, b) => rank(a[0]) - rank(b[0]))
}
