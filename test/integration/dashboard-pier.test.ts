// The dashboard of the real built pier in headless Chromium: a route added to
// the watched file shows up live with its servers, and the latency chart fills
// once traffic has gone through the proxy.
import t from 'tap'
import { keepScreenshot, launchChromium, watchedPage } from '../helpers/browser.js'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPier } from '../helpers/pier.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startBackend, get } from '../helpers/backends.js'


t.test('dashboard follows pier live', async (t) => {
  const one = await startBackend('one')
  const two = await startBackend('two')
  const dir = mkdtempSync(join(tmpdir(), 'pier-dashboard-'))
  const routes = join(dir, 'routes.yml')
  const config = (withApp: boolean): string =>
    JSON.stringify({
      http: {
        routers: { home: { rule: 'Host(`home.local`)', service: 'home' }, ...(withApp ? { app: { rule: 'Host(`app.local`) && PathPrefix(`/v1`)', service: 'app' } } : {}) },
        services: {
          home: { loadBalancer: { servers: [{ url: one.url }] } },
          ...(withApp ? { app: { loadBalancer: { servers: [{ url: one.url, weight: 3 }, { url: two.url, weight: 1 }] } } } : {}),
        },
      },
    })
  writeFileSync(routes, config(false))
  const [web, api] = [await freePort(), await freePort()]
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${web}`, `--entrypoints.traefik.address=127.0.0.1:${api}`, `--providers.file.filename=${routes}`, '--api.insecure=true', '--workers=2'], { timeoutMs: 60_000 })
  const browser = await launchChromium()
  t.teardown(async () => {
    await browser.close()
    await pier.stop()
    await one.close()
    await two.close()
  })
  const { page, problems } = await watchedPage(browser, 1100)
  await page.goto(`http://127.0.0.1:${api}/dashboard/`)
  await page.locator('[data-router="home@file"]').waitFor({ timeout: 10_000 })

  // Add a router: time from pier applying it (the API has it) to the page showing it.
  writeFileSync(routes, config(true))
  const shown = page.locator('[data-router="app@file"]').waitFor({ timeout: 15_000 }).then(() => Date.now())
  const applied = await waitFor(async () => ((await fetch(`http://127.0.0.1:${api}/api/http/routers/app@file`)).ok ? Date.now() : 0), 15_000, 'pier applies the new file', 20)
  const lag = (await shown) - applied
  t.ok(lag < 1000, `dashboard showed the new router ${lag} ms after pier applied it`)
  const servers = page.locator('[data-service="app@file"] [data-server]')
  t.equal(await servers.count(), 2)
  t.match(await servers.nth(0).textContent(), new RegExp(`${one.url.replace(/\./g, '\\.')}\\s*3\\s*UP`))

  let ok = 0
  for (let i = 0; i < 200; i++) if ((await get(web, 'app.local', `/v1/${i}`)).status === 200) ok++
  t.equal(ok, 200, '200 requests proxied')
  await page.locator('[data-service="app@file"] svg.chart:not([data-points="0"])').waitFor({ timeout: 10_000 })
  await page.locator('[data-service="app@file"] [data-latency="start"] [data-count="200"]').waitFor({ timeout: 10_000 })
  t.pass('the page counts all 200 requests since start')

  await keepScreenshot(page, 'dashboard-pier')
  t.same(problems, [], 'no console or page errors')
})
