import t from 'tap'
import { WorkerRecorder } from '../../src/metrics/recorder.js'
import { MetricsStore } from '../../src/metrics/store.js'
import { renderPrometheus } from '../../src/metrics/prometheus.js'
import { methodIndex } from '../../src/metrics/methods.js'
import { RuntimeState } from '../../src/primary/state.js'
import type { StaticConfig } from '../../src/config/static.js'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** A strict reader of the text format: every sample belongs to a family declared by TYPE before it. */
function parse(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>()
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    let m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)
    if (m) {
      if (m[1] === 'TYPE') types.set(m[2], m[3])
      continue
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`bad line: ${line}`)
    const labels: Record<string, string> = {}
    if (m[2]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g
      let consumed = 0
      for (let l; (l = re.exec(m[2])); consumed += l[0].length) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
      if (consumed !== m[2].length) throw new Error(`bad labels: ${line}`)
    }
    const family = m[1].replace(/_(bucket|sum|count)$/, '')
    if (!types.has(m[1]) && !types.has(family)) throw new Error(`sample before its TYPE: ${line}`)
    const value = m[3] === '+Inf' ? Infinity : Number(m[3])
    if (Number.isNaN(value)) throw new Error(`bad value: ${line}`)
    samples.push({ name: m[1], labels, value })
  }
  return { types, samples }
}

function state(): RuntimeState {
  const s = new RuntimeState({ entryPoints: { web: { host: '', port: 80 } } } as unknown as StaticConfig)
  s.routers['whoami@docker'] = { name: 'whoami@docker', provider: 'docker', rule: 'Host(`whoami.local`)', service: 'whoami@docker', entryPoints: ['web'], priority: 20, status: 'enabled', errors: [] }
  s.services['whoami@docker'] = {
    name: 'whoami@docker', provider: 'docker', passHostHeader: true, status: 'enabled', errors: [], usedBy: ['whoami@docker'],
    servers: [{ url: 'http://172.17.0.2:80', weight: 1, status: 'UP' }, { url: 'http://172.17.0.3:80', weight: 2, status: 'DOWN' }],
  }
  s.services['we"ird\\name@file'] = { name: 'we"ird\\name@file', provider: 'file', passHostHeader: true, status: 'enabled', errors: [], usedBy: [], servers: [{ url: 'http://127.0.0.1:1', weight: 1, status: 'UP' }] }
  s.reloads = { total: 3, lastSuccess: 1_764_000_000, lastFailure: 0 }
  return s
}

t.test('prometheus text parses back with Traefik names and exact values', async (t) => {
  const w1 = new WorkerRecorder({ worker: 1 })
  const w2 = new WorkerRecorder({ worker: 2 })
  for (const w of [w1, w2]) w.setNames(['web'], ['whoami@docker'], ['whoami@docker'])
  for (let i = 0; i < 10; i++) w1.record(0, 0, 0, 200, 50e6, 10e6, methodIndex('GET'), 100, 0) // 0.05 s
  for (let i = 0; i < 4; i++) w2.record(0, 0, 0, 200, 2e9, 1e9, methodIndex('GET'), 100, 0) // 2 s
  w2.record(0, -1, -1, 404, 1e5, -1, methodIndex('POST'), 19, 0)
  w2.record(0, 0, 0, 201, 1e5, 5e4, methodIndex('POST'), 7, 4096)
  const store = new MetricsStore()
  store.countConnections = () => new Map([['web', 2]])
  store.merge(w1.snapshot())
  store.merge(w2.snapshot())
  store.accessLog = { written: 15, dropped: 2 }
  const { types, samples } = parse(renderPrometheus(store, state()))
  const find = (name: string, labels: Record<string, string>): number | undefined =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value

  t.equal(types.get('traefik_entrypoint_requests_total'), 'counter')
  t.equal(types.get('traefik_entrypoint_request_duration_seconds'), 'histogram')
  t.equal(types.get('traefik_service_server_up'), 'gauge')
  t.equal(find('traefik_entrypoint_requests_total', { code: '200', method: 'GET', protocol: 'http', entrypoint: 'web' }), 14)
  t.equal(find('traefik_entrypoint_requests_total', { code: '404', method: 'POST', entrypoint: 'web' }), 1)
  t.equal(find('traefik_router_requests_total', { code: '200', router: 'whoami@docker', service: 'whoami@docker' }), 14)
  t.equal(find('traefik_service_requests_total', { code: '200', service: 'whoami@docker' }), 14)
  t.equal(find('traefik_service_requests_total', { code: '404' }), undefined, 'no service for an unmatched request')
  const h = 'traefik_service_request_duration_seconds'
  const buckets = samples.filter((s) => s.name === `${h}_bucket` && s.labels.code === '200').map((s) => [s.labels.le, s.value])
  t.same(buckets, [['0.1', 10], ['0.3', 10], ['1.2', 10], ['5', 14], ['+Inf', 14]], 'cumulative buckets, Traefik defaults')
  t.equal(find(`${h}_count`, { code: '200' }), 14)
  t.ok(Math.abs(find(`${h}_sum`, { code: '200' })! - 8.5) < 1e-9)
  t.equal(find('traefik_entrypoint_responses_bytes_total', { code: '200' }), 1400)
  t.equal(find('traefik_entrypoint_requests_bytes_total', { code: '200', method: 'GET' }), 0, 'request body bytes: none for GET')
  t.equal(find('traefik_service_requests_bytes_total', { code: '201', method: 'POST', protocol: 'http', service: 'whoami@docker' }), 4096, 'the POST body')
  t.equal(find('traefik_router_requests_bytes_total', { code: '201', router: 'whoami@docker', service: 'whoami@docker' }), 4096)
  t.equal(types.get('traefik_service_requests_bytes_total'), 'counter')
  t.equal(find('traefik_service_server_up', { service: 'whoami@docker', url: 'http://172.17.0.2:80' }), 1)
  t.equal(find('traefik_service_server_up', { service: 'whoami@docker', url: 'http://172.17.0.3:80' }), 0)
  t.equal(find('traefik_service_server_up', { service: 'we"ird\\name@file' }), 1, 'label values escaped and read back')
  t.equal(find('traefik_config_reloads_total', {}), 3)
  t.equal(find('traefik_config_last_reload_success', {}), 1_764_000_000)
  t.equal(find('traefik_open_connections', { entrypoint: 'web', protocol: 'TCP' }), 2)
  t.equal(find('pier_accesslog_dropped_lines_total', {}), 2)
})

t.test('configured buckets appear as le labels', async (t) => {
  const w = new WorkerRecorder({ buckets: [0.005, 0.25, 10] })
  w.setNames(['web'], [], [])
  w.record(0, -1, -1, 502, 3e6, -1, 0, 0, 0)
  const store = new MetricsStore({ buckets: [0.005, 0.25, 10] })
  store.merge(w.snapshot())
  const { samples } = parse(renderPrometheus(store, state()))
  const les = samples.filter((s) => s.name === 'traefik_entrypoint_request_duration_seconds_bucket').map((s) => `${s.labels.le}=${s.value}`)
  t.same(les, ['0.005=1', '0.25=1', '10=1', '+Inf=1'])
})
