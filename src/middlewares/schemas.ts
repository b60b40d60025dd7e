// The option schemas of every middleware kind, apart from the kinds' code:
// the primary decodes and qualifies every definition against them (file
// validator, label parser), while a kind's module (its compile step and
// runtime) is imported only when a configuration names the kind, in the
// primary as in the workers (kind-modules.ts). --help and the README table
// read them too, so a new option is one line here.
import type { Field, Schema } from './schema.js'

const bool = (name: string, doc: string): Field => ({ name, type: 'bool', default: 'false', doc })
const str = (name: string, doc: string): Field => ({ name, type: 'string', doc })
const list = (name: string, doc: string): Field => ({ name, type: 'list', doc })
const int = (name: string, dflt: string, doc: string, ignored = false): Field => ({ name, type: 'int', default: dflt, doc, ignored })

/** TLS to a server a middleware calls (forwardAuth's https:// address), as Traefik's ClientTLS. */
const TLS_FIELDS: Field[] = [
  { name: 'ca', type: 'string', doc: 'CA certificate(s) to trust, PEM or a file path (default: the system roots)' },
  { name: 'cert', type: 'string', doc: 'client certificate, PEM or a file path' },
  { name: 'key', type: 'string', doc: 'client key, PEM or a file path' },
  { name: 'insecureSkipVerify', type: 'bool', default: 'false', doc: "accept any server certificate" },
  { name: 'caOptional', type: 'bool', doc: 'deprecated in Traefik, a server-side option', ignored: true },
]

const IP_STRATEGY_FIELDS: Field[] = [
  { name: 'depth', type: 'int', default: '0', doc: 'use the X-Forwarded-For address this far from the right (0: the connection address)' },
  { name: 'excludedIPs', type: 'list', doc: 'use the rightmost X-Forwarded-For address not in these IPs/CIDRs' },
  { name: 'ipv6Subnet', type: 'int', doc: 'count IPv6 addresses of one subnet of this many bits as one' },
]

const SOURCE_FIELDS: Field[] = [
  { name: 'ipStrategy', type: 'object', fields: IP_STRATEGY_FIELDS, doc: 'group requests by client address' },
  { name: 'requestHeaderName', type: 'string', doc: 'group requests by the value of this header' },
  { name: 'requestHost', type: 'bool', default: 'false', doc: 'group requests by Host' },
]

export const addPrefixSchema: Schema = {
  type: 'addPrefix',
  doc: 'adds a prefix to the path before forwarding',
  fields: [{ name: 'prefix', type: 'string', doc: 'the prefix, with its leading slash' }],
}

export const basicAuthSchema: Schema = {
  type: 'basicAuth',
  doc: 'HTTP Basic authentication against htpasswd entries (bcrypt, apr1/MD5, SHA1)',
  fields: [
    { name: 'users', type: 'list', doc: 'user:hash entries, as htpasswd writes them' },
    { name: 'usersFile', type: 'string', doc: 'a file of user:hash lines (# comments allowed), read when the configuration loads' },
    { name: 'realm', type: 'string', default: 'traefik', doc: 'realm of the challenge' },
    { name: 'headerField', type: 'string', doc: 'header that carries the authenticated user to the backend' },
    { name: 'removeHeader', type: 'bool', default: 'false', doc: 'remove Authorization before forwarding' },
  ],
}

export const bufferingSchema: Schema = {
  type: 'buffering',
  doc: 'reads whole request (and response) bodies before passing them on, with size limits',
  fields: [
    int('maxRequestBodyBytes', '0', 'larger request bodies get 413 (0: no limit)'),
    int('memRequestBodyBytes', '1048576', "Traefik's threshold for spilling to disk; pier keeps bodies in memory", true),
    int('maxResponseBodyBytes', '0', 'larger responses become 500 (0: no limit, and the response is not held)'),
    int('memResponseBodyBytes', '1048576', "Traefik's threshold for spilling to disk; pier keeps bodies in memory", true),
    { name: 'retryExpression', type: 'string', doc: 'retry conditions; not supported, no retries are made', ignored: true },
  ],
}

