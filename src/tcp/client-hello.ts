// Reads the server name from the first bytes of a connection, the way a TLS
// passthrough router must: a TLS handshake record holding a ClientHello and
// its server_name extension (RFC 8446 4.1.2, RFC 6066 3). Nothing is
// decrypted or answered; the bytes go to the server as they came.

/** Not a TLS ClientHello: route as plain TCP. */
export const PLAIN = 0
/** A TLS ClientHello, read whole. */
export const TLS = 1
/** Not enough bytes yet. */
export const MORE = 2

export interface Hello {
  kind: typeof PLAIN | typeof TLS | typeof MORE
  /** The requested server name, lower-cased; '' when the hello names none. */
  sni: string
}

/** The largest record a ClientHello may come in (TLS plaintext limit plus the header). */
export const MAX_HELLO_BYTES = 5 + 16384

export function readHello(b: Buffer): Hello {
  if (b.length < 1) return { kind: MORE, sni: '' }
  if (b[0] !== 0x16) return { kind: PLAIN, sni: '' }
  if (b.length < 5) return { kind: MORE, sni: '' }
  if (b[1] !== 3) return { kind: PLAIN, sni: '' }
  const recordLength = b.readUInt16BE(3)
  if (recordLength > 16384) return { kind: PLAIN, sni: '' }
  if (b.length < 5 + recordLength) return { kind: MORE, sni: '' }
  const end = 5 + recordLength
  let p = 5
  if (b[p] !== 1) return { kind: PLAIN, sni: '' }
  const helloEnd = Math.min(end, p + 4 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!))
  p += 4 + 2 + 32 // handshake header, legacy_version, random
  if (p >= helloEnd) return { kind: TLS, sni: '' }
  p += 1 + b[p]! // session id
  if (p + 2 > helloEnd) return { kind: TLS, sni: '' }
  p += 2 + b.readUInt16BE(p) // cipher suites
  if (p + 1 > helloEnd) return { kind: TLS, sni: '' }
  p += 1 + b[p]! // compression methods
  if (p + 2 > helloEnd) return { kind: TLS, sni: '' }
  const extEnd = Math.min(helloEnd, p + 2 + b.readUInt16BE(p))
  p += 2
  while (p + 4 <= extEnd) {
    const type = b.readUInt16BE(p)
    const len = b.readUInt16BE(p + 2)
    p += 4
    if (type === 0 && p + len <= extEnd) return { kind: TLS, sni: serverName(b, p, p + len) }
    p += len
  }
  return { kind: TLS, sni: '' }
}

/** The host_name entry of a server_name extension body. */
function serverName(b: Buffer, p: number, end: number): string {
  if (p + 2 > end) return ''
  const listEnd = Math.min(end, p + 2 + b.readUInt16BE(p))
  p += 2
  while (p + 3 <= listEnd) {
    const type = b[p]!
    const len = b.readUInt16BE(p + 1)
    p += 3
    if (p + len > listEnd) return ''
    if (type === 0) {
      const name = b.toString('latin1', p, p + len).toLowerCase()
      return /^[a-z0-9._-]+$/.test(name) ? name.replace(/\.$/, '') : ''
    }
    p += len
  }
  return ''
}
