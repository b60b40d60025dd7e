// Traefik's published Grafana dashboard for its Prometheus metrics ("Traefik
// Official Standalone Dashboard", grafana.com 17346; contrib/grafana/traefik.json
// in Traefik's repository) against pier's /metrics. PANELS below holds, panel
// by panel, the query each one runs (its variables set as the dashboard opens
// on "All" over 1m) and the series it reads: metric, the label values it
// selects on, the labels it groups by or names its legend after.
// 1. pier's /metrics text has every series with those labels;
// 2. a real Prometheus scraping pier returns data for every panel's query,
//    carrying those labels, once traffic of every kind the panels show went
//    through pier (2xx, 4xx, 5xx, request bodies, requests over 1.2 s).
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPier } from '../helpers/pier.js'
import { freePort, waitFor } from '../helpers/net.js'
import { get, startBackend } from '../helpers/backends.js'

interface Read {
  metric: string
  /** Label values the query selects: exact strings, or regexes as in `=~`. */
  where?: Record<string, string | RegExp>
  /** Labels the query groups by (`by (...)`) or shows in its legend. */
  by: string[]
}

interface Panel {
  title: string
  expr: string
  reads: Read[]
  /** Labels on every series of the result: what the legend shows. */
  shows: string[]
}

const EP = '.*' // $entrypoint on All
const SVC = '.*.*' // $service.* on All
const SHORT = '"service", "$1", "service", "([^-]+-[^-]+).*"' // the dashboard's label_replace of service names

const PANELS: Panel[] = [
  // General
  { title: 'Traefik Instances', expr: 'count(traefik_config_reloads_total)', reads: [{ metric: 'traefik_config_reloads_total', by: [] }], shows: [] },
  {
    title: 'Requests per Entrypoint',
    expr: `sum(rate(traefik_entrypoint_requests_total{entrypoint=~"${EP}"}[1m])) by (entrypoint)`,
    reads: [{ metric: 'traefik_entrypoint_requests_total', by: ['entrypoint'] }],
    shows: ['entrypoint'],
  },
  {
    title: 'Apdex score',
    expr:
      `(sum(rate(traefik_entrypoint_request_duration_seconds_bucket{le="0.3",code="200",entrypoint=~"${EP}"}[1m])) by (method) + ` +
      `sum(rate(traefik_entrypoint_request_duration_seconds_bucket{le="1.2",code="200",entrypoint=~"${EP}"}[1m])) by (method)) / 2 / ` +
      `sum(rate(traefik_entrypoint_request_duration_seconds_count{code="200",entrypoint=~"${EP}"}[1m])) by (method)`,
    reads: [
      { metric: 'traefik_entrypoint_request_duration_seconds_bucket', where: { le: '0.3', code: '200' }, by: ['method', 'entrypoint'] },
      { metric: 'traefik_entrypoint_request_duration_seconds_bucket', where: { le: '1.2', code: '200' }, by: ['method', 'entrypoint'] },
      { metric: 'traefik_entrypoint_request_duration_seconds_count', where: { code: '200' }, by: ['method', 'entrypoint'] },
    ],
    shows: ['method'],
  },
  {
    title: 'Http Code',
    expr: `sum(rate(traefik_service_requests_total{service=~"${SVC}",protocol="http"}[1m])) by (method, code)`,
    reads: [{ metric: 'traefik_service_requests_total', where: { protocol: 'http' }, by: ['method', 'code', 'service'] }],
    shows: ['method', 'code'],
  },
  {
    title: 'Top slow services',
    expr: `topk(15, label_replace(traefik_service_request_duration_seconds_sum{service=~"${SVC}",protocol="http"} / traefik_service_request_duration_seconds_count{service=~"${SVC}",protocol="http"}, ${SHORT}))`,
    reads: [
      { metric: 'traefik_service_request_duration_seconds_sum', where: { protocol: 'http' }, by: ['method', 'code', 'service'] },
      { metric: 'traefik_service_request_duration_seconds_count', where: { protocol: 'http' }, by: ['method', 'code', 'service'] },
    ],
    shows: ['method', 'code', 'service'],
  },
  {
    title: 'Most requested services',
    expr: `topk(15, label_replace(sum by (service,code) (rate(traefik_service_requests_total{service=~"${SVC}",protocol="http"}[1m])) > 0, ${SHORT}))`,
    reads: [{ metric: 'traefik_service_requests_total', where: { protocol: 'http' }, by: ['service', 'code'] }],
    shows: ['service', 'code'],
  },
  // SLO: a service shows while some of its requests take longer than the bound.
  ...['1.2', '0.3'].map((le) => ({
    title: `Services failing SLO of ${Number(le) * 1000}ms`,
    expr:
      `label_replace(1 - (sum by (service) (rate(traefik_service_request_duration_seconds_bucket{le="${le}",service=~"${SVC}"}[1m])) / ` +
      `sum by (service) (rate(traefik_service_request_duration_seconds_count{service=~"${SVC}"}[1m]))) > 0, ${SHORT})`,
    reads: [
      { metric: 'traefik_service_request_duration_seconds_bucket', where: { le }, by: ['service'] },
      { metric: 'traefik_service_request_duration_seconds_count', by: ['service'] },
    ],
    shows: ['service'],
  })),
  // HTTP Details
  ...[
    ['2xx over 1m', '=~"2.."', /^2..$/],
    ['5xx over 1m', '=~"5.."', /^5..$/],
    ['Other codes over 1m', '!~"2..|5.."', /^[^25]..$/],
  ].map(([title, sel, re]) => ({
    title: title as string,
    expr: `topk(15, label_replace(sum by (service,method,code) (rate(traefik_service_requests_total{service=~"${SVC}",code${sel as string},protocol="http"}[1m])) > 0, ${SHORT}))`,
    reads: [{ metric: 'traefik_service_requests_total', where: { code: re as RegExp, protocol: 'http' }, by: ['service', 'method', 'code'] }],
    shows: ['method', 'code', 'service'],
  })),
  ...[
    ['Requests Size', 'traefik_service_requests_bytes_total'],
    ['Responses Size', 'traefik_service_responses_bytes_total'],
  ].map(([title, metric]) => ({
    title: title!,
    expr: `topk(15, label_replace(sum by (service,method) (rate(${metric!}{service=~"${SVC}",protocol="http"}[1m])) > 0, ${SHORT}))`,
    reads: [{ metric: metric!, where: { protocol: 'http' }, by: ['service', 'method'] }],
    shows: ['method', 'service'],
  })),
  {
    title: 'Connections per Entrypoint',
    expr: `sum(traefik_open_connections{entrypoint=~"${EP}"}) by (entrypoint)`,
    reads: [{ metric: 'traefik_open_connections', by: ['entrypoint'] }],
    shows: ['entrypoint'],
  },
  // The dashboard's variables: label_values(traefik_open_connections, entrypoint), label_values(traefik_service_requests_total, service).
  { title: '$entrypoint variable', expr: 'count by (entrypoint) (traefik_open_connections)', reads: [{ metric: 'traefik_open_connections', by: ['entrypoint'] }], shows: ['entrypoint'] },
  { title: '$service variable', expr: 'count by (service) (traefik_service_requests_total)', reads: [{ metric: 'traefik_service_requests_total', by: ['service'] }], shows: ['service'] },
]

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

