// pier behind an allow-list Docker socket proxy, as users deploy it: HAProxy
// from Debian, configured like docker-socket-proxy but tighter: GET only,
// and only the endpoints the README says pier calls. Everything still
// works (discovery, events, routing), and the proxy really does refuse the
// rest.
import t from 'tap'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { docker, ensureEngine, get, removeLabelled, runWhoami, unique } from '../fixtures/docker/engine.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'

t.setTimeout(300_000)

/** The Docker API paths pier calls (any API version prefix), as the README lists them. */
const ALLOWED = String.raw`^(/v[0-9.]+)?/(version|events|containers/json|containers/[A-Za-z0-9_.-]+/json)$`

t.test('the Docker provider through an allow-list socket proxy (GET, four endpoints)', async (t) => {
  await ensureEngine()
  const tag = unique('piersp')
  t.teardown(() => removeLabelled(`pier.test=${tag}`))
  const dir = t.testdir({})
  const port = await freePort()
  const cfg = join(dir, 'haproxy.cfg')
  writeFileSync(cfg, `
defaults
  mode http
  timeout connect 5s
  timeout client 1h
  timeout server 1h
frontend docker
  bind 127.0.0.1:${port}
  acl read method GET
  acl allowed path_reg ${ALLOWED}
  http-request deny unless read allowed
  default_backend engine
backend engine
  server engine /var/run/docker.sock
`)
  const haproxy = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let proxyLog = ''
  haproxy.stdout.setEncoding('utf8').on('data', (d: string) => (proxyLog += d))
  haproxy.stderr.setEncoding('utf8').on('data', (d: string) => (proxyLog += d))
  t.teardown(() => haproxy.kill('SIGKILL'))
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/version`)).ok, 10000, `the socket proxy answering:\n${proxyLog}`)
  t.equal((await fetch(`http://127.0.0.1:${port}/info`)).status, 403, 'an endpoint pier does not call is refused')
  t.equal((await fetch(`http://127.0.0.1:${port}/v1.41/containers/create`, { method: 'POST', body: '{}' })).status, 403, 'so is any write')

  const web = await freePort()
  const pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${web}`,
    '--providers.docker=true',
    `--providers.docker.endpoint=tcp://127.0.0.1:${port}`,
    `--providers.docker.constraints=Label(\`pier.test\`,\`${tag}\`)`,
    '--lifecycle.graceTimeOut=1s',
  ])
  t.teardown(() => pier.stop())
  await pier.waitForLog(/Docker engine reached/)
  const name = `${tag}w`
  await runWhoami(`${tag}-w`, { 'pier.test': tag, [`traefik.http.routers.${name}.rule`]: `Host(\`${name}.test\`)` })
  await waitFor(async () => (await get(web, `${name}.test`)).status === 200, 15000, 'the container routed (list, inspect and events through the proxy)')
  await docker('stop', '-t', '1', `${tag}-w`)
  await waitFor(async () => (await get(web, `${name}.test`)).status === 404, 15000, 'the stopped container gone (events through the proxy)')
  t.notMatch(pier.logs(), /\b403\b|Docker engine unreachable|Docker inspect failed/, 'pier never asked for anything the proxy refuses')
})
