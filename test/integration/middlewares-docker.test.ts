// Middlewares from real containers' labels: basicAuth and stripPrefix from
// v2 labels, a label naming a middleware of the file provider (auth@file),
// and the same from Traefik v1 labels (auth.basic.users, PathPrefixStrip).
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'node:http'
import { ensureEngine, removeLabelled, runWhoami, unique } from '../fixtures/docker/engine.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'

t.setTimeout(300_000)

const BOB = 'bob:$apr1$gNMBMiJO$LbvLkhSPKodQzgp/hYSgH1' // password b0b$pass
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`

function get(port: number, host: string, path: string, auth?: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host, ...(auth ? { authorization: auth } : {}) }, agent: false, timeout: 5000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }))
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${host}${path} timed out`)))
    req.on('error', reject)
    req.end()
  })
}

t.test('middlewares from container labels, v2 and v1, and across providers', async (t) => {
  await ensureEngine()
  const tag = unique('piermw')
  t.teardown(() => removeLabelled(`pier.test=${tag}`))
  const dir = t.testdir({})
  const routes = join(dir, 'routes.yml')
  writeFileSync(routes, `
http:
  middlewares:
    auth:
      basicAuth:
        users: ["${BOB}"]
        realm: from-file
`)
  const [web, api] = [await freePort(), await freePort()]
  const pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${web}`, `--entrypoints.traefik.address=127.0.0.1:${api}`, '--api.insecure=true',
    `--providers.file.filename=${routes}`,
    '--providers.docker=true', `--providers.docker.constraints=Label(\`pier.test\`,\`${tag}\`)`, '--lifecycle.graceTimeOut=1s',
  ], { timeoutMs: 60_000 })
  t.teardown(() => pier.stop())

  const a = `${tag}a`
  await runWhoami(`${tag}-a`, {
    'pier.test': tag,
    [`traefik.http.routers.${a}.rule`]: `Host(\`${a}.test\`)`,
    [`traefik.http.routers.${a}.middlewares`]: `${a}-strip, ${a}-auth`,
    [`traefik.http.middlewares.${a}-strip.stripprefix.prefixes`]: '/app',
    [`traefik.http.middlewares.${a}-auth.basicauth.users`]: BOB,
    [`traefik.http.middlewares.${a}-auth.basicauth.realm`]: 'labels',
    [`traefik.http.services.${a}.loadbalancer.server.port`]: '8000',
  })
  const f = `${tag}f`
  await runWhoami(`${tag}-f`, {
    'pier.test': tag,
    [`traefik.http.routers.${f}.rule`]: `Host(\`${f}.test\`)`,
    [`traefik.http.routers.${f}.middlewares`]: 'auth@file',
    [`traefik.http.services.${f}.loadbalancer.server.port`]: '8000',
  })
  const v = `${tag}v`
  await runWhoami(`${tag}-v`, {
    'pier.test': tag,
    'traefik.backend': v,
    'traefik.port': '8000',
    'traefik.frontend.rule': `Host:${v}.test;PathPrefixStrip:/old`,
    'traefik.frontend.auth.basic.users': BOB,
  })

  // v2 labels: stripPrefix then basicAuth
  await waitFor(async () => (await get(web, `${a}.test`, '/app/')).status === 401, 20_000, 'the labelled router guarded')
  let r = await get(web, `${a}.test`, '/app/')
  t.equal(r.headers['www-authenticate'], 'Basic realm="labels"')
  r = await get(web, `${a}.test`, '/app/', basic('bob', 'b0b$pass'))
  t.equal(r.status, 200)
  t.match(r.body, /^I'm /)
  t.match(r.body, /^Path: \/$/m, 'the container saw the path without /app')
  t.equal((await get(web, `${a}.test`, '/app/', basic('bob', 'wrong'))).status, 401)

  // a label naming the file provider's middleware
  await waitFor(async () => (await get(web, `${f}.test`, '/')).status === 401, 20_000, 'auth@file applied')
  t.equal((await get(web, `${f}.test`, '/')).headers['www-authenticate'], 'Basic realm="from-file"')
  t.equal((await get(web, `${f}.test`, '/', basic('bob', 'b0b$pass'))).status, 200)

  // v1 labels
  await waitFor(async () => (await get(web, `${v}.test`, '/old/')).status === 401, 20_000, 'the v1 frontend guarded')
  r = await get(web, `${v}.test`, '/old/', basic('bob', 'b0b$pass'))
  t.equal(r.status, 200)
  t.match(r.body, /^Path: \/$/m, 'PathPrefixStrip stripped /old')

  const apiGet = async (path: string): Promise<any> => (await fetch(`http://127.0.0.1:${api}${path}`)).json()
  t.match(await apiGet(`/api/http/middlewares/${a}-strip@docker`), { stripPrefix: { prefixes: ['/app'] }, status: 'enabled', usedBy: [`${a}@docker`], provider: 'docker', type: 'stripprefix' })
  t.match(await apiGet('/api/http/middlewares/auth@file'), { status: 'enabled', usedBy: [`${f}@docker`] })
  t.match(await apiGet(`/api/http/routers/${v}@docker`), { status: 'enabled', middlewares: [`${v}-auth`, `${v}-strip`] })
})
