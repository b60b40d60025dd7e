// The dashboard in a real headless Chromium, served by startApi over a
// RuntimeState and MetricsStore that the test changes while the page is open.
import t from 'tap'
import { keepScreenshot, launchChromium, watchedPage } from '../helpers/browser.js'
import { servedOn, startApi } from '../../src/api/server.js'
import { MetricsStore } from '../../src/metrics/store.js'
import { WorkerRecorder } from '../../src/metrics/recorder.js'
import { RuntimeState } from '../../src/primary/state.js'
import type { StaticConfig } from '../../src/config/static.js'
import { createLogger } from '../../src/log.js'


const config = {
  entryPoints: { web: { host: '', port: 80 }, traefik: { host: '127.0.0.1', port: 8080 } },
  providers: { throttleMs: 100, file: { filename: 'routes.yml', watch: true } },
  api: { insecure: true, dashboard: true },
  ping: false,
  log: { level: 'INFO', format: 'common' },
  workers: 1,
  serversTransport: { responseHeaderTimeoutMs: 0, dialTimeoutMs: 30000, maxIdleConnsPerHost: 64 },
  lifecycle: { graceTimeOutMs: 10000 },
} satisfies StaticConfig

t.test('dashboard shows a router added while it is open, and latency after traffic', async (t) => {
  const state = new RuntimeState(config)
  state.routers['home@file'] = { name: 'home@file', provider: 'file', rule: 'Host(`home.local`)', service: 'home@file', entryPoints: ['web'], priority: 17, status: 'enabled', errors: [] }
  state.services['home@file'] = { name: 'home@file', provider: 'file', passHostHeader: true, status: 'enabled', errors: [], usedBy: ['home@file'], servers: [{ url: 'http://127.0.0.1:9001', weight: 1, status: 'UP' }] }
  const metrics = new MetricsStore()
  const api = await startApi({ state, metrics, log: createLogger({ level: 'ERROR', format: 'common' }), host: '127.0.0.1', port: 0, serves: servedOn(state.staticConfig, 'traefik') })
  const browser = await launchChromium()
  t.teardown(async () => {
    await browser.close()
    await api.close()
  })
  const { page, problems } = await watchedPage(browser, 1100)
  page.on('requestfailed', (r) => !r.url().includes('/api/pier/events') && problems.push(`${r.url()} ${r.failure()?.errorText}`))

  await page.goto(`http://127.0.0.1:${api.port}/`)
  t.equal(new URL(page.url()).pathname, '/dashboard/', 'redirected to the dashboard')
  await page.locator('[data-router="home@file"]').waitFor({ timeout: 5000 })
  t.equal(await page.locator('#conn').textContent(), 'live')

  // A container appears: the primary applies a configuration and emits 'change'.
  const added = Date.now()
  state.routers['whoami@docker'] = { name: 'whoami@docker', provider: 'docker', rule: 'Host(`whoami.docker.localhost`)', service: 'whoami@docker', entryPoints: ['web'], priority: 31, status: 'enabled', errors: [] }
  state.services['whoami@docker'] = {
    name: 'whoami@docker', provider: 'docker', passHostHeader: true, status: 'enabled', errors: [], usedBy: ['whoami@docker'],
    servers: [{ url: 'http://172.17.0.2:80', weight: 2, status: 'UP' }, { url: 'http://172.17.0.3:80', weight: 1, status: 'DOWN' }],
  }
  state.emit('change')
  await page.locator('[data-router="whoami@docker"]').waitFor({ timeout: 1000 })
  t.ok(Date.now() - added < 1000, `router shown ${Date.now() - added} ms after the change`)
  const servers = page.locator('[data-service="whoami@docker"] [data-server]')
  t.equal(await servers.count(), 2)
  t.match(await servers.nth(1).textContent(), /172\.17\.0\.3:80\s*1\s*DOWN/, 'server with weight and health')

  // Traffic: a worker's snapshot reaches the store; the next tick draws the chart.
  t.equal(await page.locator('[data-service="whoami@docker"] svg.chart').getAttribute('data-points'), '0')
  const w = new WorkerRecorder()
  w.setNames(['web'], ['whoami@docker'], ['whoami@docker'])
  for (let i = 1; i <= 500; i++) w.record(0, 0, 0, 200, i * 40_000, i * 30_000, 0, 100, 0)
  metrics.merge(w.snapshot())
  await page.locator('[data-service="whoami@docker"] svg.chart:not([data-points="0"])').waitFor({ timeout: 10_000 })
  const line = await page.locator('[data-service="whoami@docker"] svg.chart polyline.total').getAttribute('points')
  t.ok(line && line.split(' ').length >= 5, 'the percentile curve has points')

  await keepScreenshot(page, 'dashboard')
  t.same(problems, [], 'no console errors, page errors or failed requests')
})
