// What one middleware kind provides: its option schema (read by the label
// parser, the file validator, --help and the README), its compile step (run
// by the primary's table compiler: defaults applied, values checked, the
// result canonical JSON in the route table) and its runtime (built by each
// worker from that JSON on a table swap).
import type { Schema } from './schema.js'
import type { Flow } from './flow.js'
import type { Routing } from '../worker/handler.js'
import type { SharedState } from './shared-state.js'
import type { PoolOptions, UpstreamPool } from '../upstream/pool.js'

/** Phases a compiled middleware takes part in; a chain's mask is the union (0: no middleware at all). */
export const PHASE_REQUEST = 1
/** It wraps the response (head, body or errors) with a filter. */
export const PHASE_RESPONSE = 2

/** What a middleware's request step tells the flow. */
export const NEXT = 0
/** It answered (flow.answer): nothing after it runs. */
export const DONE = 1
/** It will call flow.next() or flow.answer() later (it went asynchronous). */
export const WAIT = 2
export type Step = typeof NEXT | typeof DONE | typeof WAIT

/** A middleware's problem with its options, found by compile; the routers using it are disabled. */
export class MiddlewareError extends Error {
  readonly code = 'MIDDLEWARE_INVALID'
}

export interface CompileContext {
  /** The middleware's provider, for qualifying names it refers to. */
  provider: string
  /** Services that exist (qualified names). */
  hasService(name: string): boolean
  /** Reads a file named in the options (usersFile); throws a MiddlewareError naming it. */
  readFile(path: string): string
}

/** What a worker gives the middlewares it builds. */
export interface WorkerEnv {
  /** Counters and the run's secret, shared by every worker thread. */
  shared: SharedState
  /** Upstream settings, for middlewares that call other servers (forwardAuth, errors). */
  dialTimeoutMs: number
  headersTimeoutMs: number
  /** A client for another server (forwardAuth's): the worker's own, passed in so that the primary, which loads every kind to validate it, never loads the client. */
  pool(options: PoolOptions): UpstreamPool
}

/** A compiled middleware at work in one worker; long-lived, shared by every request it sees. */
export interface Middleware {
  /** Runs on the request in chain order. */
  request(flow: Flow): Step
  /** A table swap: the new routing state (service indices, pools) for what it calls itself. */
  bind?(routing: Routing): void
  /** Left out of the new table: release what it holds. */
  close?(): void
}

export interface Kind<C = unknown> {
  schema: Schema
  /** The phases compiled options take part in. */
  phases(compiled: C): number
  /** Options as decoded -> compiled options (plain JSON); throws MiddlewareError. */
  compile(options: Record<string, unknown>, ctx: CompileContext): C
  /** A worker's instance for compiled options (as they came back from JSON); hash is their FNV-1a, the same in every thread. */
  create(compiled: C, env: WorkerEnv, name: string, hash: number): Middleware
}

/** Defines a kind with its types checked. */
export function kind<C>(k: Kind<C>): Kind<unknown> {
  return k as unknown as Kind<unknown>
}
