// The API server on a RuntimeState filled by hand, over real HTTP on loopback.
import t from 'tap'
import { servedOn, startApi, type ApiServer } from '../../src/api/server.js'
import { MetricsStore } from '../../src/metrics/store.js'
import { WorkerRecorder } from '../../src/metrics/recorder.js'
import { RuntimeState } from '../../src/primary/state.js'
import type { StaticConfig } from '../../src/config/static.js'
import { createLogger } from '../../src/log.js'
import { waitFor } from '../helpers/net.js'

const log = createLogger({ level: 'ERROR', format: 'common' })

function staticConfig(over: Partial<StaticConfig> = {}): StaticConfig {
  return {
    entryPoints: { web: { host: '', port: 80 }, traefik: { host: '127.0.0.1', port: 8080 } },
    providers: { throttleMs: 100, docker: { endpoint: 'unix:///var/run/docker.sock', exposedByDefault: true, defaultRule: 'Host(`{{ normalize .Name }}`)', watch: true, allowEmptyServices: false, useBindPortIP: false, v1: false }, file: { filename: 'routes.yml', watch: true } },
    api: { insecure: true, dashboard: true },
    ping: { entryPoint: 'traefik', manualRouting: false, terminatingStatusCode: 503 },
    metrics: { prometheus: { buckets: [0.1, 0.3, 1.2, 5], entryPoint: 'traefik' } },
    log: { level: 'INFO', format: 'common' },
    workers: 2,
    serversTransport: { responseHeaderTimeoutMs: 0, dialTimeoutMs: 30000, maxIdleConnsPerHost: 64 },
    lifecycle: { graceTimeOutMs: 10000 },
    ...over,
  }
}

/** Three routers (one disabled by a missing service, one by a bad rule) and two services. */
function fill(state: RuntimeState): void {
  state.routers = {
    'whoami@docker': { name: 'whoami@docker', provider: 'docker', rule: 'Host(`whoami.docker.localhost`)', service: 'whoami@docker', entryPoints: ['web'], priority: 31, status: 'enabled', errors: [] },
    'api@file': { name: 'api@file', provider: 'file', rule: 'Host(`api.local`) && PathPrefix(`/v1`)', service: 'backend@file', entryPoints: ['web'], priority: 40, status: 'enabled', errors: [] },
    'broken@file': { name: 'broken@file', provider: 'file', rule: 'Host(`x.local`', service: 'missing@file', entryPoints: ['web'], priority: 15, status: 'disabled', errors: ['rule: missing ) at 15', 'the service "missing@file" does not exist'] },
  }
  state.services = {
    'whoami@docker': { name: 'whoami@docker', provider: 'docker', passHostHeader: true, status: 'enabled', errors: [], usedBy: ['whoami@docker'], servers: [{ url: 'http://172.17.0.2:80', weight: 1, status: 'UP' }, { url: 'http://172.17.0.3:80', weight: 3, status: 'DOWN' }] },
    'backend@file': { name: 'backend@file', provider: 'file', passHostHeader: false, status: 'enabled', errors: [], usedBy: ['api@file'], servers: [{ url: 'http://127.0.0.1:9001', weight: 1, status: 'UP' }] },
  }
  state.reloads = { total: 2, lastSuccess: 1_764_090_000, lastFailure: 0 }
  state.tableVersion = 2
  state.emit('change')
}

async function get(api: ApiServer, path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; text: string; json: () => any }> {
  const res = await fetch(`http://127.0.0.1:${api.port}${path}`, { redirect: 'manual', ...init })
  const text = await res.text()
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) }
}

