// Every static configuration key pier accepts, in Traefik's spelling, with
// what it does to the draft. Keys match case-insensitively (Traefik lower-cases
// them); `<name>` stands for a user-chosen name such as an entrypoint's.
import type { Draft, EngineDraft, TrustDraft, V1EntryPointDraft } from './draft.js'
import type { ClientLimits } from './static.js'
import * as V from './values.js'
import type { Value } from './values.js'
import { ConfigError, ConfigErrorCode } from './errors.js'
import { nearest } from './suggest.js'
import { defineTlsKeys, epHttp } from './keys-tls.js'
import { defineV1Keys } from './keys-v1.js'

export interface KeySpec {
  /** Display spelling, e.g. entryPoints.<name>.address */
  key: string
  /** Lower-cased segments, '*' for a name, `list[#]` for an index */
  parts: string[]
  /** May be given as a bare flag (booleans and sections) */
  bare: boolean
  apply(d: Draft, v: Value, name: string, index: number): void
}

type Apply = KeySpec['apply']

const specs: KeySpec[] = []

const pattern = (key: string): string[] => key.toLowerCase().split('.').map((p) => (p === '<name>' ? '*' : p.replace(/\[<i>\]$/, '[#]')))

function def(key: string, bare: boolean, apply: Apply): void {
  specs.push({ key, parts: pattern(key), bare, apply })
}

// pier itself
def('configFile', false, () => {}) // read before everything else by parse.ts
def('workers', false, (d, v) => (d.workers = V.int(v, 1, 1024)))
def('webSocket.maxMessageSize', false, (d, v) => (d.webSocket.maxMessageSize = V.byteSize(v, 125, 1 << 30)))
def('webSocket.compression', true, (d, v) => (d.webSocket.compression = V.bool(v)))

// entrypoints
def('entryPoints.<name>.address', false, (d, v, name) => setEntryPoint(d, name, v))
def('entryPoints.<name>.http.middlewares', false, (d, v, name) => {
  const names = V.str(v).split(',').map((s) => s.trim()).filter((s) => s !== '')
  d.epMiddlewares.set(name.toLowerCase(), { names, at: v.at })
})
// v1: --entryPoints='Name:http Address::80'
def('entryPoints', false, (d, v) => {
  d.v1 = true
  for (const { name, address, words } of V.v1EntryPoints(v)) setEntryPoint(d, name, { raw: address, at: v.at }, words)
})

