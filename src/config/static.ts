// pier's static configuration: what Traefik calls the install configuration.
// Filled from flags and/or the YAML/TOML file named by --configfile; every
// field documents its default.
import type { Level, Format } from '../log.js'
import type { AccessLogFormat } from '../accesslog/format.js'
import type { AccessLogFilters } from '../accesslog/filters.js'
import type { AccessLogFields } from '../accesslog/fields.js'

/** The entrypoint the primary serves the API (api.insecure), ping and metrics on, never proxied then; else an ordinary one. */
export const API_ENTRYPOINT = 'traefik'

/** Prometheus metrics are on and served on the traefik entrypoint by the primary (not only through a router). */
export const metricsOnTraefik = (c: StaticConfig): boolean => c.metrics?.prometheus !== undefined && !c.metrics.prometheus.manualRouting && c.metrics.prometheus.entryPoint === API_ENTRYPOINT

/** ping is on and served on the traefik entrypoint by the primary (not only through a router). */
export const pingOnTraefik = (c: StaticConfig): boolean => c.ping !== false && !c.ping.manualRouting && c.ping.entryPoint === API_ENTRYPOINT

/**
 * Entrypoints the primary serves itself, never proxied: `traefik` when the API
 * is insecure or ping or metrics are served there. Otherwise `traefik` is an
 * ordinary entrypoint, as in Traefik; ping and metrics on another entrypoint
 * are routers of the `internal` provider there (config/internal-services.ts).
 */
export function internalEntryPoints(c: StaticConfig): Set<string> {
  return new Set(c.api?.insecure || pingOnTraefik(c) || metricsOnTraefik(c) ? [API_ENTRYPOINT] : [])
}

export interface PingConfig {
  /** default traefik */
  entryPoint: string
  /** default false: true serves /ping only through a router to ping@internal */
  manualRouting: boolean
  /** the answer while pier stops; default 503 */
  terminatingStatusCode: number
}

/** A middleware definition in Traefik's file shape ({ compress: {} }), decoded by the provider that serves it. */
export type MiddlewareBody = Record<string, Record<string, unknown>>

export interface EntryPoint {
  /** Bind host; '' means every address (Traefik's ":80"). */
  host: string
  port: number
  /** `:53/udp`: a UDP entrypoint (no HTTP is served there; UDP routers are refused) */
  udp?: boolean
  /** udp.timeout: a UDP session idle this long is closed, in ms; default 3000 (Traefik's 3s) */
  udpTimeoutMs?: number
  /** Middlewares every router on this entrypoint runs before its own (entryPoints.<name>.http.middlewares). */
  middlewares?: string[]
  /** http.tls: every router on this entrypoint is a TLS router, with these defaults */
  tls?: EntryPointTls
  /** http.redirections.entryPoint */
  redirect?: Redirect
  /**
   * Serves TLS (uWS SSLApp): http.tls is set, or it is port 443, or an https
   * redirection points at it. uWS cannot serve TLS and plain HTTP on one port.
   */
  secure?: boolean
}

export interface Domain {
  main: string
  sans?: string[]
}

export interface EntryPointTls {
  certResolver?: string
  domains?: Domain[]
  options?: string
}

export interface Redirect {
  /** Target entrypoint name, or `:port` */
  to: string
  /** default https */
  scheme: string
  /** default true: 301/308 (else 302/307) */
  permanent: boolean
  /** default 2147483646: routers of higher priority on this entrypoint are served instead */
  priority: number
}

export const DEFAULT_CA_SERVER = 'https://acme-v02.api.letsencrypt.org/directory'
export type KeyType = 'EC256' | 'EC384' | 'RSA2048' | 'RSA4096' | 'RSA8192'

