// Worker-side view of a RouteTable. Construction (once per table swap) may
// allocate: it decodes names and compiles rule predicates. match() and the
// accessors allocate nothing.
import { parseRule, compileRule, indexHosts, beyondHosts, type MatchRequest } from '../rules/index.js'
import { hostLength } from '../rules/host.js'
import * as L from './layout.js'
import { hashHost } from './hash.js'
import { HealthView, newHealthBuffer } from '../balancer/health-board.js'
import { COMPAT_FORMS, compatValues } from '../balancer/sticky-cookie.js'

type Predicate = (req: MatchRequest) => boolean

export class RouteTable {
  readonly version: number
  readonly routerCount: number
  readonly serviceCount: number
  readonly serverCount: number
  readonly routerNames: string[]
  readonly serviceNames: string[]
  readonly entryPoints: string[]
  /** Per server: its configured URL, host and port, decoded once. */
  readonly serverUrls: string[]
  readonly serverHosts: string[]
  /** Sticky services: per service the cookie's name, per server the value naming it and the Set-Cookie header that sets it ('' elsewhere). */
  readonly cookieNames: string[]
  readonly cookieValues: string[]
  readonly setCookies: string[]
  /** Sticky services: per server, the older forms Traefik still honours, COMPAT_FORMS each (balancer/sticky-cookie.ts). */
  readonly cookieCompat: string[]
  /** Per server: its transport as JSON (table/transports.ts), '' for plain http on the static serversTransport. */
  readonly serverTransports: string[]
  readonly middlewareCount: number
  /** Per middleware: qualified name, type and options JSON, decoded once. */
  readonly middlewareNames: string[]
  readonly middlewareTypes: string[]
  readonly middlewareOptions: string[]
  private readonly i32: Int32Array
  private readonly chars: Uint16Array
  private readonly predicates: (Predicate | null)[]
  /** Per router its service, read on every request: 4 bytes a router stay in cache where the 32 of its record would not. */
  private readonly routerServices: Int32Array
  private readonly routersOff: number
  private readonly servicesOff: number
  private readonly serversOff: number
  private readonly bucketsOff: number
  private readonly bucketMask: number
  private readonly positionsOff: number
  private readonly positionCount: number
  private readonly hostsOff: number
  private readonly hostRoutesOff: number
  private readonly genericOff: number
  private readonly genericCount: number
  private readonly middlewaresOff: number
  private readonly chainEntriesOff: number
  private readonly chainsOff: number
  private readonly epCount: number
  /**
   * Per host bucket, its entry's key ('' when empty): a header already
   * lower-case without a port matches it with one native string compare.
   * Kept by bucket, not by entry, so that the key is found without waiting
   * for the bucket's own line to come from memory.
   */
  private readonly keys: string[]
  /**
   * Per host bucket, the last header that named its host in another
   * spelling (with a port, in other case): a client sends the same Host
   * again and again, and one native compare recognises it (a loop over
   * units costs ~3 ns each).
   */
  private readonly spellings: string[]
  /**
   * health: the board the primary published with this table; without one
   * (tests, tools) every server reads as up.
   */
  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly health: HealthView = new HealthView(newHealthBuffer(0), 0),
  ) {
    const head = new Int32Array(buffer, 0, L.HEADER_SLOTS)
    if (head[L.H_MAGIC] !== L.MAGIC) throw new Error('not a pier route table')
    const byteOff = head[L.H_STRINGS_BYTE_OFF]!
    this.i32 = new Int32Array(buffer, 0, byteOff / 4)
    this.chars = new Uint16Array(buffer, byteOff, head[L.H_STRINGS_CHARS])
    const h = this.i32
    this.version = h[L.H_VERSION]!
    this.routerCount = h[L.H_ROUTER_COUNT]!
    this.serviceCount = h[L.H_SERVICE_COUNT]!
    this.serverCount = h[L.H_SERVER_COUNT]!
    this.routersOff = h[L.H_ROUTERS_OFF]!
    this.servicesOff = h[L.H_SERVICES_OFF]!
    this.serversOff = h[L.H_SERVERS_OFF]!
    this.bucketsOff = h[L.H_BUCKETS_OFF]!
    this.bucketMask = h[L.H_BUCKET_COUNT]! - 1
    this.positionsOff = h[L.H_HASH_POSITIONS_OFF]!
    this.positionCount = h[L.H_HASH_POSITION_COUNT]!
    this.hostsOff = h[L.H_HOSTS_OFF]!
    this.hostRoutesOff = h[L.H_HOST_ROUTES_OFF]!
    this.genericOff = h[L.H_GENERIC_OFF]!
    this.genericCount = h[L.H_GENERIC_COUNT]!

    this.routerNames = []
    this.predicates = []
    this.routerServices = new Int32Array(this.routerCount)
    for (let r = 0; r < this.routerCount; r++) {
      const o = this.routersOff + r * L.ROUTER_SLOTS
      this.routerNames.push(this.str(o + L.R_NAME_CHAR))
      this.routerServices[r] = h[o + L.R_SERVICE]!
      const hostOnly = (h[o + L.R_FLAGS]! & L.RF_HOST_ONLY) !== 0
      this.predicates.push(hostOnly ? null : predicateOf(this.str(o + L.R_RULE_CHAR)))
    }
    this.serviceNames = []
    for (let s = 0; s < this.serviceCount; s++) this.serviceNames.push(this.str(this.servicesOff + s * L.SERVICE_SLOTS + L.S_NAME_CHAR))
    this.serverUrls = []
    this.serverHosts = []
    this.cookieValues = []
    this.serverTransports = []
    for (let v = 0; v < this.serverCount; v++) {
      const o = this.serversOff + v * L.SERVER_SLOTS
      this.serverUrls.push(this.str(o + L.V_URL_CHAR))
      this.serverHosts.push(this.str(o + L.V_HOST_CHAR))
      this.cookieValues.push(this.str(o + L.V_COOKIE_CHAR))
      this.serverTransports.push(this.str(o + L.V_TRANSPORT_CHAR))
    }
    this.cookieNames = []
    this.setCookies = Array<string>(this.serverCount).fill('')
    this.cookieCompat = Array<string>(this.serverCount * COMPAT_FORMS).fill('')
    for (let s = 0; s < this.serviceCount; s++) {
      const o = this.servicesOff + s * L.SERVICE_SLOTS
      const name = this.str(o + L.S_COOKIE_NAME_CHAR)
      this.cookieNames.push(name)
      if (name === '') continue
      const attrs = this.str(o + L.S_COOKIE_ATTRS_CHAR)
      const first = this.firstServer(s)
      for (let v = first; v < first + this.serverCountOf(s); v++) {
        this.setCookies[v] = `${name}=${this.cookieValues[v]}${attrs}`
        compatValues(this.serverUrls[v]!).forEach((c, i) => (this.cookieCompat[v * COMPAT_FORMS + i] = c))
      }
    }
    this.keys = []
    for (let b = 0; b <= this.bucketMask; b++) {
      const e = h[this.bucketsOff + b * L.BUCKET_SLOTS + L.B_ENTRY]!
      this.keys.push(e === 0 ? '' : this.str(this.hostsOff + (e - 1) * L.HOST_SLOTS + L.E_HOST_CHAR))
    }
    this.spellings = this.keys.slice()
    this.entryPoints = []
    const epOff = h[L.H_ENTRYPOINTS_OFF]!
    this.epCount = h[L.H_ENTRYPOINT_COUNT]!
    for (let e = 0; e < this.epCount; e++) this.entryPoints.push(this.str(epOff + 2 * e))
    this.middlewareCount = h[L.H_MIDDLEWARE_COUNT]!
    this.middlewaresOff = h[L.H_MIDDLEWARES_OFF]!
    this.chainEntriesOff = h[L.H_CHAIN_ENTRIES_OFF]!
    this.chainsOff = h[L.H_CHAINS_OFF]!
    this.middlewareNames = []
    this.middlewareTypes = []
    this.middlewareOptions = []
    for (let m = 0; m < this.middlewareCount; m++) {
      const o = this.middlewaresOff + m * L.MIDDLEWARE_SLOTS
      this.middlewareNames.push(this.str(o + L.M_NAME_CHAR))
      this.middlewareTypes.push(this.str(o + L.M_TYPE_CHAR))
      this.middlewareOptions.push(this.str(o + L.M_OPTIONS_CHAR))
    }
  }

  private routerByName: Map<string, number> | null = null
  private serviceByName: Map<string, number> | null = null

  /** Index of a router by name, -1 if absent (built on first use: only requests that outlive a swap ask). */
  routerIndex(name: string): number {
    this.routerByName ??= new Map(this.routerNames.map((n, i) => [n, i]))
    return this.routerByName.get(name) ?? -1
  }

  serviceIndex(name: string): number {
    this.serviceByName ??= new Map(this.serviceNames.map((n, i) => [n, i]))
    return this.serviceByName.get(name) ?? -1
  }

  /** Decodes the string whose (offset, length) pair sits at slot. */
  private str(slot: number): string {
    const at = this.i32[slot]!
    return String.fromCharCode(...this.chars.subarray(at, at + this.i32[slot + 1]!))
  }

  /**
   * The best router for the request on entrypoint ep, or -1. The host's
   * routers and the generic ones are each kept in match order (ascending
   * index), so walking the host's list and letting through the generic
   * routers that come before each finds the first that accepts.
   */
  match(req: MatchRequest, ep: number): number {
    const h = this.i32
    const epBit = 1 << ep
    const bucket = this.findHost(req.host)
    if (bucket >= 0 && (h[bucket + L.B_DIRECT]! & epBit) !== 0) return h[bucket + L.B_ROUTER]!
    const generic = this.genericOff
    const genericEnd = generic + this.genericCount
    let g = generic
    if (bucket >= 0) {
      const o = this.hostsOff + (h[bucket + L.B_ENTRY]! - 1) * L.HOST_SLOTS
      const start = this.hostRoutesOff + h[o + L.E_ROUTES_START]!
      const end = start + h[o + L.E_ROUTES_COUNT]!
      for (let i = start; i < end; i++) {
        const r = h[i]!
        for (; g < genericEnd && h[g]! < r; g++) if (this.accepts(h[g]!, req, epBit)) return h[g]!
        if (this.accepts(r, req, epBit)) return r
      }
    }
    for (; g < genericEnd; g++) if (this.accepts(h[g]!, req, epBit)) return h[g]!
    return -1
  }

  /** Router r serves the entrypoint (a bit of epBit) and its rule accepts the request. */
  private accepts(r: number, req: MatchRequest, epBit: number): boolean {
    const mask = this.i32[this.routersOff + r * L.ROUTER_SLOTS + L.R_ENTRYPOINTS]!
    if (mask !== 0 && (mask & epBit) === 0) return false
    const p = this.predicates[r]!
    return p === null || p(req)
  }

  /**
   * The host bucket (its first slot) for a Host header, -1 if none. The host
   * part is what rules/host.ts compares: without the port and one trailing
   * dot, an [IPv6] literal with its brackets. Most headers are a key as they
   * stand, so a header that does not end as a port does (in a digit) is
   * looked up whole before it is parsed: a key has no port and no trailing
   * dot, so a header that equals one is its own host part.
   */
  private findHost(host: string): number {
    const n = host.length
    if (n === 0) return -1
    const last = host.charCodeAt(n - 1)
    const asIs = last < 48 || last > 57
    if (asIs) {
      const o = this.probe(host, n)
      if (o >= 0) return o
    } else if (host.charCodeAt(0) !== 91 /* [ */) {
      // Most other headers end in ':' and a port: the host part is before it. (With
      // another colon before, no key can match that part: keys with colons are [IPv6].)
      const colon = portColon(host, n)
      if (colon >= 0) {
        const end = colon > 0 && host.charCodeAt(colon - 1) === 46 /* . */ ? colon - 1 : colon
        return end > 0 ? this.probe(host, end) : -1
      }
    }
    const end = hostLength(host)
    return end <= 0 || (asIs && end === n) ? -1 : this.probe(host, end)
  }

  /** The bucket whose key host[0, end) is, ASCII case-insensitively; -1 if none. The hash folds case (table/hash.ts): nothing is sliced or lower-cased. */
  private probe(host: string, end: number): number {
    const h = this.i32
    const x = hashHost(host, end, h, this.positionsOff, this.positionCount)
    let b = x & this.bucketMask
    for (;;) {
      const o = this.bucketsOff + b * L.BUCKET_SLOTS
      if (h[o + L.B_ENTRY] === 0) return -1
      if (h[o + L.B_HASH] === x) {
        // Most headers are the key itself (a header with a port cannot be: its key is not read) or
        // the spelling seen last, compared natively; the rest unit by unit.
        if ((end === host.length && host === this.keys[b]) || host === this.spellings[b]) return o
        const key = this.keys[b]!
        if (key.length === end && hostIs(host, key)) {
          this.spellings[b] = host
          return o
        }
      }
      b = (b + 1) & this.bucketMask
    }
  }

  /**
   * The phases of the router's middleware chain on entrypoint ep; 0 when it
   * has none, which is all a router without middlewares costs: this read.
   */
  chainPhases(router: number, ep: number): number {
    return this.i32[this.chainsOff + (router * this.epCount + ep) * L.CHAIN_SLOTS + L.C_PHASES]!
  }

  /** The router's chain on ep: its middleware indices, in order. */
  chain(router: number, ep: number): number[] {
    const c = this.chainsOff + (router * this.epCount + ep) * L.CHAIN_SLOTS
    const start = this.chainEntriesOff + this.i32[c + L.C_START]!
    return Array.from(this.i32.subarray(start, start + this.i32[c + L.C_COUNT]!))
  }

  /** FNV-1a of the middleware's options JSON. */
  middlewareHash(m: number): number {
    return this.i32[this.middlewaresOff + m * L.MIDDLEWARE_SLOTS + L.M_HASH]!
  }

  priority(router: number): number {
    return this.i32[this.routersOff + router * L.ROUTER_SLOTS + L.R_PRIORITY]!
  }

  serviceOf(router: number): number {
    return this.routerServices[router]!
  }

  firstServer(service: number): number {
    return this.i32[this.servicesOff + service * L.SERVICE_SLOTS + L.S_FIRST_SERVER]!
  }

  serverCountOf(service: number): number {
    return this.i32[this.servicesOff + service * L.SERVICE_SLOTS + L.S_SERVER_COUNT]!
  }

  passHostHeader(service: number): boolean {
    return (this.i32[this.servicesOff + service * L.SERVICE_SLOTS + L.S_FLAGS]! & L.SF_PASS_HOST) !== 0
  }

  /** The server's health board state: 0 when up, else ACTIVE_DOWN and/or PASSIVE_DOWN bits. */
  healthState(server: number): number {
    const slot = this.i32[this.serversOff + server * L.SERVER_SLOTS + L.V_HEALTH]!
    return slot < this.health.slots ? this.health.state[slot]! : 0
  }

  healthSlot(server: number): number {
    return this.i32[this.serversOff + server * L.SERVER_SLOTS + L.V_HEALTH]!
  }

  /** loadBalancer.sticky.cookie is on for the service. */
  sticky(service: number): boolean {
    return (this.i32[this.servicesOff + service * L.SERVICE_SLOTS + L.S_FLAGS]! & L.SF_STICKY) !== 0
  }

  serviceFlags(service: number): number {
    return this.i32[this.servicesOff + service * L.SERVICE_SLOTS + L.S_FLAGS]!
  }

  failureWindow(service: number): number {
    return this.i32[this.servicesOff + service * L.SERVICE_SLOTS + L.S_FAILURE_WINDOW]!
  }

  maxFailures(service: number): number {
    return this.i32[this.servicesOff + service * L.SERVICE_SLOTS + L.S_MAX_FAILURES]!
  }

  weight(server: number): number {
    return this.i32[this.serversOff + server * L.SERVER_SLOTS + L.V_WEIGHT]!
  }

  port(server: number): number {
    return this.i32[this.serversOff + server * L.SERVER_SLOTS + L.V_PORT]!
  }
}

/**
 * The router's predicate as match() runs it: a router in the host index is
 * tried only for a host its rule names, so its Host conditions are not
 * checked again. null when nothing is left to check.
 */
function predicateOf(rule: string): Predicate | null {
  const node = parseRule(rule)
  const rest = indexHosts(node) === null ? node : beyondHosts(node)
  return rest === null ? null : compileRule(rest)
}

/** Where the ':' of a port of 1 to 5 digits ending host[0, n) is; -1 if it does not end so. */
function portColon(host: string, n: number): number {
  for (let i = n - 1; i >= 0 && i >= n - 6; i--) {
    const c = host.charCodeAt(i)
    if (c === 58 /* : */) return i
    if (c < 48 || c > 57) return -1
  }
  return -1
}

/** host starts with the lower-case key, ASCII case-insensitively. */
function hostIs(host: string, key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = host.charCodeAt(i)
    const want = key.charCodeAt(i)
    // Keys are lower-case: an upper-case letter in the header is the only other match.
    if (c !== want && (c < 65 || c > 90 || c + 32 !== want)) return false
  }
  return true
}