// v1 TOML: compress = true, [entryPoints.<name>.whiteList] sourceRange / useXForwardedFor (and whitelistSourceRange before it)
const v1ep = (d: Draft, name: string, v: Value): V1EntryPointDraft => {
  const key = name.toLowerCase()
  let e = d.epV1.get(key)
  if (!e) d.epV1.set(key, (e = { auth: {}, at: v.at }))
  return e
}
def('entryPoints.<name>.compress', true, (d, v, name) => (v1ep(d, name, v).compress = V.bool(v)))
def('entryPoints.<name>.whiteList.sourceRange', false, (d, v, name) => (v1ep(d, name, v).whiteList = V.ipList(v)))
def('entryPoints.<name>.whitelistSourceRange', false, (d, v, name) => (v1ep(d, name, v).whiteList = V.ipList(v)))
def('entryPoints.<name>.whiteList.useXForwardedFor', true, (d, v, name) => (v1ep(d, name, v).useXForwardedFor = V.bool(v)))
// v1 [entryPoints.<name>.auth]: basic, digest or forward auth on every router of the entrypoint
const list = (v: Value): string[] => V.str(v).split(',').map((s) => s.trim()).filter((s) => s !== '')
const auth = (kind: 'basic' | 'digest' | 'forward', path: string[], read: (v: Value) => unknown): Apply => (d, v, name) => {
  let at: Record<string, unknown> = (v1ep(d, name, v).auth[kind] ??= {})
  for (const p of path.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>
  at[path[path.length - 1]!] = read(v)
}
for (const kind of ['basic', 'digest'] as const) {
  def(`entryPoints.<name>.auth.${kind}.users`, false, auth(kind, ['users'], list))
  def(`entryPoints.<name>.auth.${kind}.usersFile`, false, auth(kind, ['usersFile'], V.str))
  def(`entryPoints.<name>.auth.${kind}.removeHeader`, true, auth(kind, ['removeHeader'], V.bool))
}
def('entryPoints.<name>.auth.forward.address', false, auth('forward', ['address'], V.str))
def('entryPoints.<name>.auth.forward.trustForwardHeader', true, auth('forward', ['trustForwardHeader'], V.bool))
def('entryPoints.<name>.auth.forward.authResponseHeaders', false, auth('forward', ['authResponseHeaders'], list))
for (const k of ['ca', 'cert', 'key']) def(`entryPoints.<name>.auth.forward.tls.${k}`, false, auth('forward', ['tls', k], V.str))
for (const k of ['caOptional', 'insecureSkipVerify']) def(`entryPoints.<name>.auth.forward.tls.${k}`, true, auth('forward', ['tls', k], V.bool))
def('entryPoints.<name>.auth.headerField', false, (d, v, name) => (v1ep(d, name, v).auth.headerField = V.str(v)))

// client connections of an entrypoint
const limit = (d: Draft, name: string, v: Value): Partial<ClientLimits> => {
  const key = name.toLowerCase()
  let l = d.clientLimits.get(key)
  if (!l) d.clientLimits.set(key, (l = { at: v.at }))
  return l
}
const responding = 'entryPoints.<name>.transport.respondingTimeouts'
def(`${responding}.readTimeout`, false, (d, v, name) => (limit(d, name, v).readTimeoutMs = V.duration(v)))
def(`${responding}.writeTimeout`, false, (d, v, name) => (limit(d, name, v).writeTimeoutMs = V.duration(v)))
def(`${responding}.idleTimeout`, false, (d, v, name) => (limit(d, name, v).idleTimeoutMs = V.duration(v)))
def('entryPoints.<name>.http.maxHeaderBytes', false, (d, v, name) => (limit(d, name, v).maxHeaderBytes = V.int(v, 1024, 1 << 24)))
def('entryPoints.<name>.udp.timeout', false, (d, v, name) => {
  const ms = V.duration(v)
  if (ms <= 0) throw new ConfigError(ConfigErrorCode.BAD_VALUE, `${V.describe(v.at)}: the UDP session timeout must be more than 0 (Traefik's default is 3s)`)
  d.udpTimeouts.set(name.toLowerCase(), { ms, at: v.at })
})
def('entryPoints.<name>.http.maxRequestLineBytes', false, (d, v, name) => (limit(d, name, v).maxRequestLineBytes = V.int(v, 256, 1 << 24)))

// whom an entrypoint believes about the client
const trust = (d: Draft, name: string, v: Value): TrustDraft => {
  const key = name.toLowerCase()
  let t = d.clientTrust.get(key)
  if (!t) d.clientTrust.set(key, (t = { at: v.at }))
  return t
}
def('entryPoints.<name>.forwardedHeaders.trustedIPs', false, (d, v, name) => (trust(d, name, v).forwardedTrusted = V.ipList(v)))
def('entryPoints.<name>.forwardedHeaders.insecure', true, (d, v, name) => (trust(d, name, v).forwardedInsecure = V.bool(v)))
def('entryPoints.<name>.forwardedHeaders.notAppendXForwardedFor', true, (d, v, name) => (trust(d, name, v).notAppendXForwardedFor = V.bool(v)))
// Traefik keeps these Connection-listed headers visible to middlewares; pier drops them before forwarding either way.
def('entryPoints.<name>.forwardedHeaders.connection', false, (d, v, name) => (trust(d, name, v), V.str(v)))
def('entryPoints.<name>.proxyProtocol', true, (d, v, name) => (trust(d, name, v).proxyProtocol = V.bool(v)))
def('entryPoints.<name>.proxyProtocol.trustedIPs', false, (d, v, name) => {
  const t = trust(d, name, v)
  t.proxyProtocol = true
  t.proxyTrusted = V.ipList(v)
})
def('entryPoints.<name>.proxyProtocol.insecure', true, (d, v, name) => {
  const t = trust(d, name, v)
  t.proxyProtocol = true
  t.proxyInsecure = V.bool(v)
})

// providers
def('providers.providersThrottleDuration', false, (d, v) => (d.throttleMs = V.duration(v)))
def('providersThrottleDuration', false, (d, v) => (d.throttleMs = V.duration(v))) // v1
def('providers.file.filename', false, (d, v) => ((d.file.filename = V.str(v)), (d.file.touched = true)))
def('providers.file.directory', false, (d, v) => ((d.file.directory = V.str(v)), (d.file.touched = true)))
def('providers.file.watch', true, (d, v) => ((d.file.watch = V.bool(v)), (d.file.touched = true)))
// v1: --file and [file]; its frontends and backends may follow in the same traefik.toml
def('file', true, (d, v) => ((d.file.on = V.bool(v)), (d.file.v1 = true)))
def('file.filename', false, (d, v) => ((d.file.filename = V.str(v)), (d.file.touched = d.file.v1 = true)))
def('file.directory', false, (d, v) => ((d.file.directory = V.str(v)), (d.file.touched = d.file.v1 = true)))
def('file.watch', true, (d, v) => ((d.file.watch = V.bool(v)), (d.file.touched = d.file.v1 = true)))

// The options the docker and swarm providers share, under one prefix.
function engineKeys(prefix: string, section: (d: Draft) => EngineDraft, v1 = false): void {
  const set = (f: (e: EngineDraft, v: Value) => void): Apply => (d, v) => {
    const e = section(d)
    f(e, v)
    e.touched = true
    if (v1) e.v1 = true
  }
  def(prefix, true, (d, v) => {
    const e = section(d)
    e.on = V.bool(v)
    if (v1) e.v1 = true
  })
  def(`${prefix}.endpoint`, false, set((e, v) => (e.endpoint = V.dockerEndpoint(v))))
  def(`${prefix}.tls.ca`, false, set((e, v) => (e.tls.ca = V.str(v))))
  def(`${prefix}.tls.cert`, false, set((e, v) => (e.tls.cert = V.str(v))))
  def(`${prefix}.tls.key`, false, set((e, v) => (e.tls.key = V.str(v))))
  def(`${prefix}.tls.insecureSkipVerify`, true, set((e, v) => (e.tls.insecureSkipVerify = V.bool(v))))
  def(`${prefix}.exposedByDefault`, true, set((e, v) => (e.exposedByDefault = V.bool(v))))
  def(`${prefix}.network`, false, set((e, v) => (e.network = V.str(v))))
  def(`${prefix}.defaultRule`, false, set((e, v) => (e.defaultRule = V.str(v))))
  def(`${prefix}.watch`, true, set((e, v) => (e.watch = V.bool(v))))
  def(`${prefix}.constraints`, false, set((e, v) => (e.constraints = V.str(v))))
  def(`${prefix}.allowEmptyServices`, true, set((e, v) => (e.allowEmptyServices = V.bool(v))))
}

// docker, v2/v3 spelling and v1 spelling (--docker, --docker.*); v1/v2 swarmMode
for (const prefix of ['providers.docker', 'docker']) {
  const v1 = prefix === 'docker'
  const docker = (f: (dk: Draft['docker'], v: Value) => void): Apply => (d, v) => {
    f(d.docker, v)
    d.docker.touched = true
    if (v1) d.docker.v1 = true
  }
  engineKeys(prefix, (d) => d.docker, v1)
  def(`${prefix}.useBindPortIP`, true, docker((dk, v) => (dk.useBindPortIP = V.bool(v))))
  def(`${prefix}.domain`, false, docker((dk, v) => (dk.domain = V.str(v))))
  def(`${prefix}.swarmMode`, true, docker((dk, v) => (dk.swarmMode = V.bool(v))))
  def(`${prefix}.swarmModeRefreshSeconds`, false, docker((dk, v) => (dk.refreshMs = refresh(v))))
}

// swarm, v3 spelling
engineKeys('providers.swarm', (d) => d.swarm)
def('providers.swarm.refreshSeconds', false, (d, v) => ((d.swarm.refreshMs = refresh(v)), (d.swarm.touched = true)))

/** The Swarm resync interval: a full resync more often than every second would only load the manager. */
function refresh(v: Value): number {
  const ms = V.duration(v)
  if (ms < 1000) throw V.badValue(v, 'a duration of at least 1s (pier follows events in between)')
  return ms
}

/** CA certificates for https backends: file paths (or PEM texts) separated by commas. */
function caList(v: Value): string[] {
  return V.str(v).split(',').map((s) => s.trim()).filter((s) => s !== '')
}

// logs; v1 spelled the section traefikLog (and traefikLogsFile before it)
for (const prefix of ['log', 'traefikLog']) {
  def(`${prefix}.level`, false, (d, v) => (d.log.level = V.level(v)))
  def(`${prefix}.format`, false, (d, v) => (d.log.format = V.format(v)))
  def(`${prefix}.filePath`, false, (d, v) => (d.log.filePath = V.str(v)))
}
def('traefikLog', true, (_d, v) => V.bool(v)) // v1: the section switch; pier always logs
def('traefikLogsFile', false, (d, v) => (d.log.filePath = V.str(v)))
def('logLevel', false, (d, v) => (d.log.level = V.level(v))) // v1
def('log.noColor', true, (_d, v) => V.bool(v)) // pier's lines have no colour
def('log.maxSize', false, (d, v) => (d.log.maxSize = V.int(v, 0, 1_000_000)))
def('log.maxBackups', false, (d, v) => (d.log.maxBackups = V.int(v, 0, 1_000_000)))
def('log.maxAge', false, (d, v) => (d.log.maxAge = V.int(v, 0, 100_000)))
def('log.compress', true, (d, v) => (d.log.compress = V.bool(v)))

// backends
def('serversTransport.forwardingTimeouts.responseHeaderTimeout', false, (d, v) => (d.transport.responseHeaderTimeoutMs = V.duration(v)))
def('serversTransport.forwardingTimeouts.dialTimeout', false, (d, v) => (d.transport.dialTimeoutMs = V.duration(v)))
def('serversTransport.forwardingTimeouts.idleConnTimeout', false, (d, v) => (d.transport.idleConnTimeoutMs = V.duration(v)))
def('serversTransport.maxIdleConnsPerHost', false, (d, v) => (d.transport.maxIdleConnsPerHost = V.int(v, 1, 100_000)))
def('serversTransport.insecureSkipVerify', true, (d, v) => (d.transport.insecureSkipVerify = V.bool(v)))
def('serversTransport.rootCAs', false, (d, v) => (d.transport.rootCAs = caList(v)))
def('InsecureSkipVerify', true, (d, v) => (d.transport.insecureSkipVerify = V.bool(v))) // v1
def('RootCAs', false, (d, v) => (d.transport.rootCAs = caList(v))) // v1
def('serversTransport.maxResponseHeaderBytes', false, (d, v) => (d.transport.maxResponseHeaderBytes = V.int(v, 1024, 1 << 24)))
def('lifecycle.graceTimeOut', false, (d, v) => (d.graceTimeOutMs = V.duration(v)))

// API, dashboard, ping
def('api', true, (d, v) => (d.api.on = V.bool(v)))
def('api.insecure', true, (d, v) => ((d.api.insecure = V.bool(v)), (d.api.touched = true)))
def('api.dashboard', true, (d, v) => ((d.api.dashboard = V.bool(v)), (d.api.touched = true)))
// v1 [api] entryPoint: pier serves the v1 API on the traefik entrypoint only
def('api.entryPoint', false, (d, v) => {
  if (V.str(v) !== 'traefik') throw new ConfigError(ConfigErrorCode.BAD_VALUE, `${V.describe(v.at)}: pier serves the Traefik 1.x API on the entrypoint named traefik only (set entryPoints.traefik.address instead)`)
  d.v1 = true
  d.api.touched = true
})
// cosmetic: pier's dashboard has no ad and one name
def('api.disableDashboardAd', true, (d, v) => (V.bool(v), (d.api.touched = true)))
def('api.dashboardName', false, (d, v) => (V.str(v), (d.api.touched = true)))
// pier serves the API and dashboard at the root only
def('api.basePath', false, (d, v) => {
  if (V.str(v) !== '/') throw new ConfigError(ConfigErrorCode.UNSUPPORTED, `${V.describe(v.at)}: pier serves the API and dashboard at / only (put a stripPrefix middleware on the router to serve them under a path)`)
  d.api.touched = true
})
def('api.debug', true, (d, v) => ((d.api.debug = V.bool(v)), (d.api.touched = true)))
// v1 --web: the API and dashboard on :8080, with /ping as Traefik 1.x's web provider served it
def('web', true, (d, v) => {
  const on = V.bool(v)
  d.api.on = on
  d.api.insecure = on
  d.ping.on ??= on
  d.v1 = true
})
def('web.address', false, (d, v) => {
  setEntryPoint(d, 'traefik', v)
  d.api.insecure = true
  d.api.touched = true
  d.v1 = true
})
// v1: the REST provider's writes were off; pier's API is read-only anyway
def('web.readOnly', true, (d, v) => (V.bool(v), (d.v1 = true)))
def('ping', true, (d, v) => (d.ping.on = V.bool(v)))
def('ping.entryPoint', false, (d, v) => ((d.ping.entryPoint = V.str(v)), (d.ping.entryPointAt = v.at), (d.ping.touched = true)))
def('ping.manualRouting', true, (d, v) => ((d.ping.manualRouting = V.bool(v)), (d.ping.touched = true)))
def('ping.terminatingStatusCode', false, (d, v) => ((d.ping.terminatingStatusCode = V.int(v, 100, 599)), (d.ping.touched = true)))

// metrics
def('metrics.prometheus', true, (d, v) => (d.prometheus.on = V.bool(v)))
def('metrics.prometheus.buckets', false, (d, v) => ((d.prometheus.buckets = V.buckets(v)), (d.prometheus.touched = true)))
def('metrics.prometheus.entryPoint', false, (d, v) => {
  d.prometheus.entryPoint = V.str(v)
  d.prometheus.entryPointAt = v.at
  d.prometheus.touched = true
})
def('metrics.prometheus.manualRouting', true, (d, v) => ((d.prometheus.manualRouting = V.bool(v)), (d.prometheus.touched = true)))
// Traefik's label switches: accepted so Traefik flags load; pier always
// exports the entrypoint, router and service series.
for (const k of ['addEntryPointsLabels', 'addRoutersLabels', 'addServicesLabels']) {
  def(`metrics.prometheus.${k}`, true, (d, v) => {
    V.bool(v)
    d.prometheus.touched = true
  })
}

// access log
def('accessLog', true, (d, v) => (d.accessLog.on = V.bool(v)))
def('accessLog.filePath', false, (d, v) => ((d.accessLog.filePath = V.str(v)), (d.accessLog.touched = true)))
def('accessLogsFile', false, (d, v) => ((d.accessLog.filePath = V.str(v)), (d.accessLog.touched = true))) // v1
def('accessLog.format', false, (d, v) => ((d.accessLog.format = V.accessLogFormat(v)), (d.accessLog.touched = true)))
def('accessLog.bufferingSize', false, (d, v) => ((d.accessLog.bufferingSize = V.int(v, 0, 1_000_000)), (d.accessLog.touched = true)))
const accessLog = (f: (a: Draft['accessLog'], v: Value, name: string) => void): Apply => (d, v, name) => {
  f(d.accessLog, v, name)
  d.accessLog.touched = true
}
const fields = (a: Draft['accessLog']) => (a.fields ??= { names: {}, headers: {} })
def('accessLog.filters', true, accessLog((a) => (a.filters ??= {})))
def('accessLog.filters.statusCodes', false, accessLog((a, v) => ((a.filters ??= {}).statusCodes = V.statusCodes(v))))
def('accessLog.filters.retryAttempts', true, accessLog((a, v) => ((a.filters ??= {}).retryAttempts = V.bool(v))))
def('accessLog.filters.minDuration', false, accessLog((a, v) => ((a.filters ??= {}).minDurationMs = V.duration(v))))
def('accessLog.fields', true, accessLog((a) => fields(a)))
def('accessLog.fields.defaultMode', false, accessLog((a, v) => (fields(a).defaultMode = V.fieldMode(v, false))))
def('accessLog.fields.names.<name>', false, accessLog((a, v, name) => (fields(a).names[name.toLowerCase()] = V.fieldMode(v, false))))
def('accessLog.fields.headers', true, accessLog((a) => fields(a)))
def('accessLog.fields.headers.defaultMode', false, accessLog((a, v) => (fields(a).headersMode = V.fieldMode(v, true))))
def('accessLog.fields.headers.names.<name>', false, accessLog((a, v, name) => (fields(a).headers[name] = V.fieldMode(v, true))))
def('accessLog.fields.queryParameters.defaultMode', false, accessLog((a, v) => (fields(a).queryParameters = V.fieldMode(v, false))))

defineTlsKeys(def)
defineV1Keys(def)

// Traefik's phone-home switches: accepted so Traefik files load; pier never phones home.
def('global.checkNewVersion', true, (_d, v) => V.bool(v))
def('global.sendAnonymousUsage', true, (_d, v) => V.bool(v))

function setEntryPoint(d: Draft, name: string, v: Value, v1Tls?: V.V1TlsWords): void {
  const ep = V.address(v)
  const key = name.toLowerCase()
  const prev = d.entryPoints.get(key)
  // the API entrypoint is found by its exact name `traefik`, whatever case the user wrote
  d.entryPoints.set(key, { name: key === 'traefik' ? key : (prev?.name ?? name), ...ep })
  if (v1Tls) epHttpTls(d, name, v1Tls)
}

/** v1 `TLS` (bare) or `TLS:cert.pem,key.pem` on an entrypoint, and `Redirect.EntryPoint:https`. */
function epHttpTls(d: Draft, name: string, t: V.V1TlsWords): void {
  const h = epHttp(d, name)
  if (t.tls) h.tls = true
  if (t.cert) d.certificates.set(`${name.toLowerCase()}[v1]`, t.cert)
  if (t.redirectTo) h.redirect.to = t.redirectTo
  if (t.redirectPermanent !== undefined) h.redirect.permanent = t.redirectPermanent
  const at = { label: '--entryPoints', where: undefined }
  if (t.compress !== undefined) v1ep(d, name, { raw: true, at }).compress = t.compress
  if (t.whiteList) v1ep(d, name, { raw: true, at }).whiteList = t.whiteList
  if (t.whiteListXff !== undefined) v1ep(d, name, { raw: true, at }).useXForwardedFor = t.whiteListXff
  if (t.auth) Object.assign(v1ep(d, name, { raw: true, at }).auth, t.auth)
  if (t.forwardedTrusted || t.forwardedInsecure !== undefined) {
    const tr = trust(d, name, { raw: true, at })
    if (t.forwardedTrusted) tr.forwardedTrusted = t.forwardedTrusted
    if (t.forwardedInsecure !== undefined) tr.forwardedInsecure = t.forwardedInsecure
  }
  if (t.proxyTrusted || t.proxyInsecure !== undefined) {
    const tr = trust(d, name, { raw: true, at })
    tr.proxyProtocol = true
    if (t.proxyTrusted) tr.proxyTrusted = t.proxyTrusted
    if (t.proxyInsecure !== undefined) tr.proxyInsecure = t.proxyInsecure
  }
}

/** Traefik options pier knows of but does not implement (matched by prefix). */
const unsupported: Array<[string, string]> = [
  ['entryPoints.<name>', 'of an entrypoint, pier supports address, http.tls, http.redirections.entryPoint, http.middlewares, transport.respondingTimeouts (readTimeout, writeTimeout, idleTimeout), http.maxHeaderBytes, http.maxRequestLineBytes, forwardedHeaders (trustedIPs, insecure, notAppendXForwardedFor, connection), proxyProtocol (trustedIPs, insecure) and udp.timeout'],
  ['entryPoints.<name>.forwardedHeaders', 'of forwardedHeaders, pier supports trustedIPs, insecure, notAppendXForwardedFor and connection'],
  ['entryPoints.<name>.proxyProtocol', 'of proxyProtocol, pier supports trustedIPs and insecure'],
  ['entryPoints.<name>.http', 'of an entrypoint, pier supports http.tls (certResolver, domains, options), http.redirections.entryPoint, http.middlewares, http.maxHeaderBytes and http.maxRequestLineBytes'],
  ['entryPoints.<name>.transport', 'of an entrypoint\'s transport, pier supports respondingTimeouts (readTimeout, writeTimeout, idleTimeout)'],
  ['certificatesResolvers.<name>', 'pier has ACME resolvers (certificatesResolvers.<name>.acme)'],
  ['certificatesResolvers.<name>.acme', 'of ACME, pier supports email, storage, caServer, keyType, certificatesDuration, preferredChain, eab, httpChallenge, tlsChallenge, caCertificates'],
  ['acme', 'of Traefik 1.7 ACME, pier supports email, storage, caServer, keyType, entryPoint, onHostRule, httpChallenge.entryPoint'],
  ['tracing', 'tracing is not supported'],
  ['experimental', 'plugins and experimental features are not supported'],
  ['hub', 'Traefik Hub is not supported'],
  ['pilot', 'Traefik Pilot is not supported'],
  ['spiffe', 'SPIFFE is not supported'],
  ['ocsp', 'OCSP stapling is not supported'],
  ['tcpServersTransport', 'static TCP serversTransport options are not supported (pier dials TCP servers with Traefik\'s default 30 s dial timeout)'],
  ['serversTransport', 'of serversTransport, pier supports insecureSkipVerify, rootCAs, forwardingTimeouts (responseHeaderTimeout, dialTimeout, idleConnTimeout), maxIdleConnsPerHost and maxResponseHeaderBytes'],
  ['providers', 'pier has the file, docker and swarm providers'],
  ['providers.file', 'of the file provider, pier supports filename, directory and watch'],
  ['providers.docker', 'of the docker provider, pier supports endpoint, tls, exposedByDefault, network, defaultRule, watch, constraints, allowEmptyServices, useBindPortIP, swarmMode, swarmModeRefreshSeconds'],
  ['providers.swarm', 'of the swarm provider, pier supports endpoint, tls, exposedByDefault, network, defaultRule, watch, constraints, allowEmptyServices, refreshSeconds'],
  ['docker', 'the v1 --docker.* spellings take the same options as providers.docker, plus domain'],
  ['file', 'of the Traefik v1 file provider, pier supports filename, directory and watch'],
  ['log', 'of logs, pier supports level, format, filePath, noColor, maxSize, maxBackups, maxAge and compress'],
  ['traefikLog', 'of the v1 traefikLog section, pier supports filePath and format'],
  ['accessLog', 'of the access log, pier supports filePath, format, bufferingSize, filters and fields'],
  ['metrics', 'only Prometheus metrics are supported'],
  ['metrics.prometheus', 'of Prometheus metrics, pier supports buckets, entryPoint and manualRouting (and always adds entrypoint, router and service labels)'],
  ['api', 'of the API, pier supports insecure, dashboard, debug, basePath (/ only), dashboardName and disableDashboardAd'],
  ['ping', 'of ping, pier supports entryPoint, manualRouting and terminatingStatusCode'],
  ['web', 'of Traefik 1.x --web, pier supports address and readOnly; for auth or TLS in front of the API and dashboard, use --api with a router to api@internal (basicAuth middleware, tls)'],
  ['lifecycle', 'of lifecycle, pier supports graceTimeOut'],
  ['global', 'of global, pier accepts checkNewVersion and sendAnonymousUsage'],
]
const unsupportedParts = unsupported
  .map(([key, why]) => ({ why, parts: key.toLowerCase().split('.').map((p) => (p === '<name>' ? '*' : p)) }))
  // longest prefix first, so the most specific explanation wins
  .sort((a, b) => b.parts.length - a.parts.length)

function partMatches(p: string, part: string): boolean {
  if (p === '*' || p === part) return true
  return p.endsWith('[#]') && part.startsWith(p.slice(0, -2)) && /^\d+\]$/.test(part.slice(p.length - 2))
}

