// Static configuration from Traefik-style flags, TRAEFIK_* environment
// variables and the optional file named by --configFile (or found where
// Traefik looks). Precedence: file < environment < flags (Traefik would use
// only one of them), then defaults fill the rest.
// Throws ConfigError with a message naming the flag or file.
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import type { StaticConfig, DockerTLS, EngineProviderConfig, EntryPoint, ClientLimits, MiddlewareBody } from './static.js'
import { ConfigError, ConfigErrorCode } from './errors.js'
import { emptyDraft, type Draft, type EngineDraft } from './draft.js'
import { readFlags } from './flags.js'
import { readEnv } from './env.js'
import { loadConfigFile } from './file.js'
import { findConfigFile } from './find-file.js'
import { findKey, isSection, unknownKeyError } from './keys.js'
import { describe, str, type Origin } from './values.js'
import { finishTls } from './finish-tls.js'

/** The provider the v1 entrypoint middlewares come from: `<entrypoint>-compress@entrypoints`. */
export const ENTRYPOINT_PROVIDER = 'entrypoints'

export { ConfigError, ConfigErrorCode } from './errors.js'

export const DEFAULT_DOCKER_ENDPOINT = 'unix:///var/run/docker.sock'
export const DEFAULT_DOCKER_RULE = 'Host(`{{ normalize .Name }}`)'
export const DEFAULT_SWARM_REFRESH_MS = 15_000
export const DEFAULT_BUCKETS = [0.1, 0.3, 1.2, 5]
/** Traefik's respondingTimeouts defaults; pier's size limits (Traefik allows 1 MiB of headers). */
export const DEFAULT_CLIENT_LIMITS: ClientLimits = { readTimeoutMs: 60_000, writeTimeoutMs: 0, idleTimeoutMs: 180_000, maxHeaderBytes: 16_384, maxRequestLineBytes: 8192 }
export const DEFAULT_WEBSOCKET_MAX_MESSAGE = 16 * 1024 * 1024

export function parseStaticConfig(argv: string[], env: NodeJS.ProcessEnv): StaticConfig {
  const flags = readFlags(argv)
  const fromEnv = readEnv(env)
  const d = emptyDraft()
  let configFile: string | undefined
  for (const f of [...fromEnv, ...flags]) if (f.spec.key === 'configFile') configFile = str(f.value)
  configFile ??= findConfigFile(env, process.cwd())
  if (configFile !== undefined) applyFile(d, configFile)
  for (const f of [...fromEnv, ...flags]) f.spec.apply(d, f.value, f.name, f.index)
  const cfg = finish(d, env, configFile)
  if (configFile !== undefined) cfg.configFile = configFile
  return cfg
}

function applyFile(d: Draft, file: string): void {
  for (const e of loadConfigFile(file)) {
    const at = { label: e.key, where: e.where }
    const found = findKey(e.key)
    // an empty section (`providers: {}` or `ping:`) only matters when the key itself is a switch
    if (e.raw === true && isSection(e.key) && !found?.spec.bare) continue
    if (!found) throw unknownKeyError(e.key, at)
    if (found.spec.key === 'configFile') throw new ConfigError(ConfigErrorCode.BAD_VALUE, `${describe(at)}: configFile cannot be set inside a config file`)
    found.spec.apply(d, { raw: e.raw, at }, found.name, found.index)
  }
}

/** A section is on when switched on, or when any key inside it was set, unless switched off. */
function isOn(s: { on?: boolean; touched?: boolean }): boolean {
  return s.on ?? s.touched ?? false
}

