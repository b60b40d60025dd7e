// Counts this machine's open TCP connections whose local port is one of
// ours (accepted client connections), from /proc/net/tcp{,6}: uWS 20.30 tells
// no one when a connection opens or closes. traefik_open_connections reads it.
import { readFileSync } from 'node:fs'

// Socket states in which the process still holds the connection; after its
// own close (FIN_WAIT*, TIME_WAIT, ...) the kernel finishes alone.
const ESTABLISHED = 0x01
const SYN_RECV = 0x03
const CLOSE_WAIT = 0x08

export function openConnections(ports: Set<number>): number {
  let n = 0
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(file, 'latin1')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f.length < 4) continue
      const local = f[1]!
      const port = parseInt(local.slice(local.lastIndexOf(':') + 1), 16)
      const st = parseInt(f[3]!, 16)
      if (ports.has(port) && (st === ESTABLISHED || st === SYN_RECV || st === CLOSE_WAIT)) n++
    }
  }
  return n
}
