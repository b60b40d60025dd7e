// The primary's health monitor: owns the health board, probes the servers of
// every service with an active health check (each server on its own timer:
// `interval` while up, `unhealthyInterval` while down), expires passive marks
// the workers set, and keeps the RuntimeState's server statuses (API,
// dashboard, traefik_service_server_up) in step with the board.
import type { DynamicConfig, HealthCheck } from '../config/dynamic.js'
import type { Logger } from '../log.js'
import { HealthBoard, healthKey, ACTIVE_DOWN } from '../balancer/health-board.js'
import { parseServerUrl } from '../table/compile.js'
import { tlsOptions, type Transport } from '../table/transports.js'
import type { ConnectionOptions } from 'node:tls'
import { probe } from './probe.js'
import type { RuntimeState } from './state.js'

/** How often passive marks are expired and statuses synced (ms). */
const SWEEP_MS = 250

interface Target {
  service: string
  url: string
  host: string
  port: number
  tls?: ConnectionOptions
  hc: HealthCheck
  timer: NodeJS.Timeout | null
  /** Last probe result: undefined while never probed. */
  up?: boolean
  stopped: boolean
}

export class HealthMonitor {
  readonly board = new HealthBoard()
  private targets = new Map<string, Target>()
  private readonly sweeper: NodeJS.Timeout
  /** Slots with an active check: passive marks there wait for a passing probe (Traefik). */
  private activeSlots = new Set<number>()

  constructor(
    private readonly state: RuntimeState,
    private readonly log: Logger,
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS)
    this.sweeper.unref()
  }

  /** A new configuration was published (its servers already hold board slots); transports: the compiler's, by service. */
  configure(config: DynamicConfig, transports: Record<string, Transport> = {}): void {
    const next = new Map<string, Target>()
    for (const [service, s] of Object.entries(config.http.services)) {
      const hc = s.loadBalancer.healthCheck
      if (!hc || s.unsupported) continue
      for (const { url } of s.loadBalancer.servers) {
        let addr: { host: string; port: number; tls: boolean }
        try {
          addr = parseServerUrl(url)
        } catch {
          continue // the compiler reports it
        }
        const tls = (hc.scheme ?? (addr.tls ? 'https' : 'http')) === 'https'
        const transport = transports[service]
        if (tls && !transport) continue // the compiler disabled the service
        const key = `${healthKey(service, url)} ${JSON.stringify(hc)} ${tls ? JSON.stringify(transport) : ''}`
        const had = this.targets.get(key)
        if (had) {
          next.set(key, had)
          continue
        }
        const t: Target = { service, url, host: addr.host, port: addr.port, hc, timer: null, stopped: false }
        if (tls) t.tls = tlsOptions(transport!, addr.host)
        next.set(key, t)
        this.schedule(t, hc.interval)
      }
    }
    for (const [key, t] of this.targets) {
      if (next.has(key)) continue
      t.stopped = true
      if (t.timer) clearTimeout(t.timer)
    }
    this.targets = next
    this.activeSlots = new Set([...next.values()].map((t) => this.board.slot(healthKey(t.service, t.url))).filter((s) => s >= 0))
    this.sync()
  }

  close(): void {
    clearInterval(this.sweeper)
    for (const t of this.targets.values()) {
      t.stopped = true
      if (t.timer) clearTimeout(t.timer)
    }
  }

  private schedule(t: Target, ms: number): void {
    t.timer = setTimeout(() => void this.check(t), ms)
    t.timer.unref()
  }

  private async check(t: Target): Promise<void> {
    t.timer = null
    const why = await probe({ host: t.host, port: t.port, tls: t.tls }, t.hc)
    if (t.stopped) return
    const up = why === undefined
    const slot = this.board.slot(healthKey(t.service, t.url))
    if (slot >= 0) this.board.setActive(slot, up)
    if (up !== t.up) {
      if (!up) this.log.warn('health check failed; server out of rotation', { serviceName: t.service, serverURL: t.url, reason: why })
      else if (t.up === false) this.log.info('health check passed; server back in rotation', { serviceName: t.service, serverURL: t.url })
    }
    t.up = up
    this.schedule(t, up ? t.hc.interval : t.hc.unhealthyInterval)
    this.sync()
  }

  private sweep(): void {
    this.board.expirePassive((slot) => this.activeSlots.has(slot))
    this.sync()
  }

  /** Copies board states into the RuntimeState; emits 'change' when one moved. */
  private sync(): void {
    const view = this.board.current
    let changed = false
    for (const s of Object.values(this.state.services)) {
      for (const srv of s.servers) {
        const slot = this.board.slot(healthKey(s.name, srv.url))
        if (slot < 0) continue
        const bits = Atomics.load(view.state, slot)
        const status = bits === 0 ? 'UP' : 'DOWN'
        if (status === srv.status) continue
        if (bits !== 0 && (bits & ACTIVE_DOWN) === 0) this.log.warn('server out of rotation after failures on live traffic', { serviceName: s.name, serverURL: srv.url })
        srv.status = status
        changed = true
      }
    }
    if (changed) this.state.emit('change')
  }
}
