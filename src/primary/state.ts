// What the primary knows about the running configuration, as the API,
// dashboard and metrics read it. The primary replaces `routers`/`services`
// wholesale on every applied configuration and emits 'change'.
import { EventEmitter } from 'node:events'
import type { DynamicConfig, RouterTLS, Sticky } from '../config/dynamic.js'
import type { StaticConfig } from '../config/static.js'

export type Status = 'enabled' | 'warning' | 'disabled'

export interface RouterState {
  /** Qualified name, e.g. whoami@docker */
  name: string
  provider: string
  /** '' for a router its provider dropped (so are service, entryPoints and priority) */
  rule: string
  /** Qualified service name */
  service: string
  entryPoints: string[]
  /** Effective priority (explicit, else the rule's length) */
  priority: number
  status: Status
  /** Why it is disabled or warned about: bad rule, missing service, label conflict... */
  errors: string[]
  /** Qualified middleware names, as configured */
  middlewares?: string[]
  tls?: RouterTLS
}

/** A TCP router (served by src/tcp when enabled) or a UDP router (always disabled). */
export interface StreamRouterState {
  name: string
  provider: string
  rule: string
  service: string
  entryPoints: string[]
  status: 'enabled' | 'disabled'
  errors: string[]
}

/** A TCP or UDP service as the API shows it. */
export interface StreamServiceState {
  name: string
  provider: string
  /** As configured: host:port and weight (default 1) */
  servers: { address: string; weight: number }[]
  /** loadBalancer.proxyProtocol.version, when set */
  proxyProtocol?: number
  status: 'enabled' | 'disabled'
  /** Why its routers cannot use it */
  errors: string[]
  /** Qualified names of the routers naming it */
  usedBy: string[]
}

export interface ServerState {
  url: string
  weight: number
  /** 'UP' while the server takes traffic */
  status: 'UP' | 'DOWN'
}

export interface ServiceState {
  name: string
  provider: string
  passHostHeader: boolean
  /** As configured (Traefik's responseForwarding), when it was. */
  flushInterval?: string
  /** As configured, the cookie's name filled in as the table uses it (Traefik's API shows it so). */
  sticky?: Sticky
  servers: ServerState[]
  status: Status
  /** Why it is disabled (also when its provider dropped it: then it has no servers) or warned about */
  errors: string[]
  /** Qualified names of the routers that use it */
  usedBy: string[]
}

export interface MiddlewareState {
  /** Qualified name, e.g. auth@docker */
  name: string
  provider: string
  /** Traefik's type key: stripPrefix, basicAuth, ... */
  type: string
  /** Options as configured (qualified names in references) */
  options: Record<string, unknown>
  status: Status
  /** Why it cannot be used (the routers using it are disabled) */
  errors: string[]
  /** Qualified names of the routers that use it, directly, in a chain or on their entrypoint */
  usedBy: string[]
}

export interface ReloadStats {
  total: number
  /** Unix seconds of the last successful / failed configuration reload (0 if none) */
  lastSuccess: number
  lastFailure: number
}

export class RuntimeState extends EventEmitter {
  readonly startedAt = Date.now()
  routers: Record<string, RouterState> = {}
  services: Record<string, ServiceState> = {}
  middlewares: Record<string, MiddlewareState> = {}
  tcpRouters: Record<string, StreamRouterState> = {}
  udpRouters: Record<string, StreamRouterState> = {}
  tcpServices: Record<string, StreamServiceState> = {}
  udpServices: Record<string, StreamServiceState> = {}
  /** The merged configuration the current table was compiled from (qualified names). */
  raw: DynamicConfig = { http: { routers: {}, services: {} } }
  reloads: ReloadStats = { total: 0, lastSuccess: 0, lastFailure: 0 }
  /** Incremented on every published table. */
  tableVersion = 0

  constructor(readonly staticConfig: StaticConfig) {
    super()
  }
}
