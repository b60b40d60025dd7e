// headers: custom request and response headers (an empty value removes),
// the security headers Traefik takes from unrolled/secure, and CORS with
// preflight requests answered here. As in Traefik, CORS and custom headers
// wrap the security part: a preflight answer carries no security headers,
// and a custom response header (or an empty one) has the last word.
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, PHASE_RESPONSE, type Middleware, type Step } from './kind.js'
import { headersSchema } from './schemas.js'
import type { Flow } from './flow.js'
import { ResponseFilter } from './filter.js'
import { compileRegexes } from './strip-prefix-regex.js'
import * as H from './headers-list.js'

interface Compiled {
  customRequestHeaders: [string, string][]
  customResponseHeaders: [string, string][]
  cors: Cors | null
  secure: Secure | null
}

interface Cors {
  allowCredentials: boolean
  allowHeaders: string[]
  allowMethods: string[]
  allowOrigins: string[]
  allowOriginRegexes: string[]
  exposeHeaders: string[]
  maxAge: number | null
  addVary: boolean
}

interface Secure {
  allowedHosts: string[]
  hostsProxyHeaders: string[]
  sslProxyHeaders: [string, string][]
  sslRedirect: boolean
  sslTemporaryRedirect: boolean
  sslHost: string
  sslForceHost: boolean
  stsSeconds: number
  stsIncludeSubdomains: boolean
  stsPreload: boolean
  forceSTSHeader: boolean
  isDevelopment: boolean
  publicKey: string
  /** Headers that do not depend on the request, in order. */
  fixed: [string, string][]
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '')
const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : [])
const pairs = (v: unknown): [string, string][] => Object.entries((v as Record<string, string> | undefined) ?? {})

function compileSecure(o: Record<string, unknown>): Secure | null {
  const fixed: [string, string][] = []
  const frame = str(o.customFrameOptionsValue) || (o.frameDeny === true ? 'DENY' : '')
  if (frame) fixed.push(['X-Frame-Options', frame])
  if (o.contentTypeNosniff === true) fixed.push(['X-Content-Type-Options', 'nosniff'])
  const xss = str(o.customBrowserXSSValue) || (o.browserXssFilter === true ? '1; mode=block' : '')
  if (xss) fixed.push(['X-XSS-Protection', xss])
  for (const [key, header] of [
    ['contentSecurityPolicy', 'Content-Security-Policy'],
    ['contentSecurityPolicyReportOnly', 'Content-Security-Policy-Report-Only'],
    ['referrerPolicy', 'Referrer-Policy'],
    ['featurePolicy', 'Feature-Policy'],
    ['permissionsPolicy', 'Permissions-Policy'],
  ] as const) {
    if (str(o[key])) fixed.push([header, str(o[key])])
  }
  const s: Secure = {
    allowedHosts: list(o.allowedHosts),
    hostsProxyHeaders: list(o.hostsProxyHeaders),
    sslProxyHeaders: pairs(o.sslProxyHeaders),
    sslRedirect: o.sslRedirect === true || o.sslTemporaryRedirect === true,
    sslTemporaryRedirect: o.sslTemporaryRedirect === true,
    sslHost: str(o.sslHost),
    sslForceHost: o.sslForceHost === true,
    stsSeconds: typeof o.stsSeconds === 'number' ? o.stsSeconds : 0,
    stsIncludeSubdomains: o.stsIncludeSubdomains === true,
    stsPreload: o.stsPreload === true,
    forceSTSHeader: o.forceSTSHeader === true,
    isDevelopment: o.isDevelopment === true,
    publicKey: str(o.publicKey),
    fixed,
  }
  const used =
    fixed.length > 0 || s.allowedHosts.length > 0 || s.hostsProxyHeaders.length > 0 || s.sslProxyHeaders.length > 0 || s.sslRedirect || s.sslHost !== '' ||
    s.sslForceHost || o.stsSeconds !== undefined || s.stsIncludeSubdomains || s.stsPreload || s.forceSTSHeader || s.publicKey !== '' || s.isDevelopment
  return used ? s : null
}

