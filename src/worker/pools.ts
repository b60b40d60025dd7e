// Upstream connection pools of one worker, keyed by server address and
// transport so that open keep-alive connections outlive table swaps, and two
// transports (TLS settings, timeouts) never share a connection. A pool whose
// server left the table is destroyed once it has nothing in flight.
import { UpstreamPool } from '../upstream/pool.js'
import type { RouteTable } from '../table/reader.js'
import { tlsOptions, type Transport } from '../table/transports.js'

export interface PoolSettings {
  maxConnsPerServer: number
  dialTimeoutMs: number
  idleConnTimeoutMs: number
  maxResponseHeaderBytes: number
}

export class Pools {
  private byAddress = new Map<string, UpstreamPool>()
  private retiring = new Set<UpstreamPool>()
  private sweeper: NodeJS.Timeout | null = null

  constructor(private readonly settings: PoolSettings) {}

  /** The pool of every server of table, by server index. */
  bind(table: RouteTable): UpstreamPool[] {
    const next = new Map<string, UpstreamPool>()
    const list: UpstreamPool[] = []
    for (let v = 0; v < table.serverCount; v++) {
      const host = table.serverHosts[v]!
      const port = table.port(v)
      const transport = table.serverTransports[v]!
      const tls = table.serverUrls[v]!.startsWith('https:')
      const key = `${tls ? 'https' : 'http'} ${host}:${port} ${transport}`
      let pool = next.get(key) ?? this.byAddress.get(key)
      if (!pool) pool = transport === '' ? this.create(host, port) : this.withTransport(host, port, JSON.parse(transport) as Transport, tls)
      next.set(key, pool)
      list.push(pool)
    }
    for (const [key, pool] of this.byAddress) if (!next.has(key)) this.retiring.add(pool)
    this.byAddress = next
    this.sweep()
    return list
  }

  private create(host: string, port: number): UpstreamPool {
    const s = this.settings
    return new UpstreamPool({ host, port, maxConnections: s.maxConnsPerServer, dialTimeoutMs: s.dialTimeoutMs, idleTimeoutMs: s.idleConnTimeoutMs, maxHeadBytes: s.maxResponseHeaderBytes })
  }

  private withTransport(host: string, port: number, t: Transport, tls: boolean): UpstreamPool {
    return new UpstreamPool({
      host,
      port,
      maxConnections: t.maxConns,
      dialTimeoutMs: t.dialTimeoutMs,
      idleTimeoutMs: t.idleConnTimeoutMs,
      headersTimeoutMs: t.headersTimeoutMs,
      maxHeadBytes: this.settings.maxResponseHeaderBytes,
      ...(tls ? { tls: tlsOptions(t, host) } : {}),
    })
  }

  private sweep(): void {
    for (const pool of this.retiring) {
      const s = pool.stats()
      if (s.open === s.idle && s.queued === 0) {
        pool.destroy()
        this.retiring.delete(pool)
      }
    }
    if (this.retiring.size > 0 && !this.sweeper) {
      this.sweeper = setTimeout(() => {
        this.sweeper = null
        this.sweep()
      }, 1000)
      this.sweeper.unref()
    }
  }

  destroy(): void {
    if (this.sweeper) clearTimeout(this.sweeper)
    for (const pool of this.byAddress.values()) pool.destroy()
    for (const pool of this.retiring) pool.destroy()
  }
}
