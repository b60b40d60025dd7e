// What the Docker provider dropped or warned about, as the built pier's API
// shows it, against the real engine: a router two containers define
// differently is disabled (naming both) and not routed until they agree; a bad
// weight on one container leaves its service working, with a warning.
import t from 'tap'
import { docker, ensureEngine, get, removeLabelled, runWhoami, unique, whoSequence } from '../fixtures/docker/engine.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'

// A real engine on a shared machine: container starts take their time.
t.setTimeout(300_000)

t.test('a router defined differently by two containers: disabled in the API, not routed, enabled once fixed', async (t) => {
  await ensureEngine()
  const tag = unique('pierapi')
  t.teardown(() => removeLabelled(`pier.test=${tag}`))
  const [web, api] = [await freePort(), await freePort()]
  const pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${web}`, `--entrypoints.traefik.address=127.0.0.1:${api}`, '--api.insecure=true',
    '--providers.docker=true', `--providers.docker.constraints=Label(\`pier.test\`,\`${tag}\`)`, '--lifecycle.graceTimeOut=1s',
  ], { timeoutMs: 60_000 })
  t.teardown(() => pier.stop())
  const apiGet = async (path: string): Promise<{ status: number; body: any }> => {
    const res = await fetch(`http://127.0.0.1:${api}${path}`)
    return { status: res.status, body: await res.json() }
  }

  const name = `${tag}r`
  const host = `${name}.test`
  const labels = (rule: string, extra: Record<string, string> = {}) => ({
    'pier.test': tag,
    [`traefik.http.routers.${name}.rule`]: rule,
    [`traefik.http.routers.${name}.service`]: name,
    [`traefik.http.services.${name}.loadbalancer.server.port`]: '8000',
    ...extra,
  })
  const a = await runWhoami(`${tag}-a`, labels(`Host(\`${host}\`)`))
  await runWhoami(`${tag}-b`, labels(`Host(\`other-${host}\`)`))

  const routerPath = `/api/http/routers/${encodeURIComponent(`${name}@docker`)}`
  const disabled = await waitFor(async () => {
    const r = await apiGet(routerPath)
    return r.status === 200 && r.body.status === 'disabled' && r.body
  }, 15000, 'the router shown disabled')
  t.same(disabled, {
    error: [`router "${name}" is defined differently by containers ${tag}-a, ${tag}-b; it is dropped`],
    status: 'disabled',
    using: [],
    name: `${name}@docker`,
    provider: 'docker',
  })
  t.equal((await get(web, host)).status, 404, 'not routed')
  t.equal((await get(web, `other-${host}`)).status, 404, 'under neither definition')
  t.match((await apiGet('/api/overview')).body.http.routers, { total: 1, errors: 1 })

  // b is replaced by a fresh container with a's labels, and c joins with a weight that is no number.
  await docker('rm', '-f', `${tag}-b`)
  const b2 = await runWhoami(`${tag}-b2`, labels(`Host(\`${host}\`)`))
  await runWhoami(`${tag}-c`, labels(`Host(\`${host}\`)`, { [`traefik.http.services.${name}.loadbalancer.server.weight`]: 'heavy' }))
  const enabled = await waitFor(async () => {
    const r = await apiGet(routerPath)
    return r.body.status === 'enabled' && r.body
  }, 15000, 'the router enabled once the containers agree')
  t.match(enabled, { rule: `Host(\`${host}\`)`, service: name, using: ['web'] })
  t.notOk('error' in enabled, 'no error left')
  const service = await waitFor(async () => {
    const r = await apiGet(`/api/http/services/${encodeURIComponent(`${name}@docker`)}`)
    return r.body.status === 'warning' && r.body
  }, 15000, 'the service warned about the bad weight')
  t.same(service.error, [`container ${tag}-c: label traefik.http.services.${name}.loadbalancer.server.weight: "heavy" is not an integer between 0 and 2147483647`])
  t.equal(service.loadBalancer.servers.length, 2, 'the two good containers serve')
  // api@internal and the other internal services count too, as in Traefik
  const internal = (await apiGet('/api/http/services')).body.filter((s: { provider: string }) => s.provider === 'internal').length
  t.ok(internal > 0, 'the internal services are listed')
  t.match((await apiGet('/api/overview')).body.http, { routers: { total: 1, warnings: 0, errors: 0 }, services: { total: 1 + internal, warnings: 1, errors: 0 } })
  const who = new Set(await whoSequence(web, host, 4))
  t.same([...who].sort(), [a.slice(0, 12), b2.slice(0, 12)].sort(), 'routed to the two agreeing containers')
})