function compileCors(o: Record<string, unknown>): Cors | null {
  const c: Cors = {
    allowCredentials: o.accessControlAllowCredentials === true,
    allowHeaders: list(o.accessControlAllowHeaders),
    allowMethods: list(o.accessControlAllowMethods),
    allowOrigins: list(o.accessControlAllowOriginList),
    allowOriginRegexes: list(o.accessControlAllowOriginListRegex),
    exposeHeaders: list(o.accessControlExposeHeaders),
    maxAge: typeof o.accessControlMaxAge === 'number' ? o.accessControlMaxAge : null,
    addVary: o.addVaryHeader === true,
  }
  compileRegexes(c.allowOriginRegexes, 'accessControlAllowOriginListRegex')
  const used = c.allowCredentials || c.allowHeaders.length + c.allowMethods.length + c.allowOrigins.length + c.allowOriginRegexes.length + c.exposeHeaders.length > 0 || c.maxAge !== null || c.addVary
  return used ? c : null
}

/** The value of a request header as the backend will see it: pier sets the X-Forwarded ones (a trusted forwarder's kept). */
function forwardedValue(flow: Flow, lower: string): string {
  switch (lower) {
    case 'x-forwarded-proto':
      return flow.getHeader(lower) || (flow.https ? 'https' : 'http')
    case 'x-forwarded-host':
      return flow.getHeader(lower) || flow.originalHost
    case 'x-real-ip':
      return flow.clientIP
  }
  return flow.getHeader(lower)
}

class Headers implements Middleware {
  private readonly originRegexes: RegExp[]
  private readonly exposeHeaders: string
  private readonly sts: string

  constructor(private readonly c: Compiled) {
    this.originRegexes = c.cors ? compileRegexes(c.cors.allowOriginRegexes, 'accessControlAllowOriginListRegex') : []
    const cors = c.cors
    this.exposeHeaders = cors && cors.exposeHeaders.length > 0 && !(cors.exposeHeaders.includes('*') && cors.allowCredentials) ? cors.exposeHeaders.join(',') : ''
    const s = c.secure
    this.sts = s && s.stsSeconds !== 0 ? `max-age=${s.stsSeconds}${s.stsIncludeSubdomains ? '; includeSubDomains' : ''}${s.stsPreload ? '; preload' : ''}` : ''
  }

  request(flow: Flow): Step {
    const cors = this.c.cors
    if (cors !== null && flow.method === 'OPTIONS') {
      const method = flow.getHeader('access-control-request-method')
      const origin = flow.getHeader('origin')
      if (method !== '' && origin !== '') return flow.answer(200, this.preflight(cors, flow, method, origin), '')
    }
    for (const [name, value] of this.c.customRequestHeaders) {
      if (value === '') flow.removeHeader(name)
      else flow.setHeader(name, value)
    }
    const s = this.c.secure
    let ssl = false
    if (s !== null) {
      let host = flow.host
      for (const h of s.hostsProxyHeaders) {
        const v = forwardedValue(flow, h.toLowerCase())
        if (v !== '') {
          host = v
          break
        }
      }
      if (s.allowedHosts.length > 0 && !s.isDevelopment && !s.allowedHosts.some((a) => a.toLowerCase() === host.toLowerCase())) {
        return flow.error(500, 'Bad Host')
      }
      ssl = flow.https || s.sslProxyHeaders.some(([k, v]) => forwardedValue(flow, k.toLowerCase()) === v)
      if (s.sslRedirect && !ssl && !s.isDevelopment) {
        const status = s.sslTemporaryRedirect ? 307 : 301
        return flow.answer(status, ['location', `https://${s.sslHost || host}${flow.target()}`], '')
      }
      if (s.sslForceHost && s.sslHost !== '' && host !== s.sslHost && !s.isDevelopment) {
        return flow.answer(s.sslTemporaryRedirect ? 307 : 301, ['location', `https://${s.sslHost}${flow.target()}`], '')
      }
    }
    if (s !== null || this.c.customResponseHeaders.length > 0 || cors !== null) {
      flow.wrap(new HeadersFilter(this, cors !== null ? flow.getHeader('origin') : '', ssl))
    }
    return NEXT
  }