t.test('Traefik API shapes', async (t) => {
  const state = new RuntimeState(staticConfig())
  fill(state)
  const metrics = new MetricsStore()
  const api = await startApi({ state, metrics, log, host: '127.0.0.1', port: 0, serves: servedOn(state.staticConfig, 'traefik') })
  t.teardown(() => api.close())

  const v = (await get(api, '/api/version')).json()
  t.match(v, { Version: /^\d+\.\d+\.\d+/, Codename: String, startDate: /^\d{4}-\d\d-\d\dT/ })

  const o = await get(api, '/api/overview')
  t.equal(o.headers.get('content-type'), 'application/json')
  t.same(o.json(), {
    http: { routers: { total: 3, warnings: 0, errors: 1 }, services: { total: 2, warnings: 0, errors: 0 }, middlewares: { total: 0, warnings: 0, errors: 0 } },
    tcp: { routers: { total: 0, warnings: 0, errors: 0 }, services: { total: 0, warnings: 0, errors: 0 }, middlewares: { total: 0, warnings: 0, errors: 0 } },
    udp: { routers: { total: 0, warnings: 0, errors: 0 }, services: { total: 0, warnings: 0, errors: 0 } },
    features: { tracing: '', metrics: 'Prometheus', accessLog: false, hub: false },
    providers: ['Docker', 'File'],
  })

  const eps = (await get(api, '/api/entrypoints')).json()
  t.same(eps.map((e: any) => [e.name, e.address]), [['traefik', '127.0.0.1:8080'], ['web', ':80']])
  t.match(eps[1], { transport: { lifeCycle: { graceTimeOut: '10s' } }, forwardedHeaders: {}, http: {} })
  t.equal((await get(api, '/api/entrypoints/web')).json().address, ':80')
  t.equal((await get(api, '/api/entrypoints/nope')).status, 404)

  const routers = await get(api, '/api/http/routers')
  t.equal(routers.headers.get('x-next-page'), '1')
  const rs = routers.json()
  t.same(rs.map((r: any) => r.name), ['api@file', 'broken@file', 'whoami@docker'], 'sorted by name')
  t.same(rs[2], { entryPoints: ['web'], service: 'whoami', rule: 'Host(`whoami.docker.localhost`)', priority: 31, status: 'enabled', using: ['web'], name: 'whoami@docker', provider: 'docker' })
  t.same(rs[1].error, ['rule: missing ) at 15', 'the service "missing@file" does not exist'])
  t.equal(rs[1].status, 'disabled')
  t.same(rs[1].using, [])
  t.same(Object.keys(rs[0]).sort(), ['entryPoints', 'name', 'priority', 'provider', 'rule', 'service', 'status', 'using'], 'no error field when there is none')

  const one = await get(api, `/api/http/routers/${encodeURIComponent('whoami@docker')}`)
  t.equal(one.json().rule, 'Host(`whoami.docker.localhost`)')
  const missing = await get(api, '/api/http/routers/nope@file')
  t.equal(missing.status, 404)
  t.same(missing.json(), { message: 'router not found: nope@file', code: 'ROUTER_NOT_FOUND' })

  const ss = (await get(api, '/api/http/services')).json()
  t.same(ss[1], {
    loadBalancer: { servers: [{ url: 'http://172.17.0.2:80', weight: 1 }, { url: 'http://172.17.0.3:80', weight: 3 }], passHostHeader: true },
    status: 'enabled', usedBy: ['whoami@docker'], serverStatus: { 'http://172.17.0.2:80': 'UP', 'http://172.17.0.3:80': 'DOWN' },
    name: 'whoami@docker', provider: 'docker', type: 'loadbalancer',
  })
  t.equal((await get(api, '/api/http/services/backend@file')).json().loadBalancer.passHostHeader, false)
  t.same((await get(api, '/api/http/services/x@file')).json().code, 'SERVICE_NOT_FOUND')

  const raw = (await get(api, '/api/rawdata')).json()
  t.same(Object.keys(raw.routers), ['api@file', 'broken@file', 'whoami@docker'])
  t.notOk('name' in raw.routers['api@file'], 'rawdata keys by name, as Traefik')
  t.same(raw.services['whoami@docker'].serverStatus, { 'http://172.17.0.2:80': 'UP', 'http://172.17.0.3:80': 'DOWN' })

  for (const p of ['/api/http/middlewares', '/api/tcp/routers', '/api/tcp/services', '/api/udp/routers']) {
    const r = await get(api, p)
    t.same([r.status, r.json(), r.headers.get('x-next-page')], [200, [], '1'], p)
  }
  t.equal((await get(api, '/api/http/routers', { method: 'POST' })).status, 405)
  t.equal((await get(api, '/api/http/routers/%E0%A4%A')).status, 400, 'bad percent-encoding')
})

