// Traefik's dynamic configuration, for the parts pier supports. Providers emit
// complete DynamicConfig objects; the aggregator merges them as name@provider.
//
// Fail closed: what a router or service asks for that pier cannot honour is
// carried, not dropped. A router with tls, an `unsupported` entry (its own or
// its service's) or a middleware that is missing or unusable is disabled by
// the table compiler, with the reason in the API, and answers 404 like any
// unknown route.

export interface DynamicConfig {
  http: HttpConfig
  /** Certificates, stores and TLS options (the file provider's `tls` section). */
  tls?: TlsConfig
  /** TCP routers and services (src/tcp); UDP routers are shown in the API, disabled. */
  tcp?: StreamSection
  udp?: StreamSection
}

export interface HttpConfig {
  routers: Record<string, Router>
  services: Record<string, Service>
  /** Middleware definitions by name. */
  middlewares?: Record<string, Middleware>
}

/** One middleware definition: Traefik's type key and its options. */
export interface Middleware {
  /** The type in Traefik's spelling: stripPrefix, basicAuth, chain, ... */
  type: string
  /** Options as configured, under their schema names, typed; defaults are applied by the table compiler. */
  options: Record<string, unknown>
  /** Why pier cannot use it (a type it lacks, a bad label value): routers using it are disabled. */
  unsupported?: string[]
}

export interface Router {
  /** Traefik rule language, e.g. Host(`a.example`) && PathPrefix(`/api`) */
  rule: string
  /** Service name; unqualified names resolve within the router's provider. */
  service: string
  /** Entrypoint names; empty or absent means every entrypoint. */
  entryPoints?: string[]
  /** Explicit priority; absent or 0 means the rule's length (Traefik). */
  priority?: number
  /** Middleware names in order; unqualified names resolve within the router's provider. */
  middlewares?: string[]
  /** Present: the router is for HTTPS (Traefik's router `tls` section). */
  tls?: RouterTLS
  /** What the router asks for that pier does not honour, each naming its key or label. */
  unsupported?: string[]
}

export interface RouterTLS {
  certResolver?: string
  domains?: { main: string; sans?: string[] }[]
  options?: string
}

export interface Service {
  loadBalancer: LoadBalancer
  /** What the service asks for that pier does not honour; the routers using it are disabled. */
  unsupported?: string[]
}

export interface LoadBalancer {
  servers: Server[]
  /** Forward the client's Host header (default true). */
  passHostHeader?: boolean
  /**
   * Traefik's flush interval (default 100ms; negative: at once), as written.
   * pier writes every piece of a response to the client as soon as it reads
   * it from the backend, which meets any interval (see README, Streaming).
   */
  responseForwarding?: { flushInterval: string }
  /** Active health check: the primary probes every server. */
  healthCheck?: HealthCheck
  /** Traefik 3's passiveHealthCheck: failures seen on live traffic take a server out for a while. */
  passiveHealthCheck?: PassiveHealthCheck
}

/** Traefik's loadBalancer.healthCheck, defaults filled in (times in ms). */
export interface HealthCheck {
  /** Request path (and query), default '/' */
  path: string
  method: string
  /** 0: any 2xx or 3xx is healthy (Traefik); else exactly this status */
  status: number
  /** Probe this port instead of the server's (0: the server's) */
  port: number
  /** Host header of the probe ('' : the server's address) */
  hostname: string
  headers: Record<string, string>
  interval: number
  /** How often a server found down is probed; default interval */
  unhealthyInterval: number
  timeout: number
  followRedirects: boolean
}

/** Traefik 3's passive health check (times in ms). */
export interface PassiveHealthCheck {
  /** Failures must fall within this window; the server is then out for as long. Default 10 s. */
  failureWindow: number
  /** Failures within the window that take the server out; default 1 */
  maxFailedAttempts: number
}

export interface Server {
  /** http://host:port (https is rejected by the compiler for now). */
  url: string
  /** Smooth WRR weight, default 1; 0 takes the server out of rotation. */
  weight?: number
}

export interface TlsConfig {
  certificates?: CertificateRef[]
  /** Only the store named `default` is used, as in Traefik. */
  stores?: Record<string, TlsStore>
  options?: Record<string, TlsOptionsConfig>
}

export interface CertificateRef {
  /** A path, or the PEM itself */
  certFile: string
  keyFile: string
  stores?: string[]
}

export interface TlsStore {
  defaultCertificate?: CertificateRef
}

/** Traefik's tls.options.<name>; what pier cannot honour disables the routers using it. */
export interface TlsOptionsConfig {
  minVersion?: string
  maxVersion?: string
  cipherSuites?: string[]
  curvePreferences?: string[]
  sniStrict?: boolean
  alpnProtocols?: string[]
  preferServerCipherSuites?: boolean
  disableSessionTickets?: boolean
  /** Client certificates: refused for now */
  clientAuth?: unknown
}

/** The tcp or udp section of a configuration. */
export interface StreamSection {
  routers: Record<string, StreamRouter>
  services?: Record<string, StreamService>
}

/** A TCP or UDP router (UDP routers have no rule, priority or tls). */
export interface StreamRouter {
  rule?: string
  service?: string
  entryPoints?: string[]
  priority?: number
  /** passthrough: the TLS connection goes to the server as it came; without it pier would terminate TLS (refused) */
  tls?: { passthrough?: boolean; certResolver?: string; options?: string }
  /** What the router asks for that pier does not honour: it is disabled, with these reasons. */
  unsupported?: string[]
}

export interface StreamServer {
  /** host:port */
  address: string
  weight?: number
}

/** A TCP or UDP service: a load balancer over servers (weighted services are refused through unsupported). */
export interface StreamService {
  loadBalancer?: { servers: StreamServer[]; proxyProtocol?: { version: number } }
  /** What the service asks for that pier does not honour: its routers are disabled. */
  unsupported?: string[]
}

export function emptyDynamicConfig(): DynamicConfig {
  return { http: { routers: {}, services: {} } }
}
