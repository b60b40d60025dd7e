// Every message between the primary and the TCP relay thread (relay.ts).
import type { TcpListenerSpec, UdpListenerSpec } from './plan.js'

export type ToRelay =
  /** The listeners in force: new ones open, gone ones stop accepting (their connections stay), the rest take the new routes. */
  | { type: 'listeners'; listeners: TcpListenerSpec[]; udp: UdpListenerSpec[] }
  /** Stop accepting; end once no connection is left, or close what is left after graceMs. */
  | { type: 'drain'; graceMs: number }

export type FromRelay =
  | { type: 'log'; level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'; message: string; fields: Record<string, string | number> }
  /** Every connection is closed; cut: how many the grace period ended. */
  | { type: 'drained'; cut: number }
