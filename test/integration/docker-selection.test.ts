// Which containers and which addresses: network labels, constraints,
// exposedByDefault=false, v2 labels; against the real engine.
import t from 'tap'
import { docker, ensureEngine, get, removeLabelled, runWhoami, unique, whoSequence } from '../fixtures/docker/engine.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'

// A real engine on a shared machine: compose, health checks and starts take their time.
t.setTimeout(300_000)

async function pierFor(t: Tap.Test, tag: string, extra: string[]) {
  const web = await freePort()
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${web}`, '--providers.docker', '--log.level=DEBUG', '--lifecycle.graceTimeOut=1s', ...extra])
  t.teardown(() => pier.stop())
  return { web, pier }
}

const status = async (web: number, host: string) => (await get(web, host)).status

t.test('traefik.docker.network picks the address; a missing network is reported, never guessed', async (t) => {
  await ensureEngine()
  const tag = unique('piernet')
  const [front, back] = [`${tag}-front`, `${tag}-back`]
  t.teardown(async () => {
    await removeLabelled(`pier.test=${tag}`)
    await docker('network', 'rm', front, back)
  })
  await docker('network', 'create', front)
  await docker('network', 'create', back)
  const { web, pier } = await pierFor(t, tag, [`--providers.docker.constraints=Label(\`pier.test\`,\`${tag}\`)`])
  const labels = { 'pier.test': tag }

  await runWhoami(`${tag}-good`, { ...labels, 'traefik.http.routers.good.rule': 'Host(`good.test`)', 'traefik.docker.network': back }, ['--network', front])
  await docker('network', 'connect', back, `${tag}-good`)
  const backIp = await docker('inspect', '-f', `{{ (index .NetworkSettings.Networks "${back}").IPAddress }}`, `${tag}-good`)
  await waitFor(async () => (await status(web, 'good.test')) === 200, 10000, 'routed on the labelled network after network connect')
  t.match(pier.logs(), `"url":"http://${backIp}:8000"`, `the server is the address on ${back}`)

  await runWhoami(`${tag}-lost`, { ...labels, 'traefik.http.routers.lost.rule': 'Host(`lost.test`)', 'traefik.docker.network': 'nowhere' }, ['--network', front])
  await pier.waitForLog(new RegExp(`container ${tag}-lost: is not on network "nowhere"; its networks: ${front}`))
  t.equal(await status(web, 'lost.test'), 404, 'a container on the wrong network is not routed')

  await runWhoami(`${tag}-two`, { ...labels, 'traefik.http.routers.two.rule': 'Host(`two.test`)' }, ['--network', front])
  await docker('network', 'connect', back, `${tag}-two`)
  await waitFor(async () => (await status(web, 'two.test')) === 200, 10000, 'two networks, the one it was created on')
  t.equal(await status(web, 'good.test'), 200, 'other routes unaffected')
})

t.test('constraints select containers by label', async (t) => {
  await ensureEngine()
  const tag = unique('piercon')
  t.teardown(() => removeLabelled(`pier.test=${tag}`))
  const constraint = `Label(\`pier.test\`,\`${tag}\`) && (LabelRegex(\`tier\`,\`^pub.*\`) || Label(\`force\`,\`yes\`)) && !Label(\`tier\`,\`public-hidden\`)`
  const { web } = await pierFor(t, tag, [`--providers.docker.constraints=${constraint}`])
  const rule = (h: string) => ({ 'pier.test': tag, [`traefik.http.routers.${h}.rule`]: `Host(\`${h}.test\`)` })
  await runWhoami(`${tag}-pub`, { ...rule('pub'), tier: 'public' })
  await runWhoami(`${tag}-forced`, { ...rule('forced'), tier: 'private', force: 'yes' })
  await runWhoami(`${tag}-hidden`, { ...rule('hidden'), tier: 'public-hidden' })
  await runWhoami(`${tag}-priv`, { ...rule('priv'), tier: 'private' })
  await waitFor(async () => (await status(web, 'pub.test')) === 200 && (await status(web, 'forced.test')) === 200, 10000, 'matching containers routed')
  t.equal(await status(web, 'hidden.test'), 404, 'excluded by !Label')
  t.equal(await status(web, 'priv.test'), 404, 'excluded: matches neither alternative')
})

t.test('exposedByDefault=false routes only traefik.enable=true', async (t) => {
  await ensureEngine()
  const tag = unique('pierexp')
  t.teardown(() => removeLabelled(`pier.test=${tag}`))
  const { web } = await pierFor(t, tag, ['--providers.docker.exposedByDefault=false', `--providers.docker.constraints=Label(\`pier.test\`,\`${tag}\`)`])
  await runWhoami(`${tag}-off`, { 'pier.test': tag, 'traefik.http.routers.off.rule': 'Host(`off.test`)' })
  await runWhoami(`${tag}-on`, { 'pier.test': tag, 'traefik.enable': 'true', 'traefik.http.routers.on.rule': 'Host(`on.test`)' })
  await waitFor(async () => (await status(web, 'on.test')) === 200, 10000, 'enabled container routed')
  t.equal(await status(web, 'off.test'), 404, 'container without traefik.enable=true not routed')
})

t.test('v2 labels: path prefix, a bad label that skips only its own router, server weights', async (t) => {
  await ensureEngine()
  const tag = unique('pierv2')
  t.teardown(() => removeLabelled(`pier.test=${tag}`))
  const { web, pier } = await pierFor(t, tag, [`--providers.docker.constraints=Label(\`pier.test\`,\`${tag}\`)`])
  await runWhoami(`${tag}-a`, {
    'pier.test': tag,
    'traefik.http.routers.api.rule': 'Host(`api.test`) && PathPrefix(`/v1/`)',
    'traefik.http.routers.broken.rule': 'Host(`broken.test`',
    'traefik.http.services.api.loadbalancer.server.port': '8000',
  })
  await waitFor(async () => (await get(web, 'api.test', '/v1/')).status === 200, 10000, 'router with a path prefix routed')
  const r = await get(web, 'api.test', '/v1/x/')
  t.match(r.body, /Path: \/v1\/x\//, 'path forwarded')
  t.equal(await status(web, 'api.test'), 404, 'outside the prefix: 404')
  await pier.waitForLog(new RegExp(`container ${tag}-a: label traefik.http.routers.broken.rule: `))

  // Two containers share one service with weights 3 and 1.
  const shared = (w: string) => ({
    'pier.test': tag,
    'traefik.http.routers.w.rule': 'Host(`w.test`)',
    'traefik.http.routers.w.service': 'wsvc',
    'traefik.http.services.wsvc.loadbalancer.server.weight': w,
  })
  const heavy = (await runWhoami(`${tag}-heavy`, shared('3'))).slice(0, 12)
  const light = (await runWhoami(`${tag}-light`, shared('1'))).slice(0, 12)
  await waitFor(async () => new Set(await whoSequence(web, 'w.test', 4)).size === 2, 10000, 'both weighted servers in rotation')
  const seq = await whoSequence(web, 'w.test', 8)
  t.same([seq.filter((w) => w === heavy).length, seq.filter((w) => w === light).length], [6, 2], `weights 3:1 over 8 requests: ${seq.join(' ')}`)
})