function matches(pattern: string[], parts: string[]): boolean {
  return pattern.length === parts.length && pattern.every((p, i) => partMatches(p, parts[i]!))
}

export interface Found {
  spec: KeySpec
  /** The value of the <name> segment, as written */
  name: string
  /** The number in a `[i]` segment, else 0 */
  index: number
}

/** The spec for a dotted key (any case), or undefined. */
export function findKey(key: string): Found | undefined {
  const written = key.split('.')
  const parts = written.map((p) => p.toLowerCase())
  if (parts.some((p) => p === '')) return undefined
  for (const spec of specs) {
    if (!matches(spec.parts, parts)) continue
    const i = spec.parts.indexOf('*')
    const at = spec.parts.findIndex((p) => p.endsWith('[#]'))
    return { spec, name: i >= 0 ? written[i]! : '', index: at >= 0 ? Number(/\[(\d+)\]$/.exec(parts[at]!)![1]) : 0 }
  }
  return undefined
}

/** Why a Traefik key that pier lacks is unsupported, when it is one Traefik has. */
function unsupportedReason(key: string): string | undefined {
  const parts = key.toLowerCase().split('.')
  for (const u of unsupportedParts) {
    if (u.parts.length > parts.length) continue
    if (u.parts.every((p, i) => p === '*' || p === parts[i])) return u.why
  }
  return undefined
}