export const chainSchema: Schema = {
  type: 'chain',
  doc: 'a reusable list of middlewares, run in order',
  fields: [{ name: 'middlewares', type: 'list', ref: 'middleware', doc: 'middleware names; name@provider for another provider' }],
}

export const circuitBreakerSchema: Schema = {
  type: 'circuitBreaker',
  doc: 'answers at once instead of calling a failing service, until it recovers',
  fields: [
    { name: 'expression', type: 'string', doc: 'trip condition: NetworkErrorRatio(), ResponseCodeRatio(a,b,c,d), LatencyAtQuantileMS(q) with && and ||' },
    { name: 'checkPeriod', type: 'duration', default: '100ms', doc: 'how often the condition is checked' },
    { name: 'fallbackDuration', type: 'duration', default: '10s', doc: 'how long it stays tripped' },
    { name: 'recoveryDuration', type: 'duration', default: '10s', doc: 'how long it takes to let all requests through again' },
    { name: 'responseCode', type: 'int', default: '503', doc: 'the status answered while tripped' },
  ],
}

export const compressSchema: Schema = {
  type: 'compress',
  doc: 'compresses responses with gzip or brotli, as the client accepts',
  allowEmpty: true,
  fields: [
    { name: 'excludedContentTypes', type: 'list', doc: 'content types never compressed (application/grpc always is)' },
    { name: 'includedContentTypes', type: 'list', doc: 'only these content types are compressed' },
    { name: 'minResponseBodyBytes', type: 'int', default: '1024', doc: 'smaller responses go uncompressed' },
    { name: 'encodings', type: 'list', default: 'gzip, br, zstd', doc: 'encodings offered, preferred first (zstd is skipped: Node 20 has none)' },
    { name: 'defaultEncoding', type: 'string', doc: 'encoding when the request has no Accept-Encoding, or for *' },
  ],
}

export const contentTypeSchema: Schema = {
  type: 'contentType',
  doc: 'sets Content-Type from the body when the backend sends none',
  allowEmpty: true,
  fields: [{ name: 'autoDetect', type: 'bool', doc: 'deprecated in Traefik; the middleware always detects', ignored: true }],
}

export const digestAuthSchema: Schema = {
  type: 'digestAuth',
  doc: 'HTTP Digest authentication (MD5, qop=auth) against htdigest entries',
  fields: [
    { name: 'users', type: 'list', doc: 'user:realm:HA1 entries, as htdigest writes them' },
    { name: 'usersFile', type: 'string', doc: 'a file of user:realm:HA1 lines, read when the configuration loads' },
    { name: 'realm', type: 'string', default: 'traefik', doc: 'realm of the challenge (entries of other realms never match)' },
    { name: 'headerField', type: 'string', doc: 'header that carries the authenticated user to the backend' },
    { name: 'removeHeader', type: 'bool', default: 'false', doc: 'remove Authorization before forwarding' },
  ],
}

export const errorsSchema: Schema = {
  type: 'errors',
  doc: 'replaces responses of listed statuses with a page from another service',
  fields: [
    { name: 'status', type: 'list', doc: 'statuses or ranges: 500-599, 404, 418' },
    { name: 'service', type: 'string', ref: 'service', doc: 'the service serving the error pages (name@provider for another provider)' },
    { name: 'query', type: 'string', doc: 'the page path; {status}, {originalStatus} and {url} are filled in' },
    { name: 'statusRewrites', type: 'map', doc: 'status or range -> the status sent instead, e.g. "418": 404' },
    { name: 'errorRequestHeaders', type: 'list', doc: 'only these request headers go to the error service (default: all)' },
  ],
}

