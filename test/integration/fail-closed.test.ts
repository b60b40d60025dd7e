// Fail closed, end to end on the built pier: a container labelled with a
// plugin middleware (which pier does not have) answers 404, not 200 without
// the plugin's check; the API shows its router disabled with the reason; a
// file router asking for TLS does the same; routers beside them still serve.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ensureEngine, get, removeLabelled, runWhoami, unique } from '../fixtures/docker/engine.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'
import { startBackend } from '../helpers/backends.js'

t.setTimeout(300_000)

t.test('routers asking for what pier does not honour are disabled, never served without it', async (t) => {
  await ensureEngine()
  const tag = unique('pierfc')
  t.teardown(() => removeLabelled(`pier.test=${tag}`))
  const backend = await startBackend('file-backend')
  t.teardown(() => backend.close())
  const dir = t.testdir({})
  const routes = join(dir, 'routes.yml')
  writeFileSync(routes, `
http:
  routers:
    secure: { rule: "Host(\`secure.${tag}.test\`)", service: app, tls: {} }
    plain: { rule: "Host(\`plain.${tag}.test\`)", service: app }
  services:
    app: { loadBalancer: { servers: [{ url: "http://127.0.0.1:${backend.port}" }] } }
`)
  const [web, api] = [await freePort(), await freePort()]
  const pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${web}`, `--entrypoints.traefik.address=127.0.0.1:${api}`, '--api.insecure=true',
    `--providers.file.filename=${routes}`,
    '--providers.docker=true', `--providers.docker.constraints=Label(\`pier.test\`,\`${tag}\`)`, '--lifecycle.graceTimeOut=1s',
  ], { timeoutMs: 60_000 })
  t.teardown(() => pier.stop())
  const apiGet = async (path: string): Promise<any> => (await fetch(`http://127.0.0.1:${api}${path}`)).json()

  const guarded = `${tag}g`
  await runWhoami(`${tag}-guarded`, {
    'pier.test': tag,
    [`traefik.http.routers.${guarded}.rule`]: `Host(\`${guarded}.test\`)`,
    [`traefik.http.routers.${guarded}.middlewares`]: `${guarded}-auth`,
    [`traefik.http.middlewares.${guarded}-auth.plugin.sso.realm`]: 'admin',
    [`traefik.http.services.${guarded}.loadbalancer.server.port`]: '8000',
  })
  const open = `${tag}o`
  await runWhoami(`${tag}-open`, {
    'pier.test': tag,
    [`traefik.http.routers.${open}.rule`]: `Host(\`${open}.test\`)`,
    [`traefik.http.services.${open}.loadbalancer.server.port`]: '8000',
  })

  await waitFor(async () => (await get(web, `${open}.test`)).status === 200, 20000, 'the unguarded container routed')
  const router = await waitFor(async () => {
    const r = await apiGet(`/api/http/routers/${encodeURIComponent(`${guarded}@docker`)}`)
    return r.status === 'disabled' && r
  }, 15000, 'the guarded router shown disabled')
  t.match(router, {
    rule: `Host(\`${guarded}.test\`)`,
    middlewares: [`${guarded}-auth`],
    error: [`middleware "${guarded}-auth@docker": plugins are not supported`],
    status: 'disabled',
    using: [],
  })
  const denied = await get(web, `${guarded}.test`)
  t.equal(denied.status, 404, 'a request the plugin would have checked is not served')
  t.equal(denied.body, '404 page not found\n')

  t.equal((await get(web, `plain.${tag}.test`)).status, 200, 'a plain file router serves')
  t.equal((await get(web, `secure.${tag}.test`)).status, 404, 'a TLS router is not served over plain HTTP')
  t.match(await apiGet('/api/http/routers/secure@file'), { status: 'disabled', tls: {}, error: [/^no entrypoint serves TLS/] })
  t.match((await apiGet('/api/overview')).http.routers, { total: 4, errors: 2 })
  t.match(pier.logs(), /router disabled.*plugins are not supported/)
})
