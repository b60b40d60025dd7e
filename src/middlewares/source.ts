// Where a request comes from, as Traefik's ipStrategy and sourceCriterion
// tell it: the connection's address, an address taken from X-Forwarded-For
// (depth from the right, or the first not in excludedIPs), a request header,
// or the Host. X-Forwarded-For is read as it arrived: pier has no trusted
// forwarders list, so it acts as Traefik with forwardedHeaders.insecure.
import { MiddlewareError } from './kind.js'
import type { Flow } from './flow.js'
import { ipInNets, parseNet, type IPNet } from '../rules/ip.js'
import { addressText } from '../worker/client-address.js'

export interface IPStrategy {
  depth: number
  excluded: string[]
  ipv6Subnet: number
}

export interface SourceCriterion {
  kind: 'ip' | 'header' | 'host'
  ip: IPStrategy
  header: string
}

/** Parses a list of IPs and CIDRs, naming the one that does not parse. */
export function parseNets(list: string[], option: string): IPNet[] {
  return list.map((text) => {
    const net = parseNet(text.trim())
    if (net === null) throw new MiddlewareError(`${option}: ${JSON.stringify(text)} is neither an IP nor a CIDR`)
    return net
  })
}

export function compileIPStrategy(o: Record<string, unknown> | undefined): IPStrategy {
  const depth = typeof o?.depth === 'number' ? o.depth : 0
  if (depth < 0) throw new MiddlewareError('ipStrategy.depth must not be negative')
  const excluded = (o?.excludedIPs as string[] | undefined) ?? []
  parseNets(excluded, 'ipStrategy.excludedIPs')
  const ipv6Subnet = typeof o?.ipv6Subnet === 'number' ? o.ipv6Subnet : 0
  if (o?.ipv6Subnet !== undefined && (ipv6Subnet <= 0 || ipv6Subnet > 128)) throw new MiddlewareError(`invalid IPv6 subnet ${ipv6Subnet} value, should be greater to 0 and lower or equal to 128`)
  return { depth, excluded, ipv6Subnet }
}

/** Traefik's source criterion; `fallback` when none is set (rateLimit: the address; inFlightReq: the Host). */
export function compileSource(o: Record<string, unknown> | undefined, fallback: 'ip' | 'host'): SourceCriterion {
  const ip = o?.ipStrategy as Record<string, unknown> | undefined
  const header = typeof o?.requestHeaderName === 'string' ? o.requestHeaderName : ''
  const host = o?.requestHost === true
  if ([ip !== undefined, header !== '', host].filter(Boolean).length > 1) throw new MiddlewareError('sourceCriterion: ipStrategy, requestHeaderName and requestHost are mutually exclusive')
  const kind = ip !== undefined ? 'ip' : header !== '' ? 'header' : host ? 'host' : fallback
  return { kind, ip: compileIPStrategy(ip), header: header.toLowerCase() }
}

/** The first len bits of an IPv6 address as text; other text unchanged. */
function subnet(ip: string, bits: number): string {
  const net = parseNet(`${ip}/${bits}`)
  if (net === null || net.family !== 6) return ip
  const b = net.addr
  const full = bits >> 3
  for (let i = full + (bits & 7 ? 1 : 0); i < 16; i++) b[i] = 0
  if (bits & 7) b[full]! &= (0xff << (8 - (bits & 7))) & 0xff
  return addressText(b)
}

/** Picks the client address a strategy names. */
export class IPPicker {
  private readonly excluded: IPNet[]

  constructor(private readonly s: IPStrategy) {
    this.excluded = parseNets(s.excluded, 'ipStrategy.excludedIPs')
  }

  ip(flow: Flow): string {
    const s = this.s
    if (s.depth > 0) {
      const xffs = flow.getHeader('x-forwarded-for').split(',')
      if (xffs.length < s.depth) return ''
      const ip = xffs[xffs.length - s.depth]!.trim()
      return s.ipv6Subnet > 0 ? subnet(ip, s.ipv6Subnet) : ip
    }
    if (this.excluded.length > 0) {
      const xffs = flow.getHeader('x-forwarded-for').split(',')
      for (let i = xffs.length - 1; i >= 0; i--) {
        const ip = xffs[i]!.trim()
        if (ip !== '' && !ipInNets(ip, this.excluded)) return ip
      }
      return ''
    }
    return s.ipv6Subnet > 0 ? subnet(flow.clientIP, s.ipv6Subnet) : flow.clientIP
  }
}

/** The source of a request under a criterion. */
export class SourcePicker {
  private readonly ips: IPPicker

  constructor(private readonly c: SourceCriterion) {
    this.ips = new IPPicker(c.ip)
  }

  source(flow: Flow): string {
    switch (this.c.kind) {
      case 'ip':
        return this.ips.ip(flow)
      case 'header':
        return flow.getHeader(this.c.header)
      case 'host':
        return flow.host
    }
  }
}
