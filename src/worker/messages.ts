// Every message between the primary and the worker threads. Errors cross
// threads as {code, message}, never as Error objects.
import type { MessagePort } from 'node:worker_threads'
import type { MetricsSnapshot } from '../metrics/snapshot.js'
import type { AccessLogFormat } from '../accesslog/format.js'
import type { ClientLimits, ClientTrust } from '../config/static.js'
import type { SharedInput } from '../middlewares/shared-state.js'
import type { SniEntry, TlsSnapshot } from '../tls/snapshot.js'
import type { EntryPointRedirect } from './redirect.js'
import type { WebSocketSettings } from './websocket-bridge.js'
import type { AccessLogFilters } from '../accesslog/filters.js'
import type { AccessLogFields } from '../accesslog/fields.js'

export interface WorkerEntryPoint {
  name: string
  host: string
  port: number
  limits: ClientLimits
  trust: ClientTrust
  /** Serves TLS (uWS SSLApp) with the certificates of ServeInput.tls */
  secure?: boolean
  redirect?: EntryPointRedirect
  /** Answers ACME http-01 challenges */
  acmeChallenge?: boolean
}

/** A route table and the health board its servers' slots index (balancer/health-board.ts). */
export interface TableRef {
  buffer: SharedArrayBuffer
  health: SharedArrayBuffer
  /** The board's epoch (Date.now() at its creation). */
  epoch: number
}

/** The serve task's input (piscina task argument). */
export interface ServeInput {
  id: number
  port: MessagePort
  entryPoints: WorkerEntryPoint[]
  /** The table in force when the worker starts; later ones arrive as TableMessage. */
  table: TableRef
  /** toPrimary: the log goes to a file the primary owns (and rotates): post lines to it. */
  log: { level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'; format: 'common' | 'json'; toPrimary: boolean }
  transport: { responseHeaderTimeoutMs: number; dialTimeoutMs: number; idleConnTimeoutMs: number; maxConnsPerServer: number; maxResponseHeaderBytes: number }
  /** How long a retiring or draining thread lets requests in flight finish before it closes their connections (ms). */
  graceMs: number
  webSocket: WebSocketSettings
  /** Prometheus buckets (seconds); the access log format when it is on. */
  /** metrics: the API or Prometheus reads what workers record; without either nothing is recorded. */
  observe: { metrics: boolean; buckets?: number[]; accessLog?: { format: AccessLogFormat; counter: SharedArrayBuffer; filters?: AccessLogFilters; fields?: AccessLogFields } }
  /** Rate-limit and in-flight counters every thread shares. */
  shared: SharedInput
  /** Certificates in force when the worker starts (when an entrypoint is secure); later additions arrive as TlsAddMessage. */
  tls?: TlsSnapshot
  /** ACME http-01 answers in force when the worker starts. */
  challenges?: Record<string, string>
  /** Entrypoints whose port the TCP relay owns (src/tcp): not listened on. */
  released?: string[]
}

// primary -> worker
export interface TableMessage {
  type: 'table'
  table: TableRef
}
/** Stop accepting, finish requests in flight, close every connection and end: the process is stopping. */
export interface DrainMessage {
  type: 'drain'
}
/** Hand this thread's work to a fresh one (SIGUSR2), the path a thread's uncaught error takes too. */
export interface RetireMessage {
  type: 'retire'
  /** A replacement already listens (certificates changed): none is to be started */
  replaced?: boolean
}
/** Server names to add to every TLS entrypoint (names only ever get added in place). */
export interface TlsAddMessage {
  type: 'tls-add'
  version: number
  names: SniEntry[]
}
/** The ACME http-01 answers now pending (the whole set). */
export interface ChallengesMessage {
  type: 'challenges'
  version: number
  tokens: Record<string, string>
}
/** The entrypoints whose port the TCP relay owns now (the whole set): stop listening there, listen again on the others. */
export interface ReleaseMessage {
  type: 'release'
  names: string[]
}
export type ToWorker = TableMessage | DrainMessage | RetireMessage | TlsAddMessage | ChallengesMessage | ReleaseMessage

// worker -> primary
export interface ListeningMessage {
  type: 'listening'
  id: number
}
export interface FailedMessage {
  type: 'failed'
  id: number
  code: string
  message: string
}
/** The thread has closed its connections and ends (after a drain); cut: requests still in flight when the grace period ended. */
export interface DrainedMessage {
  type: 'drained'
  id: number
  cut: number
}
/** The thread stopped accepting and wants a replacement; it ends once its connections are gone. */
export interface RetiringMessage {
  type: 'retiring'
  id: number
  reason: string
  replaced?: boolean
}
/** A TlsAddMessage or ChallengesMessage is in force in this thread. */
export interface AppliedMessage {
  type: 'applied'
  id: number
  what: 'tls' | 'challenges'
  version: number
}
/** Counters and histograms recorded since the last snapshot (every second, before a swap, at the end). */
export interface MetricsMessage {
  type: 'metrics'
  snapshot: MetricsSnapshot
}
/** One line of pier's own log, formatted, for the primary's log file. */
export interface LogMessage {
  type: 'log'
  line: string
}
/** Formatted access log lines, newline-terminated, and how many. */
export interface AccessLogMessage {
  type: 'accesslog'
  lines: string
  count: number
}
export type FromWorker = ListeningMessage | FailedMessage | DrainedMessage | RetiringMessage | MetricsMessage | AccessLogMessage | LogMessage | AppliedMessage