  private preflight(cors: Cors, flow: Flow, method: string, origin: string): string[] {
    const h: string[] = []
    if (cors.allowCredentials) h.push('Access-Control-Allow-Credentials', 'true')
    if (cors.allowHeaders.includes('*') && cors.allowCredentials) {
      const asked = flow.getHeader('access-control-request-headers')
      if (asked !== '') h.push('Access-Control-Allow-Headers', asked)
    } else if (cors.allowHeaders.length > 0) h.push('Access-Control-Allow-Headers', cors.allowHeaders.join(','))
    if (cors.allowMethods.includes('*') && cors.allowCredentials) h.push('Access-Control-Allow-Methods', method)
    else if (cors.allowMethods.length > 0) h.push('Access-Control-Allow-Methods', cors.allowMethods.join(','))
    const allowed = this.matchOrigin(origin)
    if (allowed !== null) h.push('Access-Control-Allow-Origin', allowed)
    if (cors.maxAge !== null) h.push('Access-Control-Max-Age', String(cors.maxAge))
    if (this.exposeHeaders !== '') h.push('Access-Control-Expose-Headers', this.exposeHeaders)
    return h
  }

  /** The Access-Control-Allow-Origin value for a request Origin, or null. */
  matchOrigin(origin: string): string | null {
    const cors = this.c.cors!
    for (const item of cors.allowOrigins) {
      if (item === origin) return item
      // A wildcard cannot go with credentials: the origin itself is echoed.
      if (item === '*') return cors.allowCredentials ? origin : item
    }
    for (const re of this.originRegexes) if (re.test(origin)) return origin
    return null
  }

  /** The response head, edited as the security part and then the CORS and custom part would. */
  editResponse(headers: string[], origin: string, ssl: boolean): void {
    const s = this.c.secure
    if (s !== null) {
      if (ssl && s.sslHost !== '') {
        const location = H.getHeader(headers, 'location')
        if (location.startsWith(`http://${s.sslHost}/`) || location === `http://${s.sslHost}`) H.setHeader(headers, 'Location', location.replace('http:', 'https:'))
      }
      if (this.sts !== '' && (ssl || s.forceSTSHeader) && !s.isDevelopment) H.setHeader(headers, 'Strict-Transport-Security', this.sts)
      for (const [name, value] of s.fixed) H.setHeader(headers, name, value)
      if (s.publicKey !== '' && ssl && !s.isDevelopment) H.setHeader(headers, 'Public-Key-Pins', s.publicKey)
    }
    for (const [name, value] of this.c.customResponseHeaders) {
      if (value === '') H.removeHeader(headers, name.toLowerCase())
      else H.setHeader(headers, name, value)
    }
    const cors = this.c.cors
    if (cors === null) return
    const allowed = this.matchOrigin(origin)
    if (allowed !== null) H.setHeader(headers, 'Access-Control-Allow-Origin', allowed)
    if (cors.allowCredentials) H.setHeader(headers, 'Access-Control-Allow-Credentials', 'true')
    if (this.exposeHeaders !== '') H.setHeader(headers, 'Access-Control-Expose-Headers', this.exposeHeaders)
    if (cors.addVary) {
      const vary = H.getHeader(headers, 'vary')
      if (vary !== 'Origin') H.setHeader(headers, 'Vary', vary === '' ? 'Origin' : `${vary},Origin`)
    }
  }
}

class HeadersFilter extends ResponseFilter {
  constructor(
    private readonly mw: Headers,
    private readonly origin: string,
    private readonly ssl: boolean,
  ) {
    super()
  }

  override onHeaders(status: number, statusText: string, headers: string[], contentLength: number, obsText: boolean): void {
    this.mw.editResponse(headers, this.origin, this.ssl)
    this.next.onHeaders(status, statusText, headers, contentLength, obsText)
  }
}

export default kind<Compiled>({
  schema: headersSchema,
  phases: (c) => PHASE_REQUEST | (c.secure !== null || c.customResponseHeaders.length > 0 || c.cors !== null ? PHASE_RESPONSE : 0),
  compile(o) {
    const c: Compiled = {
      customRequestHeaders: pairs(o.customRequestHeaders),
      customResponseHeaders: pairs(o.customResponseHeaders),
      cors: compileCors(o),
      secure: compileSecure(o),
    }
    if (c.customRequestHeaders.length === 0 && c.customResponseHeaders.length === 0 && c.cors === null && c.secure === null) {
      throw new MiddlewareError('headers configuration not valid: it sets no header')
    }
    return c
  },
  create: (c) => new Headers(c),
})