function finish(d: Draft, env: NodeJS.ProcessEnv, configFile: string | undefined): StaticConfig {
  const entryPoints: Record<string, EntryPoint> = {}
  for (const ep of d.entryPoints.values()) entryPoints[ep.name] = ep.udp ? { host: ep.host, port: ep.port, udp: true } : { host: ep.host, port: ep.port }
  for (const [key, { names, at }] of d.epMiddlewares) {
    const ep = d.entryPoints.get(key)
    if (!ep) throw new ConfigError(ConfigErrorCode.BAD_VALUE, `${describe(at)}: the entrypoint has no address (set entryPoints.<name>.address too)`)
    if (names.length > 0) entryPoints[ep.name]!.middlewares = names
  }
  for (const [key, { ms, at }] of d.udpTimeouts) {
    const ep = d.entryPoints.get(key)
    if (!ep) throw new ConfigError(ConfigErrorCode.BAD_VALUE, `${describe(at)}: no entrypoint named ${JSON.stringify(key)} has an address`)
    // As in Traefik, the key is read for every entrypoint and used only by UDP ones.
    if (ep.udp) entryPoints[ep.name]!.udpTimeoutMs = ms
  }
  const v1Defs = v1EntryPointMiddlewares(d, entryPoints)
  // Traefik: with no entrypoint of the user's own, one default web entrypoint
  if (![...d.entryPoints.keys()].some((k) => k !== 'traefik')) entryPoints.web = { host: '', port: 80 }
  v1Retry(d, entryPoints, v1Defs)
  const needTraefik = (): void => {
    if (!d.entryPoints.has('traefik')) entryPoints.traefik = { host: '', port: 8080 }
  }
  for (const [key, l] of d.clientLimits) {
    if (!d.entryPoints.has(key) && !(key === 'web' && entryPoints.web)) throw new ConfigError(ConfigErrorCode.BAD_VALUE, `${describe(l.at)}: no entrypoint named ${JSON.stringify(key)} has an address`)
  }
  const clientLimits = (name: string): ClientLimits => {
    const l = d.clientLimits.get(name.toLowerCase())
    const D = DEFAULT_CLIENT_LIMITS
    return {
      readTimeoutMs: l?.readTimeoutMs ?? d.v1Responding?.readTimeoutMs ?? D.readTimeoutMs,
      writeTimeoutMs: l?.writeTimeoutMs ?? d.v1Responding?.writeTimeoutMs ?? D.writeTimeoutMs,
      idleTimeoutMs: l?.idleTimeoutMs ?? d.v1Responding?.idleTimeoutMs ?? D.idleTimeoutMs,
      maxHeaderBytes: l?.maxHeaderBytes ?? D.maxHeaderBytes,
      maxRequestLineBytes: l?.maxRequestLineBytes ?? D.maxRequestLineBytes,
    }
  }

  const cfg: StaticConfig = {
    entryPoints,
    clientLimits: {},
    clientTrust: {},
    providers: { throttleMs: d.throttleMs ?? 100 },
    ping: false,
    log: {
      level: d.log.level ?? 'INFO',
      format: d.log.format ?? 'common',
      maxSize: d.log.maxSize ?? 0,
      maxBackups: d.log.maxBackups ?? 0,
      maxAge: d.log.maxAge ?? 0,
      compress: d.log.compress ?? false,
    },
    workers: d.workers ?? availableParallelism(),
    serversTransport: {
      responseHeaderTimeoutMs: d.transport.responseHeaderTimeoutMs ?? 60_000,
      dialTimeoutMs: d.transport.dialTimeoutMs ?? 30_000,
      idleConnTimeoutMs: d.transport.idleConnTimeoutMs ?? 90_000,
      maxIdleConnsPerHost: d.transport.maxIdleConnsPerHost ?? 64,
      maxResponseHeaderBytes: d.transport.maxResponseHeaderBytes ?? 16_384,
      insecureSkipVerify: d.transport.insecureSkipVerify ?? false,
      rootCAs: d.transport.rootCAs ?? [],
    },
    lifecycle: { graceTimeOutMs: d.graceTimeOutMs ?? 10_000 },
    webSocket: { maxMessageSize: d.webSocket.maxMessageSize ?? DEFAULT_WEBSOCKET_MAX_MESSAGE, compression: d.webSocket.compression ?? false },
    certificatesResolvers: {},
  }
  if (Object.keys(v1Defs).length > 0) cfg.entryPointMiddlewares = v1Defs

  if (isOn(d.file)) {
    const { filename, directory } = d.file
    const section = d.file.v1 ? 'file' : 'providers.file'
    if (filename && directory) throw new ConfigError(ConfigErrorCode.CONFLICT, `${section}: give either filename or directory, not both`)
    if (!filename && !directory) {
      // Traefik 1.7: a [file] section naming no file reads the rules that follow it in traefik.toml
      if (!d.file.v1 || configFile === undefined || !configFile.toLowerCase().endsWith('.toml')) throw new ConfigError(ConfigErrorCode.MISSING_VALUE, `${section} needs filename or directory${d.file.v1 ? ' (or a traefik.toml config file holding the [frontends] and [backends])' : ''}`)
      cfg.providers.file = { filename: configFile, watch: d.file.watch ?? true, traefikFile: true }
    } else cfg.providers.file = { filename, directory, watch: d.file.watch ?? true }
  }

  if (cfg.providers.file && d.v1HealthInterval !== undefined) cfg.providers.file.v1HealthInterval = d.v1HealthInterval

  if (isOn(d.docker)) {
    const dk = d.docker
    if (dk.swarmMode) {
      if (dk.useBindPortIP) throw new ConfigError(ConfigErrorCode.CONFLICT, `${dk.v1 ? 'docker' : 'providers.docker'}.useBindPortIP does not apply to swarmMode: Swarm services are reached on their networks`)
      cfg.providers.swarm = { ...engine(dk, env, d.v1HealthInterval), name: 'docker', refreshMs: dk.refreshMs ?? DEFAULT_SWARM_REFRESH_MS }
    } else {
      cfg.providers.docker = { ...engine(dk, env, d.v1HealthInterval), useBindPortIP: dk.useBindPortIP ?? false }
    }
  }
  if (isOn(d.swarm)) {
    if (cfg.providers.swarm) throw new ConfigError(ConfigErrorCode.CONFLICT, 'providers.docker.swarmMode (v2) and providers.swarm (v3) both ask for the Swarm provider; keep providers.swarm, and providers.docker without swarmMode for containers')
    cfg.providers.swarm = { ...engine(d.swarm, env, d.v1HealthInterval), name: 'swarm', refreshMs: d.swarm.refreshMs ?? DEFAULT_SWARM_REFRESH_MS }
  }

  // Traefik 1.x: a bare --api served the API and dashboard on :8080 (1.7's `traefik` entrypoint);
  // from 2.0 on only api.insecure does, else only routers to api@internal serve it.
  const v1 = d.v1 || d.docker.v1 || d.defaultEntryPoints !== undefined
  if (isOn(d.api)) {
    cfg.api = { insecure: d.api.insecure ?? v1, dashboard: d.api.dashboard ?? true, debug: d.api.debug ?? false }
    if (cfg.api.insecure) needTraefik()
  }
  // ping and metrics are served on their entrypoint unless manualRouting; the named one must exist
  const servedOn = (name: string | undefined, at: Origin | undefined, what: string): string => {
    const entryPoint = name ?? 'traefik'
    if (entryPoint.toLowerCase() === 'traefik') return 'traefik'
    const ep = d.entryPoints.get(entryPoint.toLowerCase())
    if (!ep) throw new ConfigError(ConfigErrorCode.BAD_VALUE, `${describe(at!)}: no entrypoint named ${JSON.stringify(entryPoint)} for ${what} (entrypoints: ${Object.keys(entryPoints).join(', ')})`)
    return ep.name
  }
  if (isOn(d.ping)) {
    cfg.ping = { entryPoint: servedOn(d.ping.entryPoint, d.ping.entryPointAt, 'ping'), manualRouting: d.ping.manualRouting ?? false, terminatingStatusCode: d.ping.terminatingStatusCode ?? 503 }
    if (cfg.ping.entryPoint === 'traefik' && !cfg.ping.manualRouting) needTraefik()
  }
  if (isOn(d.prometheus)) {
    const prometheus = { buckets: d.prometheus.buckets ?? [...DEFAULT_BUCKETS], entryPoint: servedOn(d.prometheus.entryPoint, d.prometheus.entryPointAt, 'metrics'), manualRouting: d.prometheus.manualRouting ?? false }
    if (prometheus.entryPoint === 'traefik' && !prometheus.manualRouting) needTraefik()
    cfg.metrics = { prometheus }
  }

  if (isOn(d.accessLog)) {
    cfg.accessLog = { format: d.accessLog.format ?? 'common', bufferingSize: d.accessLog.bufferingSize ?? 0 }
    if (d.accessLog.filePath !== undefined) cfg.accessLog.filePath = d.accessLog.filePath
    const f = d.accessLog.filters
    if (f) cfg.accessLog.filters = { statusCodes: f.statusCodes ?? [], retryAttempts: f.retryAttempts ?? false, minDurationMs: f.minDurationMs ?? 0 }
    const fl = d.accessLog.fields
    // Traefik's defaults once a fields section exists: fields kept, headers dropped, query kept.
    if (fl) cfg.accessLog.fields = { defaultMode: fl.defaultMode ?? 'keep', names: fl.names, headers: { defaultMode: fl.headersMode ?? 'drop', names: fl.headers }, queryParameters: fl.queryParameters ?? 'keep' }
  }
  if (d.log.filePath !== undefined) cfg.log.filePath = d.log.filePath
  finishTls(d, cfg)
  for (const [key, t] of d.clientTrust) {
    if (!d.entryPoints.has(key) && !(key === 'web' && entryPoints.web)) throw new ConfigError(ConfigErrorCode.BAD_VALUE, `${describe(t.at)}: no entrypoint named ${JSON.stringify(key)} has an address`)
  }
  for (const name of Object.keys(entryPoints)) {
    cfg.clientLimits[name] = clientLimits(name)
    const t = d.clientTrust.get(name.toLowerCase())
    cfg.clientTrust[name] = {
      forwardedHeaders: { insecure: t?.forwardedInsecure ?? false, trustedIPs: t?.forwardedTrusted ?? [], notAppendXForwardedFor: t?.notAppendXForwardedFor ?? false },
      proxyProtocol: t?.proxyProtocol ? { insecure: t.proxyInsecure ?? false, trustedIPs: t.proxyTrusted ?? [] } : null,
    }
  }
  return cfg
}

