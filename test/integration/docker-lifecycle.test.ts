// Container state changes against the real engine: stop, pause/unpause,
// HEALTHCHECK going unhealthy and back, allowEmptyServices.
import t from 'tap'
import { docker, ensureEngine, get, removeLabelled, runWhoami, unique } from '../fixtures/docker/engine.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'

// A real engine on a shared machine: compose, health checks and starts take their time.
t.setTimeout(300_000)

// Each test sees only its own containers: a unique label and a constraint on it.
async function scene(t: Tap.Test, extra: string[] = []) {
  await ensureEngine()
  const tag = unique('pierlife')
  t.teardown(() => removeLabelled(`pier.test=${tag}`))
  const web = await freePort()
  const pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${web}`,
    '--providers.docker=true',
    `--providers.docker.constraints=Label(\`pier.test\`,\`${tag}\`)`,
    '--providers.docker.defaultRule=Host(`{{ normalize .Name }}.docker.localhost`)',
    '--log.level=DEBUG',
    '--lifecycle.graceTimeOut=1s',
    ...extra,
  ])
  t.teardown(() => pier.stop())
  return { tag, web, pier, labels: { 'pier.test': tag } }
}

const status = async (web: number, host: string) => (await get(web, host)).status

t.test('docker stop removes the route; docker start brings it back', async (t) => {
  const { web, labels, tag } = await scene(t)
  const name = `${tag}-a`
  await runWhoami(name, labels)
  await waitFor(async () => (await status(web, `${name}.docker.localhost`)) === 200, 10000, 'route after run')
  await docker('stop', '-t', '0', name)
  await waitFor(async () => (await status(web, `${name}.docker.localhost`)) === 404, 10000, '404 after stop')
  await docker('start', name)
  await waitFor(async () => (await status(web, `${name}.docker.localhost`)) === 200, 10000, 'route after start')
  t.pass('stop and start followed')
})

t.test('a paused container gets no traffic until unpaused', async (t) => {
  const { web, labels, tag } = await scene(t)
  const name = `${tag}-p`
  await runWhoami(name, labels)
  const host = `${name}.docker.localhost`
  await waitFor(async () => (await status(web, host)) === 200, 10000, 'route after run')
  await docker('pause', name)
  await waitFor(async () => (await status(web, host)) === 404, 10000, '404 while paused')
  await docker('unpause', name)
  await waitFor(async () => (await status(web, host)) === 200, 10000, '200 after unpause')
  t.pass('pause and unpause followed')
})

t.test('HEALTHCHECK: no traffic while starting or unhealthy, back when healthy', async (t) => {
  const { web, labels, tag, pier } = await scene(t)
  const name = `${tag}-h`
  const host = `${name}.docker.localhost`
  await runWhoami(name, labels, ['--health-cmd', 'test ! -f /tmp/sick', '--health-interval', '1s', '--health-retries', '1', '--health-start-period', '0s'])
  t.equal(await status(web, host), 404, 'not routed while health is starting')
  await waitFor(async () => (await status(web, host)) === 200, 15000, 'routed once healthy')
  await docker('exec', name, 'touch', '/tmp/sick')
  await waitFor(async () => (await status(web, host)) === 404, 15000, 'gone once unhealthy')
  await docker('exec', name, 'rm', '/tmp/sick')
  await waitFor(async () => (await status(web, host)) === 200, 15000, 'back once healthy again')
  t.notMatch(pier.logs(), /exec_(create|start|die)/, 'healthcheck exec events do not reach the log')
})

t.test('allowEmptyServices: an unhealthy-only service answers 503 instead of vanishing', async (t) => {
  const { web, labels, tag } = await scene(t, ['--providers.docker.allowEmptyServices=true'])
  const name = `${tag}-e`
  const host = `${name}.docker.localhost`
  await runWhoami(name, labels, ['--health-cmd', 'test ! -f /tmp/sick', '--health-interval', '1s', '--health-retries', '1'])
  await waitFor(async () => (await status(web, host)) === 200, 15000, 'routed once healthy')
  await docker('exec', name, 'touch', '/tmp/sick')
  await waitFor(async () => (await status(web, host)) === 503, 15000, '503 once unhealthy')
  t.pass('503 while the only server is unhealthy')
})