t.test('paging and search as Traefik', async (t) => {
  const state = new RuntimeState(staticConfig())
  fill(state)
  const api = await startApi({ state, metrics: new MetricsStore(), log, host: '127.0.0.1', port: 0, serves: servedOn(state.staticConfig, 'traefik') })
  t.teardown(() => api.close())
  const p1 = await get(api, '/api/http/routers?per_page=2')
  t.same([p1.json().map((r: any) => r.name), p1.headers.get('x-next-page')], [['api@file', 'broken@file'], '2'])
  const p2 = await get(api, '/api/http/routers?per_page=2&page=2')
  t.same([p2.json().map((r: any) => r.name), p2.headers.get('x-next-page')], [['whoami@docker'], '1'])
  const bad = await get(api, '/api/http/routers?per_page=2&page=3')
  t.same([bad.status, bad.json().code], [400, 'API_BAD_QUERY'])
  t.match(bad.json().message, /page: 3, per_page: 2/)
  t.equal((await get(api, '/api/http/routers?per_page=zero')).status, 400)
  const names = async (q: string): Promise<string[]> => (await get(api, `/api/http/${q}`)).json().map((r: any) => r.name)
  t.same(await names('routers?search=WHOAMI'), ['whoami@docker'], 'search is case-insensitive on the name')
  t.same(await names('routers?search=pathprefix'), ['api@file'], 'search looks in the rule')
  t.same(await names('routers?status=disabled'), ['broken@file'])
  t.same(await names('routers?serviceName=backend@file'), ['api@file'])
  t.same(await names('services?search=back'), ['backend@file'])
})

t.test('what a provider dropped: name, provider, status and error only; counted', async (t) => {
  const state = new RuntimeState(staticConfig())
  const why = 'router "r" is defined differently by containers a, b; it is dropped'
  state.routers = { 'r@docker': { name: 'r@docker', provider: 'docker', rule: '', service: '', entryPoints: [], priority: 0, status: 'disabled', errors: [why] } }
  state.services = {
    'pool@docker': { name: 'pool@docker', provider: 'docker', passHostHeader: true, status: 'warning', errors: ['container c: exposes no port'], usedBy: [], servers: [{ url: 'http://172.17.0.2:80', weight: 1, status: 'UP' }] },
  }
  const api = await startApi({ state, metrics: new MetricsStore(), log, host: '127.0.0.1', port: 0, serves: servedOn(state.staticConfig, 'traefik') })
  t.teardown(() => api.close())
  const r = await get(api, `/api/http/routers/${encodeURIComponent('r@docker')}`)
  t.same([r.status, r.json()], [200, { error: [why], status: 'disabled', using: [], name: 'r@docker', provider: 'docker' }])
  t.same((await get(api, '/api/rawdata')).json().routers, { 'r@docker': { error: [why], status: 'disabled', using: [] } })
  t.match((await get(api, '/api/http/services/pool@docker')).json(), { status: 'warning', error: ['container c: exposes no port'] })
  t.match((await get(api, '/api/overview')).json().http, { routers: { total: 1, warnings: 0, errors: 1 }, services: { total: 1, warnings: 1, errors: 0 } })
  t.same((await get(api, '/api/http/routers?status=disabled')).json().map((x: any) => x.name), ['r@docker'])
})

t.test('only what the static config enables is served', async (t) => {
  const cases: [string, Partial<StaticConfig>, Record<string, number>][] = [
    ['everything', {}, { '/ping': 200, '/metrics': 200, '/api/overview': 200, '/dashboard/': 200, '/': 302 }],
    ['ping only', { api: undefined, metrics: undefined }, { '/ping': 200, '/metrics': 404, '/api/overview': 404, '/dashboard/': 404, '/': 404 }],
    ['api without dashboard', { api: { insecure: true, dashboard: false }, ping: false }, { '/ping': 404, '/api/overview': 200, '/dashboard/': 404 }],
    ['metrics on another entrypoint', { metrics: { prometheus: { buckets: [1], entryPoint: 'metrics' } } }, { '/metrics': 404 }],
  ]
  for (const [what, over, expect] of cases) {
    const state = new RuntimeState(staticConfig(over))
    const api = await startApi({ state, metrics: new MetricsStore(), log, host: '127.0.0.1', port: 0, serves: servedOn(state.staticConfig, 'traefik') })
    for (const [path, status] of Object.entries(expect)) t.equal((await get(api, path)).status, status, `${what}: ${path}`)
    await api.close()
  }
})

