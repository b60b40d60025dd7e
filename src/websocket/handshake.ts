// The HTTP side of a WebSocket upgrade (RFC 6455 section 4): what makes a
// client's request one, and what a backend's 101 must say for pier to
// accept it. Pier offers a backend no extension, so a 101 naming one, or a
// subprotocol the client did not offer, is refused.
import { nodeCrypto } from '../lazy-modules.js'

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
/** base64 of 16 bytes. */
const KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/

/** The Sec-WebSocket-Accept value for a Sec-WebSocket-Key. */
export function acceptFor(key: string): string {
  return nodeCrypto().createHash('sha1').update(key + GUID, 'latin1').digest('base64')
}

/** True when a comma-separated header value lists token (any case). */
export function hasToken(value: string, token: string): boolean {
  if (value === '') return false
  for (const t of value.split(',')) if (t.trim().toLowerCase() === token) return true
  return false
}

export function isWebSocketKey(key: string): boolean {
  return KEY.test(key)
}

export interface BackendHandshake {
  /** The subprotocol the backend chose ('' for none). */
  protocol: string
  /** Why the 101 is refused ('' when it is fine). */
  problem: string
}

/** Checks a backend's 101 (flat name/value headers) against the request pier sent. */
export function checkBackendHandshake(headers: string[], key: string, offered: string): BackendHandshake {
  let upgrade = ''
  let connection = ''
  let accept = ''
  let protocol = ''
  let extensions = ''
  for (let i = 0; i < headers.length; i += 2) {
    const v = headers[i + 1]!
    switch (headers[i]!.toLowerCase()) {
      case 'upgrade':
        upgrade = v
        break
      case 'connection':
        connection = connection ? `${connection}, ${v}` : v
        break
      case 'sec-websocket-accept':
        accept = v
        break
      case 'sec-websocket-protocol':
        protocol = protocol ? `${protocol}, ${v}` : v
        break
      case 'sec-websocket-extensions':
        extensions = v
        break
    }
  }
  const fail = (problem: string): BackendHandshake => ({ protocol: '', problem })
  if (!hasToken(upgrade, 'websocket')) return fail(`101 without Upgrade: websocket (got ${JSON.stringify(upgrade)})`)
  if (!hasToken(connection, 'upgrade')) return fail('101 without Connection: upgrade')
  if (accept !== acceptFor(key)) return fail('101 with a wrong Sec-WebSocket-Accept')
  if (extensions !== '') return fail(`101 accepts extensions pier did not offer (${JSON.stringify(extensions)})`)
  if (protocol !== '' && !offered.split(',').some((p) => p.trim() === protocol)) return fail(`101 chose subprotocol ${JSON.stringify(protocol)}, which the client did not offer`)
  return { protocol, problem: '' }
}
