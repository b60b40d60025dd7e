// Traefik 1.x top-level static keys of a classic traefik.toml that have a
// pier meaning: debug, the phone-home switches, graceTimeOut, the global
// respondingTimeouts (every entrypoint's), forwardingTimeouts, retry and
// the default health check interval.
import type { Draft } from './draft.js'
import * as V from './values.js'
import type { Value } from './values.js'

type Apply = (d: Draft, v: Value, name: string, index: number) => void
type Def = (key: string, bare: boolean, apply: Apply) => void

export function defineV1Keys(def: Def): void {
  def('debug', true, (d, v) => {
    if (V.bool(v)) d.log.level = 'DEBUG'
  })
  // pier never phones home
  def('checkNewVersion', true, (_d, v) => V.bool(v))
  def('sendAnonymousUsage', true, (_d, v) => V.bool(v))
  def('graceTimeOut', false, (d, v) => (d.graceTimeOutMs = V.duration(v)))
  const responding = (d: Draft) => (d.v1Responding ??= {})
  def('respondingTimeouts.readTimeout', false, (d, v) => (responding(d).readTimeoutMs = V.duration(v)))
  def('respondingTimeouts.writeTimeout', false, (d, v) => (responding(d).writeTimeoutMs = V.duration(v)))
  def('respondingTimeouts.idleTimeout', false, (d, v) => (responding(d).idleTimeoutMs = V.duration(v)))
  // [retry]: pier's own failover already tries each other server once, 1.7's default; attempts adds a retry middleware
  def('retry', true, (d, v) => (V.bool(v) ? (d.v1Retry ??= {}) : (d.v1Retry = undefined)))
  def('retry.attempts', false, (d, v) => ((d.v1Retry ??= {}).attempts = V.int(v, 0, 1000)))
  // [healthcheck] interval: for the health checks of v1 backends (files and labels) that give none
  def('healthcheck.interval', false, (d, v) => (d.v1HealthInterval = `${V.duration(v)}ms`))
  def('forwardingTimeouts.dialTimeout', false, (d, v) => (d.transport.dialTimeoutMs = V.duration(v)))
  def('forwardingTimeouts.responseHeaderTimeout', false, (d, v) => (d.transport.responseHeaderTimeoutMs = V.duration(v)))
}
