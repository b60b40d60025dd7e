// The PROXY protocol header pier writes to a TCP server that asks for it
// (Traefik's TCP service proxyProtocol.version 1 or 2): the client's address
// and the address it reached, before any byte of the connection.
import { isIPv4, isIPv6 } from 'node:net'

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a])

/** An IPv4-mapped IPv6 address as Node reports it (::ffff:1.2.3.4) is written as IPv4. */
function plain(ip: string): string {
  return ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip
}

export function proxyHeader(version: 1 | 2, src: string, srcPort: number, dst: string, dstPort: number): Buffer {
  const s = plain(src)
  const d = plain(dst)
  const v4 = isIPv4(s) && isIPv4(d)
  const v6 = !v4 && isIPv6(s) && isIPv6(d)
  if (version === 1) {
    if (!v4 && !v6) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1')
    return Buffer.from(`PROXY ${v4 ? 'TCP4' : 'TCP6'} ${s} ${d} ${srcPort} ${dstPort}\r\n`, 'latin1')
  }
  if (!v4 && !v6) return Buffer.concat([V2_SIGNATURE, Buffer.from([0x20, 0x00, 0x00, 0x00])]) // LOCAL, no address
  const len = v4 ? 12 : 36
  const out = Buffer.alloc(16 + len)
  V2_SIGNATURE.copy(out, 0)
  out[12] = 0x21 // version 2, PROXY
  out[13] = v4 ? 0x11 : 0x21 // TCP over IPv4 or IPv6
  out.writeUInt16BE(len, 14)
  if (v4) {
    s.split('.').forEach((o, i) => (out[16 + i] = Number(o)))
    d.split('.').forEach((o, i) => (out[20 + i] = Number(o)))
    out.writeUInt16BE(srcPort, 24)
    out.writeUInt16BE(dstPort, 26)
  } else {
    ipv6Bytes(s).copy(out, 16)
    ipv6Bytes(d).copy(out, 32)
    out.writeUInt16BE(srcPort, 48)
    out.writeUInt16BE(dstPort, 50)
  }
  return out
}

function ipv6Bytes(ip: string): Buffer {
  const out = Buffer.alloc(16)
  let text = ip
  const tail: number[] = []
  const lastColon = text.lastIndexOf(':')
  if (text.includes('.')) {
    for (const o of text.slice(lastColon + 1).split('.')) tail.push(Number(o))
    text = `${text.slice(0, lastColon + 1)}0:0`
  }
  const [head, rest] = text.split('::') as [string, string | undefined]
  const h = head === '' ? [] : head.split(':')
  const r = rest === undefined || rest === '' ? [] : rest.split(':')
  const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill('0'), ...r]
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2))
  if (tail.length === 4) for (let i = 0; i < 4; i++) out[12 + i] = tail[i]!
  return out
}