export const forwardAuthSchema: Schema = {
  type: 'forwardAuth',
  doc: 'asks an authentication server about each request; a 2xx lets it through',
  fields: [
    { name: 'address', type: 'string', doc: 'URL of the authentication server (http:// or https://, path and query kept)' },
    { name: 'tls', type: 'object', fields: TLS_FIELDS, doc: 'TLS to an https:// authentication server' },
    bool('trustForwardHeader', 'accepted; pier never passes X-Forwarded-* headers a client sent (it has no trusted forwarders)'),
    list('authResponseHeaders', 'headers copied from a 2xx auth response onto the request (a client copy is removed)'),
    { name: 'authResponseHeadersRegex', type: 'string', doc: 'Go regex: request headers matching it are removed, auth response ones matching it copied' },
    list('authRequestHeaders', 'only these request headers go to the auth server (default: all)'),
    list('addAuthCookiesToResponse', 'cookies from the auth response set on the response too'),
    { name: 'headerField', type: 'string', doc: 'auth response header naming the user (for the access log)', ignored: true },
    bool('forwardBody', 'send the request body to the auth server too'),
    { name: 'maxBodySize', type: 'int', default: '-1', doc: 'with forwardBody: larger bodies get 401 (-1: no limit)' },
    { name: 'maxResponseBodySize', type: 'int', default: '-1', doc: 'larger auth responses give 401 (-1: no limit)' },
    bool('preserveLocationHeader', 'pass a relative Location from the auth server as is'),
    bool('preserveRequestMethod', "call the auth server with the request's method instead of GET"),
    { name: 'authSigninURL', type: 'string', doc: 'redirect a 401 from the auth server here (302)' },
  ],
}

export const headersSchema: Schema = {
  type: 'headers',
  doc: 'sets or removes request and response headers, security headers and CORS',
  fields: [
    { name: 'customRequestHeaders', type: 'map', doc: 'headers set on the request; an empty value removes the header' },
    { name: 'customResponseHeaders', type: 'map', doc: 'headers set on the response; an empty value removes the header' },
    bool('accessControlAllowCredentials', 'CORS: Access-Control-Allow-Credentials: true'),
    list('accessControlAllowHeaders', 'CORS: headers a preflight allows (* echoes the asked ones with credentials)'),
    list('accessControlAllowMethods', 'CORS: methods a preflight allows (* echoes the asked one with credentials)'),
    list('accessControlAllowOriginList', 'CORS: allowed origins, or *'),
    list('accessControlAllowOriginListRegex', 'CORS: allowed origins as Go regexes'),
    list('accessControlExposeHeaders', 'CORS: Access-Control-Expose-Headers'),
    { name: 'accessControlMaxAge', type: 'int', doc: 'CORS: seconds a preflight may be cached' },
    bool('addVaryHeader', 'CORS: add Origin to Vary'),
    list('allowedHosts', 'hosts allowed; any other gets 500 Bad Host'),
    list('hostsProxyHeaders', 'headers that may carry the host for allowedHosts'),
    { name: 'sslProxyHeaders', type: 'map', doc: 'header values that mark a request as HTTPS' },
    { name: 'stsSeconds', type: 'int', default: '0', doc: 'Strict-Transport-Security max-age on HTTPS responses (0: none)' },
    bool('stsIncludeSubdomains', 'adds includeSubDomains to Strict-Transport-Security'),
    bool('stsPreload', 'adds preload to Strict-Transport-Security'),
    bool('forceSTSHeader', 'Strict-Transport-Security on plain HTTP responses too'),
    bool('frameDeny', 'X-Frame-Options: DENY'),
    str('customFrameOptionsValue', 'X-Frame-Options value (wins over frameDeny)'),
    bool('contentTypeNosniff', 'X-Content-Type-Options: nosniff'),
    bool('browserXssFilter', 'X-XSS-Protection: 1; mode=block'),
    str('customBrowserXSSValue', 'X-XSS-Protection value (wins over browserXssFilter)'),
    str('contentSecurityPolicy', 'Content-Security-Policy value'),
    str('contentSecurityPolicyReportOnly', 'Content-Security-Policy-Report-Only value'),
    str('publicKey', 'Public-Key-Pins value (HTTPS only)'),
    str('referrerPolicy', 'Referrer-Policy value'),
    str('permissionsPolicy', 'Permissions-Policy value'),
    bool('isDevelopment', 'turns off allowedHosts, SSL redirects and Strict-Transport-Security'),
    str('featurePolicy', 'Traefik v2: Feature-Policy value'),
    bool('sslRedirect', 'Traefik v2: redirect plain HTTP to HTTPS (301)'),
    bool('sslTemporaryRedirect', 'Traefik v2: as sslRedirect, with 307'),
    str('sslHost', 'Traefik v2: the host to redirect to'),
    bool('sslForceHost', 'Traefik v2: redirect to sslHost even from HTTPS'),
  ],
}