function parseExposition(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`not an exposition line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    out.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return out
}

const matches = (s: Sample, r: Read): boolean =>
  s.name === r.metric &&
  Object.entries(r.where ?? {}).every(([k, v]) => (typeof v === 'string' ? s.labels[k] === v : v.test(s.labels[k] ?? ''))) &&
  r.by.every((k) => (s.labels[k] ?? '') !== '')

t.test("Traefik's Grafana dashboard on pier's /metrics", async (t) => {
  // Answers with the status in /status/NNN, after 1.3 s on /slow (past both SLO bounds), 201 to a POST.
  const backend = await startBackend('whoami', (req, res) => {
    req.resume()
    req.on('end', () => {
      const code = /^\/status\/(\d{3})$/.exec(req.url ?? '')?.[1]
      if (req.url === '/slow') setTimeout(() => res.end('slow'), 1300)
      else res.writeHead(code ? Number(code) : req.method === 'POST' ? 201 : 200).end('whoami')
    })
  })
  const dir = mkdtempSync(join(tmpdir(), 'pier-grafana-'))
  const routes = join(dir, 'routes.yml')
  writeFileSync(routes, `http:\n  routers:\n    whoami:\n      rule: Host(\`whoami.localhost\`)\n      service: whoami\n  services:\n    whoami:\n      loadBalancer:\n        servers:\n          - url: ${backend.url}\n`)
  const [web, api, promPort] = [await freePort(), await freePort(), await freePort()]
  const pier = await startPier([`--entryPoints.web.address=127.0.0.1:${web}`, `--entryPoints.traefik.address=127.0.0.1:${api}`, `--providers.file.filename=${routes}`, '--metrics.prometheus', '--workers=1'])
  t.teardown(async () => {
    await pier.stop()
    await backend.close()
    rmSync(dir, { recursive: true, force: true })
  })
  await waitFor(async () => (await get(web, 'whoami.localhost')).status === 200, 10_000, 'the route')

  // A real Prometheus, scraping pier every second.
  writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: pier\n    static_configs:\n      - targets: ['127.0.0.1:${api}']\n`)
  const prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ['ignore', 'ignore', 'pipe'] })
  let promLog = ''
  prom.stderr!.setEncoding('utf8').on('data', (d: string) => (promLog += d))
  const promExited = new Promise<void>((resolve) => prom.once('close', () => resolve()))
  prom.once('error', (err) => (promLog += `\n${err.message} (scripts/test-deps.sh installs prometheus)`))
  t.teardown(async () => {
    prom.kill('SIGTERM')
    await promExited
  })
  const query = async (expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
    const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`)
    const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`)
    return body.data.result
  }
  await waitFor(async () => (await query('up{job="pier"}'))[0]?.value[1] === '1', 30_000, 'Prometheus scraping pier', 250).catch((err) => {
    throw new Error(`${(err as Error).message}\n${promLog}`)
  })

  // Every kind of response the panels show, in bursts a few scrapes apart, so that rates are above zero.
  const burst = async (): Promise<void> => {
    const sent = [
      ...Array.from({ length: 20 }, () => get(web, 'whoami.localhost')),
      ...Array.from({ length: 3 }, () => get(web, 'whoami.localhost', '/', { method: 'POST', body: 'x'.repeat(1000) })),
      get(web, 'whoami.localhost', '/status/500'),
      get(web, 'whoami.localhost', '/status/404'),
      get(web, 'whoami.localhost', '/slow'),
      get(web, 'nobody.localhost'),
    ]
    const statuses = (await Promise.all(sent)).map((r) => r.status)
    if (statuses.filter((s) => s === 200).length !== 21 || !statuses.includes(201) || !statuses.includes(500)) throw new Error(`unexpected statuses ${statuses.join(',')}`)
  }
  const scrapedAfter = async (since: number): Promise<void> => {
    await waitFor(async () => Number((await query('timestamp(up{job="pier"})'))[0]?.value[1]) * 1000 > since + 1500, 15_000, 'two more scrapes', 250)
  }
  await burst()
  await scrapedAfter(Date.now())
  await burst()
  await scrapedAfter(Date.now())

  t.test('pier exports every series the panels read, with the labels they group by', async (t) => {
    const samples = parseExposition(await (await fetch(`http://127.0.0.1:${api}/metrics`)).text())
    for (const p of PANELS) {
      for (const r of p.reads) {
        const found = samples.filter((s) => matches(s, r))
        t.ok(found.length > 0, `${p.title}: ${r.metric}${r.where ? ` where ${JSON.stringify(Object.fromEntries(Object.entries(r.where).map(([k, v]) => [k, String(v)])))}` : ''} by [${r.by.join(', ')}]`)
      }
    }
  })

  t.test("every panel's query returns data from pier, with its legend's labels", async (t) => {
    for (const p of PANELS) {
      const result = await query(p.expr)
      const labels = p.shows
      t.ok(result.length > 0, `${p.title}: ${result.length} series`)
      t.ok(result.every((r) => labels.every((l) => (r.metric[l] ?? '') !== '')), `${p.title}: each series has ${labels.length ? labels.join(', ') : 'no label'}`, { result })
      t.ok(result.every((r) => Number.isFinite(Number(r.value[1]))), `${p.title}: values are numbers`, { result })
    }
    t.equal((await query('count(traefik_config_reloads_total)'))[0]?.value[1], '1', 'Traefik Instances: one pier')
    const panel = (title: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => query(PANELS.find((p) => p.title === title)!.expr)
    // 200s: the first GET and 20 per burst answered at once, 1 per burst after 1.3 s. Over the
    // counters themselves that is (41 + 41) / 2 / 43; the panel's rates extrapolate, so only nearly.
    const apdex = await panel('Apdex score')
    t.same(apdex.map((r) => r.metric.method), ['GET'], 'Apdex: the 200s are GETs')
    const exact = await query(PANELS.find((p) => p.title === 'Apdex score')!.expr.replace(/rate\(([^[]+)\[1m\]\)/g, '$1'))
    t.equal(Number(exact[0]!.value[1]), 41 / 43, 'Apdex over the counters: 41/43, as the buckets pier counted give it')
    t.ok(Math.abs(Number(apdex[0]!.value[1]) - 41 / 43) < 0.01, `Apdex panel: ${apdex[0]!.value[1]}`)
    for (const bound of ['300ms', '1200ms']) t.same((await panel(`Services failing SLO of ${bound}`)).map((r) => r.metric.service), ['whoami@file'], `the slow requests fail the ${bound} SLO`)
  })
})
