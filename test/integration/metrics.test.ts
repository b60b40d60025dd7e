// Metrics through the real built pier: counters exact under concurrent load
// spread over several worker threads, latency recorded per service.
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent } from 'node:http'
import { startPier } from '../helpers/pier.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startBackend, get } from '../helpers/backends.js'

t.test('counters are exact across workers', async (t) => {
  const a = await startBackend('a')
  const b = await startBackend('b')
  const dir = mkdtempSync(join(tmpdir(), 'pier-metrics-'))
  const routes = join(dir, 'routes.yml')
  writeFileSync(
    routes,
    JSON.stringify({
      http: {
        routers: { ra: { rule: 'Host(`a.local`)', service: 'sa' }, rb: { rule: 'Host(`b.local`)', service: 'sb' } },
        services: { sa: { loadBalancer: { servers: [{ url: a.url }] } }, sb: { loadBalancer: { servers: [{ url: b.url }] } } },
      },
    }),
  )
  const [web, api] = [await freePort(), await freePort()]
  const pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${web}`, `--entrypoints.traefik.address=127.0.0.1:${api}`,
    `--providers.file.filename=${routes}`, '--api.insecure=true', '--metrics.prometheus=true', '--workers=3',
  ])
  t.teardown(async () => {
    await pier.stop()
    await a.close()
    await b.close()
  })
  // Warm-up requests (404 until the file provider's routes are live) count too.
  let warm = 0
  await waitFor(async () => (warm++, (await get(web, 'a.local')).body === 'a'), 10_000, 'route a')

  // 3 x 300 requests on many connections (fresh connections get spread over the SO_REUSEPORT threads), bounded.
  const N = 300
  const agents = Array.from({ length: 24 }, () => new Agent({ keepAlive: true, maxSockets: 1 }))
  const jobs: Promise<number>[] = []
  for (let i = 0; i < N; i++) {
    const agent = agents[i % agents.length]
    jobs.push(get(web, 'a.local', `/x${i}`, { agent }).then((r) => r.status))
    jobs.push(get(web, 'b.local', '/', { agent }).then((r) => r.status))
    jobs.push(get(web, 'nowhere.local', '/', { agent }).then((r) => r.status))
  }
  const statuses = await Promise.all(jobs)
  for (const ag of agents) ag.destroy()
  t.equal(statuses.filter((s) => s === 200).length, 2 * N)
  t.equal(statuses.filter((s) => s === 404).length, N)

  const metric = (text: string, re: RegExp): number => {
    let sum = 0
    for (const line of text.split('\n')) if (re.test(line)) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
    return sum
  }
  const scrape = async (): Promise<string> => (await fetch(`http://127.0.0.1:${api}/metrics`)).text()
  // Workers post every second: poll until the last of them has reported.
  const text = await waitFor(async () => {
    const m = await scrape()
    return metric(m, /^traefik_entrypoint_requests_total\{.*entrypoint="web"/) === 3 * N + warm ? m : undefined
  }, 10_000, 'every request counted')
  t.equal(metric(text, /^traefik_entrypoint_requests_total\{code="404".*entrypoint="web"/), N + warm - 1)
  t.equal(metric(text, /^traefik_service_requests_total\{code="200",method="GET",protocol="http",service="sa@file"\}/), N + 1)
  t.equal(metric(text, /^traefik_service_requests_total\{code="200",method="GET",protocol="http",service="sb@file"\}/), N)
  t.equal(metric(text, /^traefik_router_requests_total\{code="200",method="GET",protocol="http",router="rb@file",service="sb@file"\}/), N)
  t.equal(metric(text, /^traefik_service_request_duration_seconds_count\{.*service="sb@file"/), N)
  t.equal(metric(text, /^traefik_service_request_duration_seconds_bucket\{.*service="sb@file",le="\+Inf"\}/), N)
  t.equal(metric(text, /^traefik_service_server_up\{service="sa@file",url="http:\/\/127\.0\.0\.1:\d+"\} 1$/), 1)
  t.ok(metric(text, /^traefik_config_reloads_total /) >= 1, 'reloads counted')
  t.match(text, /^traefik_open_connections\{entrypoint="web",protocol="TCP"\} \d+$/m)

  const lat = (await (await fetch(`http://127.0.0.1:${api}/api/pier/latency`)).json()) as any
  t.equal(lat.services['sb@file'].sinceStart.total.count, N)
  t.equal(lat.services['sb@file'].sinceStart.upstream.count, N)
  t.equal(lat.total.sinceStart.total.count, 3 * N + warm, 'the total covers unrouted requests too')
  const s = lat.services['sa@file'].sinceStart.total
  t.ok(s.p50 > 0 && s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.p999 && s.p999 <= s.max, `ordered percentiles ${JSON.stringify(s)}`)
  const hgrm = await (await fetch(`http://127.0.0.1:${api}/api/pier/latency?format=hgrm&service=sb@file`)).text()
  t.match(hgrm, new RegExp(`Total count\\s+=\\s+${N}\\]`))
})

t.test('--metrics.prometheus.entryPoint: /metrics there is Traefik\'s own router, the rest of it proxied', async (t) => {
  const a = await startBackend('a')
  const dir = mkdtempSync(join(tmpdir(), 'pier-metrics-'))
  const routes = join(dir, 'routes.yml')
  // A catch-all router on every entrypoint: as in Traefik, it answers on the metrics entrypoint too, below /metrics
  writeFileSync(routes, JSON.stringify({ http: { routers: { all: { rule: 'PathPrefix(`/`)', service: 'sa' } }, services: { sa: { loadBalancer: { servers: [{ url: a.url }] } } } } }))
  const [web, metrics, traefik] = [await freePort(), await freePort(), await freePort()]
  const pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${web}`, `--entrypoints.metrics.address=127.0.0.1:${metrics}`, `--entrypoints.traefik.address=127.0.0.1:${traefik}`,
    `--providers.file.filename=${routes}`, '--metrics.prometheus=true', '--metrics.prometheus.entryPoint=metrics', '--workers=1',
  ])
  t.teardown(async () => {
    await pier.stop()
    await a.close()
  })
  await waitFor(async () => (await get(web, 'x.local', '/')).body === 'a', 10_000, 'route')
  const text = await waitForText(`http://127.0.0.1:${metrics}/metrics`, /traefik_entrypoint_requests_total\{[^}]*entrypoint="metrics"/)
  t.match(text, /traefik_router_requests_total\{[^}]*router="all@file"/)
  t.match(text, /traefik_router_requests_total\{[^}]*router="prometheus@internal"[^}]*service="prometheus@internal"/, 'scrapes count as the prometheus@internal router, as in Traefik')
  t.equal((await get(metrics, 'x.local', '/')).body, 'a', 'the rest of the metrics entrypoint is proxied')
  t.equal((await get(web, 'x.local', '/metrics')).body, 'a', 'no /metrics on other entrypoints')
  // Nothing of pier's own is served on traefik: as in Traefik, it is an ordinary entrypoint then
  t.equal((await get(traefik, 'x.local', '/ping')).body, 'a', 'the traefik entrypoint is proxied: the catch-all router answers there')
  t.notMatch(pier.logs(), /API listening/)
})

async function waitForText(url: string, re: RegExp): Promise<string> {
  let text = ''
  await waitFor(async () => re.test((text = await (await fetch(url)).text())), 10_000, `${re} at ${url}`)
  return text
}