export const inFlightReqSchema: Schema = {
  type: 'inFlightReq',
  doc: 'limits the requests in progress per source; one budget for all worker threads',
  fields: [
    { name: 'amount', type: 'int', doc: 'requests allowed in progress at once' },
    { name: 'sourceCriterion', type: 'object', fields: SOURCE_FIELDS, doc: 'what counts as one source (default: the Host)' },
  ],
}

export const rateLimitSchema: Schema = {
  type: 'rateLimit',
  doc: 'limits requests per source to average per period, with bursts; one budget for all worker threads',
  fields: [
    { name: 'average', type: 'int', default: '0', doc: 'requests allowed per period (0: no limit)' },
    { name: 'period', type: 'duration', default: '1s', doc: 'the period average counts over' },
    { name: 'burst', type: 'int', default: '1', doc: 'requests allowed at once beyond the rate' },
    { name: 'sourceCriterion', type: 'object', fields: SOURCE_FIELDS, doc: 'what counts as one source (default: the client address)' },
    { name: 'redis', type: 'object', fields: [], doc: 'Traefik keeps buckets in Redis; pier shares them between its threads', ignored: true },
  ],
}

export const redirectRegexSchema: Schema = {
  type: 'redirectRegex',
  doc: 'redirects when a regex over the request URL matches',
  fields: [
    { name: 'regex', type: 'string', doc: 'Go regex matched against scheme://host[:port]/path?query' },
    { name: 'replacement', type: 'string', doc: 'the new URL; $1, ${1} and ${name} insert groups' },
    { name: 'permanent', type: 'bool', default: 'false', doc: '301/308 instead of 302/307' },
  ],
}

export const redirectSchemeSchema: Schema = {
  type: 'redirectScheme',
  doc: 'redirects to another scheme (and port)',
  fields: [
    { name: 'scheme', type: 'string', doc: 'the scheme to redirect to, e.g. https' },
    { name: 'port', type: 'string', doc: "the port to redirect to; none keeps the client's host without a port" },
    { name: 'permanent', type: 'bool', default: 'false', doc: '301/308 instead of 302/307' },
  ],
}

export const replacePathSchema: Schema = {
  type: 'replacePath',
  doc: 'replaces the path; X-Replaced-Path carries the original',
  fields: [{ name: 'path', type: 'string', doc: 'the path to forward (percent-encoded as it goes on the wire)' }],
}

export const replacePathRegexSchema: Schema = {
  type: 'replacePathRegex',
  doc: 'rewrites the path with a regex; X-Replaced-Path carries the original',
  fields: [
    { name: 'regex', type: 'string', doc: 'Go regex matched against the percent-encoded path' },
    { name: 'replacement', type: 'string', doc: 'the new path; $1, ${1} and ${name} insert groups' },
  ],
}