/**
 * v1 Compress and WhiteList on an entrypoint: middlewares of the
 * `entrypoints` provider that run first on every router it serves.
 */
function v1EntryPointMiddlewares(d: Draft, entryPoints: Record<string, EntryPoint>): Record<string, MiddlewareBody> {
  const defs: Record<string, MiddlewareBody> = {}
  for (const [key, e] of d.epV1) {
    const ep = d.entryPoints.get(key)
    if (!ep) throw new ConfigError(ConfigErrorCode.BAD_VALUE, `${describe(e.at)}: no entrypoint named ${JSON.stringify(key)} has an address`)
    if (e.useXForwardedFor) throw new ConfigError(ConfigErrorCode.UNSUPPORTED, `${describe(e.at)}: whiteList.useXForwardedFor lets any address written in X-Forwarded-For through; pier does not honour it (trust a proxy with forwardedHeaders.trustedIPs instead)`)
    const names: string[] = []
    const add = (suffix: string, body: MiddlewareBody): void => {
      defs[`${ep.name}-${suffix}`] = body
      names.push(`${ep.name}-${suffix}@${ENTRYPOINT_PROVIDER}`)
    }
    // Traefik 1.7's order on an entrypoint: auth, compress, allow list, then the frontend's own
    const { headerField, ...kinds } = e.auth
    for (const [kind, type] of [['basic', 'basicAuth'], ['digest', 'digestAuth'], ['forward', 'forwardAuth']] as const) {
      const opts = kinds[kind]
      if (opts) add(kind === 'basic' ? 'auth' : `auth-${kind}`, { [type]: headerField !== undefined && kind !== 'forward' ? { ...opts, headerField } : opts })
    }
    if (e.compress) add('compress', { compress: {} })
    if (e.whiteList) add('whitelist', { ipWhiteList: { sourceRange: e.whiteList } })
    const own = entryPoints[ep.name]!
    if (names.length > 0) own.middlewares = [...names, ...(own.middlewares ?? [])]
  }
  return defs
}

