// The static configuration while it is being read: every key that was given,
// nothing defaulted yet. `on` is an explicit true/false for a section
// (`--api=false`); `touched` says some key inside it was set, which turns the
// section on as in Traefik.
import type { Level, Format } from '../log.js'
import type { ClientLimits, EntryPoint } from './static.js'
import type { Origin } from './values.js'
import type { AccessLogFormat } from '../accesslog/format.js'
import type { FieldMode } from '../accesslog/fields.js'

interface Section {
  on?: boolean
  touched?: boolean
}

export interface TrustDraft {
  at: Origin
  forwardedInsecure?: boolean
  forwardedTrusted?: string[]
  notAppendXForwardedFor?: boolean
  /** Some proxyProtocol key was given: it is on */
  proxyProtocol?: boolean
  proxyInsecure?: boolean
  proxyTrusted?: string[]
}

export interface V1EntryPointDraft {
  compress?: boolean
  whiteList?: string[]
  useXForwardedFor?: boolean
  /** auth.basic / .digest / .forward options in Traefik's file shape, and auth.headerField */
  auth: { basic?: Record<string, unknown>; digest?: Record<string, unknown>; forward?: Record<string, unknown>; headerField?: string }
  at: Origin
}

export interface Draft {
  /** lower-cased name -> entrypoint with the name as first spelled */
  entryPoints: Map<string, EntryPoint & { name: string }>
  /** lower-cased entrypoint name -> limits given for it, and where the first was given */
  clientLimits: Map<string, Partial<ClientLimits> & { at: Origin }>
  /** lower-cased entrypoint name -> udp.timeout in ms, and where it was given */
  udpTimeouts: Map<string, { ms: number; at: Origin }>
  /** lower-cased entrypoint name -> forwardedHeaders and proxyProtocol as given */
  clientTrust: Map<string, TrustDraft>
  /** lower-cased entrypoint name -> its http.middlewares, and where they were given */
  epMiddlewares: Map<string, { names: string[]; at: Origin }>
  /** v1 [healthcheck] interval, as written (a Go duration) */
  v1HealthInterval?: string
  /** v1 [retry] */
  v1Retry?: { attempts?: number }
  /** v1 global respondingTimeouts: every entrypoint's unless its own says otherwise */
  v1Responding?: Partial<ClientLimits>
  /** lower-cased entrypoint name -> v1 Compress and WhiteList, which become middlewares on it */
  epV1: Map<string, V1EntryPointDraft>
  workers?: number
  throttleMs?: number
  /** v1: the [file] section or --file, which with no filename reads the traefik.toml itself */
  file: Section & { filename?: string; directory?: string; watch?: boolean; v1?: boolean }
  docker: EngineDraft & {
    useBindPortIP?: boolean
    /** v1/v2 swarmMode: the docker provider reads Swarm services instead of containers */
    swarmMode?: boolean
  }
  swarm: EngineDraft
  api: Section & { insecure?: boolean; dashboard?: boolean; debug?: boolean }
  ping: Section & { entryPoint?: string; entryPointAt?: Origin; manualRouting?: boolean; terminatingStatusCode?: number }
  prometheus: Section & { buckets?: number[]; entryPoint?: string; entryPointAt?: Origin; manualRouting?: boolean }
  /** A spelling only Traefik 1.x had was used (--docker, --web, v1 entrypoint words...): a bare --api means 1.7's API on :8080 */
  v1?: boolean
  accessLog: Section & {
    filePath?: string
    format?: AccessLogFormat
    bufferingSize?: number
    filters?: { statusCodes?: [number, number][]; retryAttempts?: boolean; minDurationMs?: number }
    fields?: { defaultMode?: 'keep' | 'drop'; names: Record<string, 'keep' | 'drop'>; headersMode?: FieldMode; headers: Record<string, FieldMode>; queryParameters?: 'keep' | 'drop' }
  }
  log: { level?: Level; format?: Format; filePath?: string; maxSize?: number; maxBackups?: number; maxAge?: number; compress?: boolean }
  transport: { responseHeaderTimeoutMs?: number; dialTimeoutMs?: number; idleConnTimeoutMs?: number; maxIdleConnsPerHost?: number; maxResponseHeaderBytes?: number; insecureSkipVerify?: boolean; rootCAs?: string[] }
  graceTimeOutMs?: number
  /** lower-cased entrypoint name -> its http.tls and http.redirections keys */
  epHttp: Map<string, EntryPointHttpDraft>
  /** resolver name as first spelled (lower-cased key) -> its acme keys */
  resolvers: Map<string, ResolverDraft>
  /** v1 --defaultEntryPoints */
  defaultEntryPoints?: string[]
  /** v1 entrypoint certificates (TLS:cert,key and [[entryPoints.x.tls.certificates]]) */
  certificates: Map<string, { certFile?: string; keyFile?: string }>
  webSocket: { maxMessageSize?: number; compression?: boolean }
}

export interface EntryPointHttpDraft {
  /** http.tls was given (true) or switched off (false) */
  tls?: boolean
  certResolver?: string
  domains: Map<number, { main?: string; sans?: string[] }>
  options?: string
  redirect: { to?: string; scheme?: string; permanent?: boolean; priority?: number; at?: Origin }
}

export interface ResolverDraft {
  name: string
  email?: string
  storage?: string
  caServer?: string
  keyType?: string
  certificatesDuration?: number
  preferredChain?: string
  eab: { kid?: string; hmacEncoded?: string }
  httpChallengeEntryPoint?: string
  tlsChallenge?: boolean
  /** Where a dnsChallenge key was given: the resolver is refused by name */
  dnsChallenge?: Origin
  caCertificates?: string[]
  /** v1 --acme.entryPoint and --acme.onHostRule */
  v1EntryPoint?: string
  onHostRule?: boolean
}

/** A Docker or Swarm provider section. */
export interface EngineDraft extends Section {
  /** a v1 spelling (--docker, --docker.*) was used */
  v1?: boolean
  endpoint?: string
  tls: { ca?: string; cert?: string; key?: string; insecureSkipVerify?: boolean }
  exposedByDefault?: boolean
  network?: string
  defaultRule?: string
  watch?: boolean
  constraints?: string
  allowEmptyServices?: boolean
  domain?: string
  /** Swarm resync interval, ms */
  refreshMs?: number
}

export function emptyDraft(): Draft {
  return {
    entryPoints: new Map(),
    clientLimits: new Map(),
    udpTimeouts: new Map(),
    clientTrust: new Map(),
    epMiddlewares: new Map(),
    epV1: new Map(),
    file: {},
    docker: { tls: {} },
    swarm: { tls: {} },
    api: {},
    ping: {},
    prometheus: {},
    accessLog: {},
    log: {},
    transport: {},
    epHttp: new Map(),
    resolvers: new Map(),
    certificates: new Map(),
    webSocket: {},
  }
}