export interface AcmeResolver {
  email?: string
  /** default acme.json */
  storage: string
  /** default Let's Encrypt production */
  caServer: string
  /** default RSA4096 (Traefik's) */
  keyType: KeyType
  /** hours; default 2160 (90 days): sets when certificates are renewed */
  certificatesDuration: number
  preferredChain?: string
  eab?: { kid: string; hmacEncoded: string }
  /** http-01 on this entrypoint */
  httpChallenge?: { entryPoint: string }
  /** Why this resolver cannot order certificates (routers using it are disabled) */
  refused?: string
  /** Extra trusted roots for the CA's own certificate (files) */
  caCertificates?: string[]
}

/**
 * Whom an entrypoint believes about the client: forwardedHeaders (incoming
 * X-Forwarded-* kept only from these peers) and proxyProtocol (a PROXY v2
 * header's source address taken only from these peers). IPs or CIDRs.
 */
export interface ClientTrust {
  forwardedHeaders: { insecure: boolean; trustedIPs: string[]; notAppendXForwardedFor: boolean }
  /** null: PROXY protocol is off (a header a client sends is never believed) */
  proxyProtocol: { insecure: boolean; trustedIPs: string[] } | null
}

/**
 * What pier allows a client connection on one entrypoint: Traefik's
 * transport.respondingTimeouts and http.maxHeaderBytes, and pier's own
 * request-line limit. Timeouts in ms, 0 = none.
 */
export interface ClientLimits {
  /** transport.respondingTimeouts.readTimeout: the request (head parsed to body read); default 60000 */
  readTimeoutMs: number
  /** transport.respondingTimeouts.writeTimeout: head parsed to response written; default 0 */
  writeTimeoutMs: number
  /** transport.respondingTimeouts.idleTimeout; default 180000 (uWS closes idle connections after 10-14 s whatever it says) */
  idleTimeoutMs: number
  /** http.maxHeaderBytes: header fields of a request; default 16384 (Traefik: 1 MiB) */
  maxHeaderBytes: number
  /** http.maxRequestLineBytes (pier's own): method, target and version; default 8192 */
  maxRequestLineBytes: number
}

export interface FileProviderConfig {
  filename?: string
  directory?: string
  /** Re-read on change (default true). */
  watch: boolean
  /** v1 [healthcheck] interval: for v1 backends whose healthCheck names none */
  v1HealthInterval?: string
  /** v1: filename is the traefik.toml itself ([file] naming no file): only its frontends, backends and tls are read. */
  traefikFile?: boolean
}

export interface DockerTLS {
  ca?: string
  cert?: string
  key?: string
  insecureSkipVerify: boolean
}

/** What the Docker and Swarm providers share: one engine, labels read the same way. */
export interface EngineProviderConfig {
  /** default unix:///var/run/docker.sock, or DOCKER_HOST when set */
  endpoint: string
  tls?: DockerTLS
  /** default true */
  exposedByDefault: boolean
  /** Network whose address is used; default: none (several networks are refused as ambiguous) */
  network?: string
  /** default Host(`{{ normalize .Name }}`) */
  defaultRule: string
  /** default true */
  watch: boolean
  /** Traefik constraint expression over labels; default none */
  constraints?: string
  /** default false */
  allowEmptyServices: boolean
  /** v1 --docker.domain: suffix for v1 default rules; default '' */
  domain?: string
  /** Which label generation a v1 flag set implies; labels of both forms are read either way. */
  /** v1 [healthcheck] interval: for v1 labels' health checks that name none */
  v1HealthInterval?: string
  v1: boolean
}

export interface DockerProviderConfig extends EngineProviderConfig {
  /** default false */
  useBindPortIP: boolean
}

export interface SwarmProviderConfig extends EngineProviderConfig {
  /** The name routers and services get (name@provider): `swarm` for v3 --providers.swarm, `docker` for v1/v2 swarmMode. */
  name: 'swarm' | 'docker'
  /** Full resync interval, ms (refreshSeconds / swarmModeRefreshSeconds); default 15000, Traefik's poll interval. */
  refreshMs: number
}

