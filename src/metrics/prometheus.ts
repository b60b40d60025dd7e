// Prometheus text exposition (format 0.0.4) with Traefik's metric names and labels.
import type { RuntimeState } from '../primary/state.js'
import { METHODS } from './methods.js'
import { ROW_BUCKETS, ROW_BYTES_IN, ROW_BYTES_OUT, ROW_COUNT, ROW_SECONDS } from './snapshot.js'
import type { CounterRow, MetricsStore } from './store.js'

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

type Labels = [string, string][]

export function renderPrometheus(store: MetricsStore, state: RuntimeState): string {
  const out: string[] = []
  const family = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
  }
  const sample = (name: string, labels: Labels, value: number): void => {
    out.push(`${name}${labelText(labels)} ${num(value)}`)
  }

  family('traefik_config_reloads_total', 'counter', 'Config reloads')
  sample('traefik_config_reloads_total', [], state.reloads.total)
  family('traefik_config_last_reload_success', 'gauge', 'Last config reload success')
  sample('traefik_config_last_reload_success', [], state.reloads.lastSuccess)
  family('traefik_config_last_reload_failure', 'gauge', 'Last config reload failure')
  sample('traefik_config_last_reload_failure', [], state.reloads.lastFailure)

  family('traefik_open_connections', 'gauge', 'How many open connections exist, by entryPoint and protocol')
  for (const [name, n] of sorted(store.openConnections)) sample('traefik_open_connections', [['entrypoint', name], ['protocol', 'TCP']], n)

  const scopes: { prefix: string; what: string; table: Map<string, Map<number, CounterRow>>; labels: (name: string) => Labels }[] = [
    { prefix: 'traefik_entrypoint', what: 'entrypoint', table: store.entryPoints, labels: (n) => [['entrypoint', n]] },
    { prefix: 'traefik_router', what: 'router', table: store.routers, labels: (n) => [['router', n], ['service', state.routers[n]?.service ?? '']] },
    { prefix: 'traefik_service', what: 'service', table: store.services, labels: (n) => [['service', n]] },
  ]
  for (const s of scopes) {
    const rows = [...s.table].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    const labelsOf = (name: string, r: CounterRow): Labels => [['code', String(r.code)], ['method', METHODS[r.method]], ['protocol', 'http'], ...s.labels(name)]
    family(`${s.prefix}_requests_total`, 'counter', `How many HTTP requests processed on an ${s.what}, partitioned by status code, protocol, and method.`)
    for (const [name, t] of rows) for (const r of sortRows(t)) sample(`${s.prefix}_requests_total`, labelsOf(name, r), r.values[ROW_COUNT])
    const h = `${s.prefix}_request_duration_seconds`
    family(h, 'histogram', `How long it took to process the request on an ${s.what}, partitioned by status code, protocol, and method.`)
    for (const [name, t] of rows) {
      for (const r of sortRows(t)) {
        const labels = labelsOf(name, r)
        let cumulative = 0
        store.buckets.forEach((le, i) => {
          cumulative += r.values[ROW_BUCKETS + i]
          sample(`${h}_bucket`, [...labels, ['le', num(le)]], cumulative)
        })
        sample(`${h}_bucket`, [...labels, ['le', '+Inf']], r.values[ROW_COUNT])
        sample(`${h}_sum`, labels, r.values[ROW_SECONDS])
        sample(`${h}_count`, labels, r.values[ROW_COUNT])
      }
    }
    family(`${s.prefix}_requests_bytes_total`, 'counter', `The total size of requests in bytes handled by an ${s.what}, partitioned by status code, protocol, and method.`)
    for (const [name, t] of rows) for (const r of sortRows(t)) sample(`${s.prefix}_requests_bytes_total`, labelsOf(name, r), r.values[ROW_BYTES_IN])
    family(`${s.prefix}_responses_bytes_total`, 'counter', `The total size of responses in bytes handled by an ${s.what}, partitioned by status code, protocol, and method.`)
    for (const [name, t] of rows) for (const r of sortRows(t)) sample(`${s.prefix}_responses_bytes_total`, labelsOf(name, r), r.values[ROW_BYTES_OUT])
  }

  family('traefik_service_server_up', 'gauge', 'service server is up, described by gauge value of 0 or 1.')
  for (const svc of Object.values(state.services).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    for (const srv of svc.servers) sample('traefik_service_server_up', [['service', svc.name], ['url', srv.url]], srv.status === 'UP' ? 1 : 0)
  }

  if (store.accessLog) {
    family('pier_accesslog_lines_total', 'counter', 'Access log lines written.')
    sample('pier_accesslog_lines_total', [], store.accessLog.written)
    family('pier_accesslog_dropped_lines_total', 'counter', 'Access log lines dropped because the output could not keep up.')
    sample('pier_accesslog_dropped_lines_total', [], store.accessLog.dropped)
  }
  return out.join('\n') + '\n'
}

function sortRows(t: Map<number, CounterRow>): CounterRow[] {
  return [...t.values()].sort((a, b) => a.code - b.code || a.method - b.method)
}

function sorted<V>(m: Map<string, V>): [string, V][] {
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

function labelText(labels: Labels): string {
  if (labels.length === 0) return ''
  return `{${labels.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`
}

/** Go-compatible float text: integers plainly, NaN/Inf spelled as Prometheus expects. */
function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  return String(v)
}
