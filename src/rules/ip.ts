// IP addresses and networks for ClientIP. Addresses are held as 16 bytes
// (IPv4 in its IPv4-mapped form); a client address is parsed into one scratch
// buffer so matching allocates nothing. As in Go's net.IPNet.Contains, an
// IPv4 client (or an IPv4-mapped IPv6 one) matches only IPv4 networks.

import { RuleError } from './errors.js'
import type { ArgPosition } from './spec.js'

export interface IPNet {
  addr: Uint8Array
  bits: number
  /** 4 or 6. */
  family: number
}

const scratch = new Uint8Array(16)

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

/** Dotted quad in s[start, end) into out[offset..offset+3]; Go rules (no leading zeros). */
function parseIPv4(s: string, start: number, end: number, out: Uint8Array, offset: number): boolean {
  let part = 0
  let digits = 0
  let n = 0
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return false
      part = part * 10 + (c - 48)
      if (++digits > 3 || part > 255) return false
    } else if (c === 46 && digits > 0 && n < 3) {
      out[offset + n++] = part
      part = 0
      digits = 0
    } else {
      return false
    }
  }
  if (digits === 0 || n !== 3) return false
  out[offset + 3] = part
  return true
}

function isMapped(a: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return false
  return a[10] === 0xff && a[11] === 0xff
}

/** IPv6 text (with '::' and an optional dotted tail) in s[start, end) into out. */
function parseIPv6(s: string, start: number, end: number, out: Uint8Array): boolean {
  let filled = 0
  let ellipsis = -1
  let i = start
  if (end - start >= 2 && s.charCodeAt(i) === 58 && s.charCodeAt(i + 1) === 58) {
    ellipsis = 0
    i += 2
  }
  while (i < end) {
    let v = 0
    let digits = 0
    let j = i
    for (; j < end && digits < 4; j++, digits++) {
      const h = hexValue(s.charCodeAt(j))
      if (h < 0) break
      v = v * 16 + h
    }
    if (digits === 0) return false
    if (j < end && s.charCodeAt(j) === 46) {
      if (filled > 12 || !parseIPv4(s, i, end, out, filled)) return false
      filled += 4
      break
    }
    if (j < end && hexValue(s.charCodeAt(j)) >= 0) return false
    if (filled > 14) return false
    out[filled++] = v >> 8
    out[filled++] = v & 0xff
    i = j
    if (i === end) break
    if (s.charCodeAt(i) !== 58) return false
    i++
    if (i < end && s.charCodeAt(i) === 58) {
      if (ellipsis >= 0) return false
      ellipsis = filled
      i++
    } else if (i === end) {
      return false
    }
  }
  if (filled < 16) {
    if (ellipsis < 0) return false
    const tail = filled - ellipsis
    for (let k = tail - 1; k >= 0; k--) out[16 - tail + k] = out[ellipsis + k]!
    for (let k = ellipsis; k < 16 - tail; k++) out[k] = 0
  } else if (ellipsis >= 0) {
    return false
  }
  return true
}

/**
 * Parses an address (IPv4, IPv6, an IPv6 zone is ignored) into out; returns
 * its family (4 for IPv4 and IPv4-mapped IPv6) or 0 when it is not an address.
 */
function parseIP(s: string, out: Uint8Array = scratch): number {
  let end = s.indexOf('%')
  if (end < 0) end = s.length
  if (s.indexOf(':') < 0) {
    for (let i = 0; i < 10; i++) out[i] = 0
    out[10] = 0xff
    out[11] = 0xff
    return end === s.length && parseIPv4(s, 0, end, out, 12) ? 4 : 0
  }
  if (!parseIPv6(s, 0, end, out)) return 0
  return isMapped(out) ? 4 : 6
}

/** Parses `ip` or `ip/bits`; null when malformed. */
export function parseNet(text: string): IPNet | null {
  const slash = text.indexOf('/')
  const ipText = slash < 0 ? text : text.slice(0, slash)
  if (ipText.indexOf('%') >= 0) return null
  const addr = new Uint8Array(16)
  const family = parseIP(ipText, addr)
  if (family === 0) return null
  const v4Text = ipText.indexOf(':') < 0
  const max = v4Text ? 32 : 128
  let bits = max
  if (slash >= 0) {
    const b = text.slice(slash + 1)
    if (!/^(0|[1-9][0-9]{0,2})$/.test(b) || Number(b) > max) return null
    bits = Number(b)
  }
  return { addr, bits: v4Text ? bits + 96 : bits, family }
}

function contains(net: IPNet, ip: Uint8Array, family: number): boolean {
  if (family !== net.family) return false
  const full = net.bits >> 3
  for (let i = 0; i < full; i++) if (ip[i] !== net.addr[i]) return false
  const rest = net.bits & 7
  if (rest === 0) return true
  const mask = (0xff << (8 - rest)) & 0xff
  return (ip[full]! & mask) === (net.addr[full]! & mask)
}

/** True when the address text lies in one of the networks; false when it is not an address. */
export function ipInNets(text: string, nets: IPNet[]): boolean {
  const family = parseIP(text, scratch)
  if (family === 0) return false
  for (let i = 0; i < nets.length; i++) if (contains(nets[i]!, scratch, family)) return true
  return false
}

/** ClientIP's arguments as networks (HTTP and TCP rules alike). */
export function clientNets(args: string[], at: ArgPosition): IPNet[] {
  return args.map((a, i) => {
    const net = parseNet(a.trim())
    if (!net) throw new RuleError('RULE_BAD_CIDR', `invalid IP or CIDR '${a}' in ClientIP`, at(i))
    return net
  })
}
