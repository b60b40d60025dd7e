// The 2016 Traefik 1.0 compose scene, played against the real engine with
// Traefik's v1 flags: one container, scaled to five, then taken down.
import t from 'tap'
import { compose, ensureEngine, get, SCENE_COMPOSE, unique, whoSequence } from '../fixtures/docker/engine.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'

// A real engine on a shared machine: compose, health checks and starts take their time.
t.setTimeout(300_000)

const HOST = 'whoami.docker.localhost'

t.test('v1 flags and labels: scale up, round robin, down', async (t) => {
  await ensureEngine()
  const project = unique('pierscene')
  t.teardown(() => compose(project, SCENE_COMPOSE, 'down', '-v'))
  const [web, api] = [await freePort(), await freePort()]
  const pier = await startPier([
    '--web',
    '--docker',
    '--docker.domain=docker.localhost',
    '--logLevel=DEBUG',
    '--lifecycle.graceTimeOut=1s',
    '--docker.endpoint',
    'unix:///var/run/docker.sock',
    '--docker.watch',
    `--entrypoints.web.address=127.0.0.1:${web}`,
    `--entrypoints.traefik.address=127.0.0.1:${api}`,
  ])
  t.teardown(() => pier.stop())

  await compose(project, SCENE_COMPOSE, 'up', '-d')
  await waitFor(async () => (await get(web, HOST)).status === 200, 10000, 'the first container to be routable')
  const one = await whoSequence(web, HOST, 5)
  t.equal(new Set(one).size, 1, `five requests, one container: ${one.join(' ')}`)
  t.match(one[0], /^[0-9a-f]{12}$/, 'answered by a whoami container')

  await compose(project, SCENE_COMPOSE, 'scale', 'whoami=5')
  await waitFor(async () => new Set(await whoSequence(web, HOST, 5)).size === 5, 15000, 'five containers in rotation')
  const ten = await whoSequence(web, HOST, 10)
  t.equal(new Set(ten.slice(0, 5)).size, 5, `five requests, five containers: ${ten.slice(0, 5).join(' ')}`)
  t.same(ten.slice(5), ten.slice(0, 5), 'the next five go round in the same order')

  await compose(project, SCENE_COMPOSE, 'up', '-d', '--scale', 'whoami=2')
  await waitFor(async () => new Set(await whoSequence(web, HOST, 6)).size === 2, 15000, 'two containers after scaling down')
  await compose(project, SCENE_COMPOSE, 'up', '-d', '--scale', 'whoami=5')
  await waitFor(async () => new Set(await whoSequence(web, HOST, 5)).size === 5, 15000, 'five containers after up --scale whoami=5')

  await compose(project, SCENE_COMPOSE, 'down', '-v')
  await waitFor(async () => (await get(web, HOST)).status === 404, 10000, 'the host to be gone (404)')

  t.match(pier.logs(), /Configuration received from provider docker: \{/, 'debug log shows the configuration received')
  t.match(pier.logs(), /route table published/, 'debug log shows the table swap')
})
