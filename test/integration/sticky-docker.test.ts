// Traefik 1.x stickiness labels on real containers: two whoami containers of
// one v1 backend with `traefik.backend.loadbalancer.stickiness=true` and a
// cookie name; the first answer sets that cookie, and requests carrying it
// reach the same container.
import t from 'tap'
import { ensureEngine, removeLabelled, runWhoami, unique } from '../fixtures/docker/engine.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'
import { get } from '../helpers/backends.js'

t.setTimeout(300_000)

t.test('v1 stickiness labels through the Docker provider', async (t) => {
  await ensureEngine()
  const tag = unique('piersticky')
  t.teardown(() => removeLabelled(`pier.test=${tag}`))
  const web = await freePort()
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${web}`, '--providers.docker=true', `--providers.docker.constraints=Label(\`pier.test\`,\`${tag}\`)`, '--workers=2'], { timeoutMs: 60_000 })
  t.teardown(() => pier.stop())
  const host = `${tag}.test`
  const labels = {
    'pier.test': tag,
    'traefik.backend': tag,
    'traefik.frontend.rule': `Host:${host}`,
    'traefik.port': '8000',
    'traefik.backend.loadbalancer.stickiness': 'true',
    'traefik.backend.loadbalancer.stickiness.cookieName': 'v1_session',
  }
  await Promise.all([runWhoami(`${tag}-1`, labels), runWhoami(`${tag}-2`, labels)])
  const who = (body: string): string => /^I'm (\S+)/m.exec(body)?.[1] ?? body
  // Both containers in rotation: without the cookie, both answer.
  await waitFor(async () => {
    const seen = new Set<string>()
    for (let i = 0; i < 8; i++) seen.add(who((await get(web, host)).body))
    return seen.size === 2
  }, 30000, 'both containers routed')
  const first = await get(web, host)
  const set = ([first.headers['set-cookie'] ?? []].flat() as string[]).find((c) => c.startsWith('v1_session='))
  t.match(set, /^v1_session=[0-9a-f]{16}; Path=\/$/, 'the named cookie is set')
  const cookie = set!.split(';')[0]!
  const seen = new Set<string>()
  for (let i = 0; i < 30; i++) seen.add(who((await get(web, host, '/', { headers: { cookie } })).body))
  t.same([...seen], [who(first.body)], 'every request with the cookie reaches the same container')
})
