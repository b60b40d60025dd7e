// Smooth weighted round robin over a TCP or UDP router's servers (nginx's
// algorithm), its state keyed by router and server address so that it
// survives a new configuration.
import type { TcpServerSpec } from './plan.js'

const current = new Map<string, number>()

export function pick(router: string, servers: TcpServerSpec[]): TcpServerSpec | null {
  let total = 0
  let best: TcpServerSpec | null = null
  let bestKey = ''
  let bestValue = -Infinity
  for (const s of servers) {
    const key = `${router} ${s.host}:${s.port}`
    const v = (current.get(key) ?? 0) + s.weight
    current.set(key, v)
    total += s.weight
    if (v > bestValue) {
      best = s
      bestKey = key
      bestValue = v
    }
  }
  if (best !== null) current.set(bestKey, bestValue - total)
  return best
}