t.test('ping, metrics, dashboard files, latency report', async (t) => {
  const state = new RuntimeState(staticConfig())
  fill(state)
  const metrics = new MetricsStore()
  const w = new WorkerRecorder()
  w.setNames(['web'], ['whoami@docker'], ['whoami@docker'])
  for (let i = 1; i <= 1000; i++) w.record(0, 0, 0, 200, i * 10_000, i * 5_000, 0, 10, 0)
  metrics.merge(w.snapshot())
  const api = await startApi({ state, metrics, log, host: '127.0.0.1', port: 0, serves: servedOn(state.staticConfig, 'traefik') })
  t.teardown(() => api.close())

  const ping = await get(api, '/ping')
  t.same([ping.status, ping.text], [200, 'OK'])
  const head = await get(api, '/ping', { method: 'HEAD' })
  t.same([head.status, head.text], [200, ''])
  const m = await get(api, '/metrics')
  t.match(m.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  t.match(m.text, /^traefik_service_requests_total\{code="200",method="GET",protocol="http",service="whoami@docker"\} 1000$/m)
  t.match(m.text, /^traefik_service_server_up\{service="whoami@docker",url="http:\/\/172\.17\.0\.3:80"\} 0$/m)

  const root = await get(api, '/')
  t.equal(root.headers.get('location'), '/dashboard/')
  const page = await get(api, '/dashboard/')
  t.match(page.headers.get('content-type'), /text\/html/)
  t.notMatch(page.text, /https?:\/\//, 'no external resources')
  t.match((await get(api, '/dashboard/dashboard.js')).headers.get('content-type'), /javascript/)
  t.equal((await get(api, '/dashboard/nope.js')).status, 404)

  const lat = (await get(api, '/api/pier/latency')).json()
  t.equal(lat.unit, 'ms')
  const s = lat.services['whoami@docker']
  t.equal(s.sinceStart.total.count, 1000)
  t.ok(Math.abs(s.sinceStart.total.p50 - 5) < 0.01, `p50 ${s.sinceStart.total.p50}`)
  t.ok(Math.abs(s.sinceStart.total.p99 - 9.9) < 0.01, `p99 ${s.sinceStart.total.p99}`)
  t.equal(s.sinceStart.total.max, 10)
  t.ok(Math.abs(s.lastMinute.upstream.p90 - 4.5) < 0.01, `upstream p90 ${s.lastMinute.upstream.p90}`)
  t.equal(lat.total.sinceStart.total.count, 1000)
  const hgrm = await get(api, '/api/pier/latency?format=hgrm&service=whoami@docker&kind=upstream')
  t.match(hgrm.text, /Value\s+Percentile\s+TotalCount/)
  t.match(hgrm.text, /#\[Max\s+=\s+5\.0\d*, Total count\s+=\s+1000\]/)
  const none = await get(api, '/api/pier/latency?format=hgrm&service=nobody')
  t.same([none.status, none.json().code], [404, 'LATENCY_NOT_FOUND'])
  t.equal((await get(api, '/api/pier/latency?format=hgrm&range=week')).status, 400)
})

t.test('live events stream the view on connect and on every change', async (t) => {
  const state = new RuntimeState(staticConfig())
  const api = await startApi({ state, metrics: new MetricsStore(), log, host: '127.0.0.1', port: 0, serves: servedOn(state.staticConfig, 'traefik') })
  const ac = new AbortController()
  t.teardown(async () => {
    ac.abort()
    await api.close()
  })
  const res = await fetch(`http://127.0.0.1:${api.port}/api/pier/events`, { signal: ac.signal })
  t.equal(res.headers.get('content-type'), 'text/event-stream')
  const events: any[] = []
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buf = ''
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
      if (done) return
      buf += value
      for (let i; (i = buf.indexOf('\n\n')) !== -1; buf = buf.slice(i + 2)) {
        const data = buf.slice(0, i).split('\n').find((l) => l.startsWith('data: '))
        if (data) events.push(JSON.parse(data.slice(6)))
      }
    }
  })()
  await waitFor(() => events.length >= 1, 2000, 'first event')
  t.same(events[0].routers, [])
  const changedAt = Date.now()
  fill(state)
  await waitFor(() => events.some((e) => e.routers.length === 3), 900, 'an event with the new routers within a second')
  t.ok(Date.now() - changedAt < 900, 'change shows up within a second')
  const latest = events.at(-1)
  t.same(latest.services[1].servers, [{ url: 'http://172.17.0.2:80', weight: 1, status: 'UP' }, { url: 'http://172.17.0.3:80', weight: 3, status: 'DOWN' }])
  ac.abort()
  await pump
})