export interface AccessLogConfig {
  /** default: stdout */
  filePath?: string
  /** default common */
  format: AccessLogFormat
  /** Keep only lines that match one (default: every line) */
  filters?: AccessLogFilters
  /** Which fields lines carry (default: all, as Traefik without a fields section) */
  fields?: AccessLogFields
  /** lines buffered before a write; default 0 (write each line as soon as possible) */
  bufferingSize: number
}

export interface LogConfig {
  level: Level
  format: Format
  /** default: stderr */
  filePath?: string
  /** Rotate the file beyond this many MB; 0 (default): never */
  maxSize: number
  /** Rotated files kept; 0 (default): all (maxAge permitting) */
  maxBackups: number
  /** Days rotated files are kept; 0 (default): no limit */
  maxAge: number
  /** gzip rotated files (default false) */
  compress: boolean
}

export interface StaticConfig {
  /** The static file that was read: --configFile, or traefik.{yml,yaml,toml} found where Traefik looks; absent if none. */
  configFile?: string
  /** name -> address; default { web: :80 }. 'traefik' is the API entrypoint (default :8080). */
  entryPoints: Record<string, EntryPoint>
  /** The same names -> limits on their client connections (defaults filled in). */
  clientLimits: Record<string, ClientLimits>
  /** The same names -> whom they believe about the client. */
  clientTrust: Record<string, ClientTrust>
  providers: {
    /** Throttle between applied configurations per provider, ms; default 100 (Traefik: 2000). */
    throttleMs: number
    file?: FileProviderConfig
    /** Containers of one engine. */
    docker?: DockerProviderConfig
    /** Services of a Swarm, from a manager's API. */
    swarm?: SwarmProviderConfig
  }
  api?: {
    /** --api.insecure: serve the API on the traefik entrypoint; default false */
    insecure: boolean
    /** default true when the API is on */
    dashboard: boolean
    /** --api.debug: accepted; pier has no Go debug endpoints to add (a warning says so) */
    debug: boolean
  }
  /** --ping; default off */
  ping: false | PingConfig
  metrics?: {
    prometheus?: {
      /** seconds; Traefik's default [0.1, 0.3, 1.2, 5] */
      buckets: number[]
      /** default 'traefik' */
      entryPoint: string
      /** default false: true serves /metrics only through a router to prometheus@internal */
      manualRouting: boolean
    }
  }
  accessLog?: AccessLogConfig
  log: LogConfig
  /** Worker threads; default: number of CPU cores. */
  workers: number
  serversTransport: {
    /** ms; default 60000 (Traefik: 0 = none) */
    responseHeaderTimeoutMs: number
    /** ms; default 30000 */
    dialTimeoutMs: number
    /** ms an idle keep-alive connection to a backend is kept; default 90000 */
    idleConnTimeoutMs: number
    /** largest backend response head (status line, fields) accepted; default 16384 (502 beyond) */
    maxResponseHeaderBytes: number
    /** keep-alive connections per server per worker; default 64 */
    maxIdleConnsPerHost: number
    /** https backends of services naming no serversTransport: accept any certificate; default false */
    insecureSkipVerify: boolean
    /** ... and trust these CAs (paths or PEM) instead of the system roots; default none */
    rootCAs: string[]
  }
  lifecycle: {
    /** ms; default 10000 */
    graceTimeOutMs: number
  }
  /** pier's own (Traefik has no such options). */
  webSocket: {
    /** Largest WebSocket message either way, in bytes; default 16 MiB. */
    maxMessageSize: number
    /** permessage-deflate toward clients that offer it; default false. */
    compression: boolean
  }
  /** certificatesResolvers.<name>.acme */
  certificatesResolvers: Record<string, AcmeResolver>
  /** v1 Compress, WhiteList, Auth and retry on entrypoints, by unqualified name; provided as `<name>@entrypoints`. */
  entryPointMiddlewares?: Record<string, MiddlewareBody>
  /** v1 --defaultEntryPoints: entrypoints of routers that name none */
  defaultEntryPoints?: string[]
  /** v1 entrypoint certificates, served like the file provider's tls.certificates */
  certificates?: Array<{ certFile: string; keyFile: string }>
}
