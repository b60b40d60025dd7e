// dockerd gone for a minute under a running, loaded pier: routes survive the
// outage with no failed request, and the full resync on return catches what
// changed while the engine was away.
// Restarts only a dockerd that scripts/docker-up.sh started (it records the
// pid and runs dockerd with --live-restore, so containers keep serving).
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { Agent } from 'node:http'
import { promisify } from 'node:util'
import t from 'tap'
import { docker, ensureEngine, get, removeLabelled, runWhoami, unique } from '../fixtures/docker/engine.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'

// A real engine on a shared machine: compose, health checks and starts take their time.
t.setTimeout(300_000)

const PIDFILE = process.env.PIER_DOCKERD_PID ?? '/run/pier-test-dockerd.pid'
/** How long the engine stays away (the reliability target: a minute). */
const OUTAGE_MS = Number(process.env.PIER_TEST_ENGINE_OUTAGE_S ?? 60) * 1000
const sh = promisify(execFile)

function ourDockerd(): boolean {
  if (!existsSync(PIDFILE)) return false
  try {
    process.kill(Number(readFileSync(PIDFILE, 'utf8').trim()), 0)
    return true
  } catch {
    return false
  }
}

t.test('dockerd restart: last configuration kept, then resynced', async (t) => {
  await ensureEngine()
  if (!ourDockerd()) return t.skip(`the running dockerd was not started by scripts/docker-up.sh (${PIDFILE}); not restarting someone else's engine`)
  const tag = unique('pierrst')
  t.teardown(async () => {
    if (!ourDockerd()) await sh('sh', ['scripts/docker-up.sh'])
    await removeLabelled(`pier.test=${tag}`)
  })
  const web = await freePort()
  const pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${web}`,
    '--providers.docker',
    `--providers.docker.constraints=Label(\`pier.test\`,\`${tag}\`)`,
    '--log.level=DEBUG',
    '--lifecycle.graceTimeOut=1s',
  ])
  t.teardown(() => pier.stop())
  const labels = (h: string) => ({ 'pier.test': tag, [`traefik.http.routers.${h}.rule`]: `Host(\`${h}.test\`)` })
  await runWhoami(`${tag}-stay`, labels('stay'))
  await runWhoami(`${tag}-dies`, labels('dies'))
  await waitFor(async () => (await get(web, 'stay.test')).status === 200 && (await get(web, 'dies.test')).status === 200, 10000, 'both routed')
  const diesPid = Number(await docker('inspect', '-f', '{{.State.Pid}}', `${tag}-dies`))

  // Steady load on the surviving route for the whole outage: every request must be answered.
  const agent = new Agent({ keepAlive: true, maxSockets: 4 })
  t.teardown(() => agent.destroy())
  let loading = true
  const failures: string[] = []
  let answered = 0
  const load = Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = 0; loading && i < 100_000; i++) {
        const r = await get(web, 'stay.test', '/', agent).catch((err: Error) => ({ status: err.message }))
        if (r.status === 200) answered++
        else failures.push(String(r.status))
        await new Promise((res) => setTimeout(res, 20))
      }
    }),
  )

  await sh('sh', ['scripts/docker-down.sh'])
  await pier.waitForLog(/Docker engine unreachable; routing stays on the last configuration/)
  // A change the engine cannot report: the container's process dies while dockerd is away.
  process.kill(diesPid, 'SIGKILL')
  await new Promise((r) => setTimeout(r, OUTAGE_MS))
  t.same(failures, [], `routes survive while the engine is away (${answered} requests in ${OUTAGE_MS / 1000} s)`)

  await sh('sh', ['scripts/docker-up.sh'])
  await pier.waitForLog(/Docker engine is back; resynced/, 20000)
  await waitFor(async () => (await get(web, 'dies.test')).status === 404, 10000, 'the container that died while away is gone after resync')
  t.equal((await get(web, 'stay.test')).status, 200, 'the surviving container is still routed')
  t.equal(pier.logs().match(/Docker engine unreachable/g)?.length, 1, 'the outage is logged once')
  loading = false
  await load
  t.same(failures, [], `no request to the surviving container failed, across the outage and the resync (${answered} answered)`)

  await runWhoami(`${tag}-new`, labels('new'))
  await waitFor(async () => (await get(web, 'new.test')).status === 200, 10000, 'events followed again after the restart')
})
