// Every message between the primary and the worker threads. Errors cross
// threads as {code, message}, never as Error objects.
import type { MessagePort } from 'node:worker_threads'

export interface WorkerEntryPoint {
  name: string
  host: string
  port: number
}

/** The serve task's input (piscina task argument). */
export interface ServeInput {
  id: number
  port: MessagePort
  entryPoints: WorkerEntryPoint[]
  /** The table in force when the worker starts; later ones arrive as TableMessage. */
  table: SharedArrayBuffer
  log: { level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'; format: 'common' | 'json' }
  transport: { responseHeaderTimeoutMs: number; dialTimeoutMs: number; maxConnsPerServer: number }
}

// primary -> worker
export interface TableMessage {
  type: 'table'
  buffer: SharedArrayBuffer
}
export interface DrainMessage {
  type: 'drain'
}
export type ToWorker = TableMessage | DrainMessage

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
export interface SwappedMessage {
  type: 'swapped'
  id: number
  version: number
}
export interface DrainedMessage {
  type: 'drained'
  id: number
}
export type FromWorker = ListeningMessage | FailedMessage | SwappedMessage | DrainedMessage
