// HTTPS backends from a real container's labels: loadbalancer.server.url
// https://... with loadbalancer.serverstransport naming a transport of the
// file provider (name@file), as Portainer and UniFi setups write them. The
// TLS server is on the host's loopback (the busybox test image has no TLS
// server); the labels come from a real dockerd.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer } from 'node:https'
import { ensureEngine, removeLabelled, runWhoami, unique } from '../fixtures/docker/engine.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'
import { get } from '../helpers/backends.js'
import { makeCA } from '../helpers/tls.js'

t.setTimeout(300_000)

t.test('labels: an https server with serverstransport=name@file', async (t) => {
  await ensureEngine()
  const ca = await makeCA('portainer CA')
  const server = createServer(await ca.issue(['portainer.internal']), (_req, res) => res.end('portainer over tls'))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => server.close())
  const tlsPort = (server.address() as { port: number }).port

  const tag = unique('pierhttps')
  t.teardown(() => removeLabelled(`pier.test=${tag}`))
  const dir = t.testdir({})
  const routes = join(dir, 'routes.yml')
  writeFileSync(routes, JSON.stringify({ http: { serversTransports: { portainer: { serverName: 'portainer.internal', rootCAs: [ca.cert] } } } }))
  const web = await freePort()
  const pier = await startPier(
    [`--entrypoints.web.address=127.0.0.1:${web}`, `--providers.file.filename=${routes}`, '--providers.docker=true', `--providers.docker.constraints=Label(\`pier.test\`,\`${tag}\`)`, '--lifecycle.graceTimeOut=1s'],
    { timeoutMs: 60_000 },
  )
  t.teardown(() => pier.stop())

  const label = (s: string, transport: string) => ({
    'pier.test': tag,
    [`traefik.http.routers.${s}.rule`]: `Host(\`${s}.test\`)`,
    [`traefik.http.services.${s}.loadbalancer.server.url`]: `https://127.0.0.1:${tlsPort}`,
    [`traefik.http.services.${s}.loadbalancer.serverstransport`]: transport,
  })
  await runWhoami(`${tag}-ok`, label(`${tag}ok`, 'portainer@file'))
  await runWhoami(`${tag}-missing`, label(`${tag}missing`, 'portainer'))
  const ok = await waitFor(async () => {
    const r = await get(web, `${tag}ok.test`)
    return r.status === 200 ? r : undefined
  }, 30_000, 'the router from labels')
  t.equal(ok.body, 'portainer over tls')
  t.equal((await get(web, `${tag}missing.test`)).status, 404, 'portainer@docker does not exist: disabled')
  await pier.waitForLog(/serversTransport \\"portainer@docker\\" does not exist/)
})