/** True when key is a strict prefix of a known key (a section such as providers.docker.tls). */
export function isSection(key: string): boolean {
  const parts = key.toLowerCase().split('.')
  return specs.some((s) => s.parts.length > parts.length && parts.every((p, i) => partMatches(s.parts[i]!, p)))
}

/** Known keys written with the given key's names filled in, for suggestions. */
function candidates(key: string): string[] {
  const written = key.split('.')
  return specs.map((s) => s.key.split('.').map((p, i) => (p === '<name>' || p.endsWith('[<i>]') ? (written[i] ?? p) : p)).join('.'))
}

/** The error for a key pier does not accept: a typo gets a suggestion, a Traefik option it lacks an explanation. */
export function unknownKeyError(key: string, at: V.Origin): ConfigError {
  const flag = at.label.startsWith('--')
  const label = V.describe(at)
  const last = key.split('.').pop() ?? key
  const near = nearest(key, candidates(key), Math.max(2, Math.floor(last.length / 3)))
  if (near) return new ConfigError(ConfigErrorCode.UNKNOWN_KEY, `unknown option ${label}; did you mean ${flag ? '--' : ''}${near}?`)
  const why = unsupportedReason(key)
  if (why) return new ConfigError(ConfigErrorCode.UNSUPPORTED, `${label} is not supported by pier (${why})`)
  return new ConfigError(ConfigErrorCode.UNKNOWN_KEY, `unknown option ${label}`)
}

/** Every accepted key in its display spelling (for help text and its completeness test). */
export function knownKeys(): string[] {
  return specs.map((s) => s.key)
}
