// A container started on the real Docker engine shows up on the dashboard of
// the built pier, in headless Chromium, with its server and health.
import t from 'tap'
import { keepScreenshot, launchChromium, watchedPage } from '../helpers/browser.js'
import { ensureEngine, removeLabelled, runWhoami, unique, docker } from '../fixtures/docker/engine.js'
import { startPier } from '../helpers/pier.js'
import { freePort, waitFor } from '../helpers/net.js'


t.test('a started container appears on the dashboard', async (t) => {
  await ensureEngine()
  const tag = unique('pierdash')
  t.teardown(() => removeLabelled(`pier.test=${tag}`))
  const [web, api] = [await freePort(), await freePort()]
  const pier = await startPier(
    [
      `--entrypoints.web.address=127.0.0.1:${web}`, `--entrypoints.traefik.address=127.0.0.1:${api}`, '--api.insecure=true',
      '--providers.docker=true', `--providers.docker.constraints=Label(\`pier.test\`,\`${tag}\`)`,
      '--providers.docker.defaultRule=Host(`{{ normalize .Name }}.docker.localhost`)', '--lifecycle.graceTimeOut=1s',
    ],
    { timeoutMs: 60_000 },
  )
  const browser = await launchChromium()
  t.teardown(async () => {
    await browser.close()
    await pier.stop()
  })
  const { page, problems } = await watchedPage(browser, 900)
  await page.goto(`http://127.0.0.1:${api}/dashboard/`)
  await page.locator('#conn.live').waitFor({ timeout: 10_000 })

  const name = `${tag}-web`
  await runWhoami(name, { 'pier.test': tag })
  // `docker run -d` returns once the container is started: from there to the row on the page.
  const started = Date.now()
  const router = page.locator(`[data-router="${name}@docker"]`)
  await router.waitFor({ timeout: 10_000 })
  const ms = Date.now() - started
  t.ok(ms < 1000, `router on the dashboard ${ms} ms after the container started`)
  const ip = await docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', name)
  const server = page.locator(`[data-service="${name}@docker"] [data-server]`)
  await waitFor(async () => (await server.count()) === 1, 5000, 'the server row')
  t.match(await server.textContent(), new RegExp(`${ip.replace(/\./g, '\\.')}:\\d+\\s*1\\s*UP`), 'server address, weight and health')

  await keepScreenshot(page, 'dashboard-docker')
  t.same(problems, [], 'no console or page errors')
})
