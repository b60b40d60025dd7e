// Traefik 1.7 labels on real containers: segment labels give a router and a
// service per segment, named as 1.7 named them, each with its own options;
// `--docker.constraints=tag==...` keeps only containers whose traefik.tags
// match.
import t from 'tap'
import { ensureEngine, get, removeLabelled, runWhoami, unique } from '../fixtures/docker/engine.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'

t.setTimeout(300_000)

t.test('segment labels and tag constraints from containers', async (t) => {
  await ensureEngine()
  const tag = unique('pierv1')
  t.teardown(() => removeLabelled(`pier.test=${tag}`))
  const [web, api] = [await freePort(), await freePort()]
  const pier = await startPier([
    `--entryPoints=Name:http Address:127.0.0.1:${web}`, '--defaultentrypoints=http',
    `--web.address=127.0.0.1:${api}`,
    '--docker', `--docker.constraints=tag==${tag}`, '--docker.exposedbydefault=true', '--lifecycle.graceTimeOut=1s',
  ], { timeoutMs: 60_000 })
  t.teardown(() => pier.stop())

  const name = `${tag}-seg`
  await runWhoami(name, {
    'pier.test': tag,
    'traefik.tags': `${tag},extra`,
    'traefik.port': '8000',
    'traefik.site.frontend.rule': `Host:site.${tag}.test`,
    'traefik.admin.frontend.rule': `Host:admin.${tag}.test`,
    'traefik.admin.frontend.whiteList.sourceRange': '10.0.0.0/8',
  })
  await runWhoami(`${tag}-other`, { 'pier.test': tag, 'traefik.tags': 'other', 'traefik.frontend.rule': `Host:other.${tag}.test`, 'traefik.port': '8000' })

  await waitFor(async () => (await get(web, `site.${tag}.test`)).status === 200, 30_000, 'the site segment served')
  t.match((await get(web, `site.${tag}.test`)).body, /^I'm /m)
  t.equal((await get(web, `admin.${tag}.test`)).status, 403, 'the admin segment keeps its own allow list')
  t.equal((await get(web, `other.${tag}.test`)).status, 404, 'a container whose tags miss the constraint is not routed')

  const routers = await (await fetch(`http://127.0.0.1:${api}/api/http/routers`)).json() as { name: string; service: string; status: string }[]
  const mine = routers.filter((r) => r.name.includes(tag)).map((r) => [r.name, r.service, r.status])
  t.same(mine.sort(), [
    [`admin-${name}-admin@docker`, `${name}-admin`, 'enabled'],
    [`site-${name}-site@docker`, `${name}-site`, 'enabled'],
  ], "1.7's names: <segment>-<service>-<segment>, service <service>-<segment>")
})
