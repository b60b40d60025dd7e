// api@internal from a real container's labels, as compose files label the
// Traefik container itself: a Host router to api@internal behind a basicAuth
// defined in labels, and ping@internal, beside an ordinary container.
import t from 'tap'
import { ensureEngine, get, removeLabelled, runWhoami, unique } from '../fixtures/docker/engine.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'
import { get as getWith } from '../helpers/backends.js'

t.setTimeout(300_000)

const BOB = 'bob:$apr1$gNMBMiJO$LbvLkhSPKodQzgp/hYSgH1' // password b0b$pass
const AUTH = { authorization: `Basic ${Buffer.from('bob:b0b$pass').toString('base64')}` }

t.test('the dashboard router on the proxy container\'s own labels', async (t) => {
  await ensureEngine()
  const tag = unique('pierint')
  t.teardown(() => removeLabelled(`pier.test=${tag}`))
  const web = await freePort()
  const pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${web}`, '--api=true', '--ping=true', '--ping.manualRouting=true',
    '--providers.docker=true', '--providers.docker.exposedByDefault=false', `--providers.docker.constraints=Label(\`pier.test\`,\`${tag}\`)`, '--lifecycle.graceTimeOut=1s',
  ], { timeoutMs: 60_000 })
  t.teardown(() => pier.stop())
  await runWhoami(`${tag}-proxy`, {
    'pier.test': tag,
    'traefik.enable': 'true',
    'traefik.http.routers.dashboard.rule': `Host(\`traefik.${tag}.test\`)`,
    'traefik.http.routers.dashboard.entrypoints': 'web',
    'traefik.http.routers.dashboard.service': 'api@internal',
    'traefik.http.routers.dashboard.middlewares': 'dashboard-auth',
    'traefik.http.middlewares.dashboard-auth.basicauth.users': BOB,
    'traefik.http.routers.health.rule': `Host(\`health.${tag}.test\`)`,
    'traefik.http.routers.health.service': 'ping@internal',
    // real files give the proxy container a service of its own to satisfy the provider
    'traefik.http.services.dummy.loadbalancer.server.port': '9999',
  })
  await runWhoami(`${tag}-app`, {
    'pier.test': tag,
    'traefik.enable': 'true',
    'traefik.http.routers.app.rule': `Host(\`app.${tag}.test\`)`,
    'traefik.http.services.app.loadbalancer.server.port': '8000',
  })
  const dash = `traefik.${tag}.test`
  await waitFor(async () => (await get(web, dash, '/api/version')).status === 401, 30_000, 'the dashboard router')
  const ok = await getWith(web, dash, '/api/http/routers', { headers: AUTH })
  t.equal(ok.status, 200)
  const routers = JSON.parse(ok.body) as Array<{ name: string; status: string; service: string }>
  t.match(routers.find((r) => r.name === 'dashboard@docker'), { status: 'enabled', service: 'api@internal' })
  t.match(routers.find((r) => r.name === 'health@docker'), { status: 'enabled', service: 'ping@internal' })
  t.equal((await getWith(web, dash, '/dashboard/', { headers: AUTH })).status, 200)
  t.equal((await get(web, `health.${tag}.test`, '/')).body, 'OK')
  await waitFor(async () => (await get(web, `app.${tag}.test`, '/')).status === 200, 30_000, 'the app')
})
