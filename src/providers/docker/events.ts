// The engine's event stream as parsed events: newline-delimited JSON that
// may arrive split across chunks.
import type { Readable } from 'node:stream'

export interface EngineEvent {
  Type: string
  Action: string
  Actor: { ID: string; Attributes?: Record<string, string> }
}

/** Calls onEvent for each complete JSON line; malformed lines go to onBad. */
export function readEvents(stream: Readable, onEvent: (e: EngineEvent) => void, onBad: (line: string) => void): void {
  let buf = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    buf += chunk
    let nl
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim()
      buf = buf.slice(nl + 1)
      if (line === '') continue
      let e: EngineEvent
      try {
        e = JSON.parse(line) as EngineEvent
      } catch {
        onBad(line)
        continue
      }
      onEvent(e)
    }
  })
}

// Container actions that can change what a container contributes. exec_* (run
// by every HEALTHCHECK) and the like are left out on purpose.
const CONTAINER_ACTIONS = new Set(['start', 'restart', 'die', 'stop', 'kill', 'pause', 'unpause', 'destroy', 'rename', 'update', 'oom'])

/** The container an event concerns, when it can change the configuration. */
export function affectedContainer(e: EngineEvent): string | undefined {
  if (e.Type === 'container') {
    if (CONTAINER_ACTIONS.has(e.Action) || e.Action.startsWith('health_status')) return e.Actor.ID
    return undefined
  }
  if (e.Type === 'network' && (e.Action === 'connect' || e.Action === 'disconnect')) return e.Actor.Attributes?.container
  return undefined
}
