// Traefik's dynamic configuration, for the parts pier supports. Providers emit
// complete DynamicConfig objects; the aggregator merges them as name@provider.

export interface DynamicConfig {
  http: HttpConfig
  /** Certificates, stores and TLS options (the file provider's `tls` section). */
  tls?: TlsConfig
}

export interface HttpConfig {
  routers: Record<string, Router>
  services: Record<string, Service>
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
}

export interface Service {
  loadBalancer: LoadBalancer
}

export interface LoadBalancer {
  servers: Server[]
  /** Forward the client's Host header (default true). */
  passHostHeader?: boolean
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

export function emptyDynamicConfig(): DynamicConfig {
  return { http: { routers: {}, services: {} } }
}