/** v1 [retry] attempts = N: a retry middleware last on every entrypoint's list, closest to the balancer as in 1.7. */
function v1Retry(d: Draft, entryPoints: Record<string, EntryPoint>, defs: Record<string, MiddlewareBody>): void {
  const attempts = d.v1Retry?.attempts
  if (!attempts) return
  defs.retry = { retry: { attempts } }
  for (const [name, ep] of Object.entries(entryPoints)) if (name !== 'traefik') ep.middlewares = [...(ep.middlewares ?? []), `retry@${ENTRYPOINT_PROVIDER}`]
}

/** The settings the docker and swarm providers share, defaults filled in. */
function engine(e: EngineDraft, env: NodeJS.ProcessEnv, v1HealthInterval?: string): EngineProviderConfig {
  const c: EngineProviderConfig = {
    endpoint: e.endpoint ?? (env.DOCKER_HOST || DEFAULT_DOCKER_ENDPOINT),
    exposedByDefault: e.exposedByDefault ?? true,
    defaultRule: e.defaultRule ?? DEFAULT_DOCKER_RULE,
    watch: e.watch ?? true,
    allowEmptyServices: e.allowEmptyServices ?? false,
    v1: e.v1 ?? false,
  }
  const tls = dockerTLS(e.tls, env)
  if (tls) c.tls = tls
  if (e.network !== undefined) c.network = e.network
  if (e.constraints !== undefined) c.constraints = e.constraints
  if (e.domain !== undefined) c.domain = e.domain
  if (v1HealthInterval !== undefined) c.v1HealthInterval = v1HealthInterval
  return c
}

/** TLS for the Docker endpoint: the flags, else DOCKER_TLS_VERIFY + DOCKER_CERT_PATH as the docker CLI reads them. */
function dockerTLS(t: EngineDraft['tls'], env: NodeJS.ProcessEnv): DockerTLS | undefined {
  if (t.ca !== undefined || t.cert !== undefined || t.key !== undefined || t.insecureSkipVerify !== undefined) {
    const tls: DockerTLS = { insecureSkipVerify: t.insecureSkipVerify ?? false }
    if (t.ca !== undefined) tls.ca = t.ca
    if (t.cert !== undefined) tls.cert = t.cert
    if (t.key !== undefined) tls.key = t.key
    return tls
  }
  if (!env.DOCKER_TLS_VERIFY) return undefined
  const dir = env.DOCKER_CERT_PATH || join(env.HOME ?? '', '.docker')
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), insecureSkipVerify: false }
}