export const retrySchema: Schema = {
  type: 'retry',
  doc: 'tries a request again when its server cannot be reached (or answers a listed status), up to attempts tries',
  fields: [
    { name: 'attempts', type: 'int', doc: 'tries in all, the first one included' },
    { name: 'initialInterval', type: 'duration', default: '0', doc: 'first wait of the exponential backoff (it grows to twice this); 0: at once' },
    { name: 'timeout', type: 'duration', default: '0', doc: 'no new try after this long since the request began; 0: no limit' },
    { name: 'status', type: 'list', doc: 'statuses or ranges (500-599) whose responses are dropped and the request tried again' },
    { name: 'maxRequestBodyBytes', type: 'int', default: '2097152', doc: 'largest body kept for a retry on status (-1: no limit)' },
    { name: 'disableRetryOnNetworkError', type: 'bool', default: 'false', doc: 'no retry after a connection failure' },
    { name: 'retryNonIdempotentMethod', type: 'bool', default: 'false', doc: 'retry on status POST, PATCH and LOCK too' },
  ],
}

export const stripPrefixSchema: Schema = {
  type: 'stripPrefix',
  doc: 'removes a prefix from the path before forwarding; X-Forwarded-Prefix carries it',
  fields: [
    { name: 'prefixes', type: 'list', doc: 'prefixes to strip; the first the path starts with is removed' },
    { name: 'forceSlash', type: 'bool', default: 'false', doc: 'deprecated in Traefik: a path left empty becomes "/" (on the wire it always does)' },
  ],
}

export const stripPrefixRegexSchema: Schema = {
  type: 'stripPrefixRegex',
  doc: 'removes a path prefix found by a regex; X-Forwarded-Prefix carries it',
  fields: [{ name: 'regex', type: 'list', doc: 'Go regexes; the first whose match starts the path is removed' }],
}

const ipFields = (withStatus: boolean): Field[] => [
  { name: 'sourceRange', type: 'list', doc: 'allowed IPs and CIDRs' },
  { name: 'ipStrategy', type: 'object', fields: IP_STRATEGY_FIELDS, doc: 'which address is the client (default: the connection)' },
  ...(withStatus ? [{ name: 'rejectStatusCode', type: 'int' as const, default: '403', doc: 'status for refused requests' }] : []),
]

export const ipAllowListSchema: Schema = { type: 'ipAllowList', doc: 'lets only client addresses in sourceRange through', fields: ipFields(true) }

export const ipWhiteListSchema: Schema = { type: 'ipWhiteList', doc: 'Traefik v2 name of ipAllowList (403 for refused requests)', fields: ipFields(false) }

/** Every kind's schema, in the order kinds.ts lists the kinds. */
export const SCHEMAS: readonly Schema[] = [
  addPrefixSchema,
  basicAuthSchema,
  bufferingSchema,
  chainSchema,
  circuitBreakerSchema,
  compressSchema,
  contentTypeSchema,
  digestAuthSchema,
  errorsSchema,
  forwardAuthSchema,
  headersSchema,
  inFlightReqSchema,
  ipAllowListSchema,
  ipWhiteListSchema,
  rateLimitSchema,
  redirectRegexSchema,
  redirectSchemeSchema,
  replacePathSchema,
  replacePathRegexSchema,
  retrySchema,
  stripPrefixSchema,
  stripPrefixRegexSchema,
]

const byLower = new Map(SCHEMAS.map((s) => [s.type.toLowerCase(), s]))

/** The schema for a type key in any case (Traefik's decoder ignores case), or undefined. */
export function schemaOf(type: string): Schema | undefined {
  return byLower.get(type.toLowerCase())
}

/** Traefik's middleware types pier does not have: a router using one is disabled. */
export const UNSUPPORTED_TYPES: Record<string, string> = {
  passTLSClientCert: 'passing TLS client certificates is not supported',
  plugin: 'plugins are not supported',
  grpcWeb: 'gRPC-Web is not supported',
  encodedCharacters: 'encodedCharacters is not supported yet',
}

/** Canonical spelling of an unsupported Traefik type, if type is one. */
export function unsupportedType(type: string): string | undefined {
  return Object.keys(UNSUPPORTED_TYPES).find((t) => t.toLowerCase() === type.toLowerCase())
}
