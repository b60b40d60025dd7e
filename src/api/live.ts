// What the dashboard shows, in one JSON document: the running configuration,
// request rates and latency percentiles. Sent over server-sent events.
import type { MetricsStore } from '../metrics/store.js'
import type { RuntimeState } from '../primary/state.js'
import { latencyEntry } from './latency.js'
import { entryPointAddress, sortedValues } from './traefik.js'
import { PIER_VERSION } from '../version.js'

const RATE_SECONDS = 5

export function liveView(state: RuntimeState, store: MetricsStore | undefined): Record<string, unknown> {
  const now = Date.now()
  const rates = store?.rates(RATE_SECONDS, now)
  return {
    version: PIER_VERSION,
    startDate: new Date(state.startedAt).toISOString(),
    time: new Date(now).toISOString(),
    tableVersion: state.tableVersion,
    reloads: state.reloads,
    total: { rate: rates?.total ?? 0, requests: store?.requests ?? 0, latency: store ? latencyEntry(store, '', now) : null },
    entryPoints: Object.entries(state.staticConfig.entryPoints)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, ep]) => ({ name, address: entryPointAddress(ep), rate: rates?.entryPoints[name] ?? 0, open: store?.openConnections.get(name) ?? 0 })),
    routers: sortedValues(state.routers).map((r) => ({ ...r, rate: rates?.routers[r.name] ?? 0 })),
    services: sortedValues(state.services).map((s) => ({ ...s, rate: rates?.services[s.name] ?? 0, latency: store ? latencyEntry(store, s.name, now) : null })),
  }
}
