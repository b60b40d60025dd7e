// Swarm discovery latency on the three-node lab (scripts/swarm-lab.sh): from
// `docker service scale` returning (detached, as the API call returns) to the
// new task's first 200 proxied by pier, over N scalings 1 -> 2 (back to 1
// between them), with the time Swarm itself takes to report the task running
// beside it. pier runs as a container on the lab's overlay on the manager.
// Usage: npx tsc -p . && node bench/swarm/scale.mjs [scalings=20]
import { Agent } from 'node:http'
import { loadavg } from 'node:os'
import { api, get, startLab, waitFor } from '../../scripts/swarm-lab.mjs'

const scalings = Number(process.argv[2] ?? 20)
const DEADLINE_MS = 30_000
const HOST = 'bench.localhost'

const lab = await startLab({ nodes: 3 })
const stop = async () => {
  const left = await lab.down()
  if (left) console.error(`swarm lab left behind:\n${left}`)
}
process.once('SIGINT', () => void stop().then(() => process.exit(130)))
process.once('SIGTERM', () => void stop().then(() => process.exit(143)))

const pierLag = []
const swarmStart = []
const loads = []
try {
  const pier = await lab.runPier('pier-bench', ['--providers.swarm', `--providers.swarm.network=${lab.network}`, '--api.insecure', '--workers=1'], { web: 8001, api: 8002 })
  await lab.manager('service', 'create', '--detach', '--name', 'bench', '--no-resolve-image', '--init', '--network', lab.network, '--endpoint-mode', 'dnsrr', '--replicas', '1',
    '--label', `traefik.http.routers.bench.rule=Host(\`${HOST}\`)`, '--label', 'traefik.http.services.bench.loadbalancer.server.port=8000', 'pier-whoami:test')
  const servers = () => api(pier.ip, pier.api, '/api/http/services/bench@swarm').then((s) => s.loadBalancer.servers.length).catch(() => 0)
  await waitFor(async () => (await servers()) === 1 && (await get(pier.ip, pier.web, HOST)).status === 200, DEADLINE_MS, 'the first task through pier')
  const agent = new Agent({ keepAlive: true, maxSockets: 2 })
  for (let i = 0; i < scalings; i++) {
    const known = new Set()
    for (let k = 0; k < 4; k++) known.add((await get(pier.ip, pier.web, HOST, '/', agent)).who)
    await lab.manager('service', 'scale', '--detach', 'bench=2')
    const returned = Date.now()
    // Two probes at a time until a task not seen before answers (bounded by the deadline).
    let first = 0
    let fresh = ''
    const probe = async () => {
      while (!first && Date.now() - returned < DEADLINE_MS) {
        const r = await get(pier.ip, pier.web, HOST, '/', agent).catch(() => ({}))
        if (r.who && !known.has(r.who) && !first) {
          first = Date.now()
          fresh = r.who
        }
      }
    }
    await Promise.all([probe(), probe()])
    if (!first) throw new Error(`scaling ${i + 1}: no new task answered within ${DEADLINE_MS} ms`)
    // When Swarm recorded the task as running (manager's clock, the same host).
    const ids = (await lab.manager('service', 'ps', '-q', '--no-trunc', '--filter', 'desired-state=running', 'bench')).split('\n').filter(Boolean)
    const list = JSON.parse(await lab.manager('inspect', '--type', 'task', ...ids))
    const task = list.find((x) => (x.Status.ContainerStatus?.ContainerID ?? '').startsWith(fresh))
    if (!task) throw new Error(`scaling ${i + 1}: no task for container ${fresh}`)
    swarmStart.push(Date.parse(task.Status.Timestamp) - returned)
    pierLag.push(first - returned)
    loads.push(loadavg()[0])
    await lab.manager('service', 'scale', '--detach', 'bench=1')
    await waitFor(async () => (await servers()) === 1, DEADLINE_MS, 'back to one server')
  }
  agent.destroy()
} finally {
  await stop()
}

const pct = (v, p) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)]
const row = (name, v) => `  ${name.padEnd(44)} p50 ${String(pct(v, 50)).padStart(5)} ms   p99 ${String(pct(v, 99)).padStart(5)} ms   min ${Math.min(...v)} ms   max ${Math.max(...v)} ms`
console.log(`Swarm discovery, docker service scale -d returned -> ..., ${pierLag.length} scalings 1 -> 2 (3 nodes, shared 2-core machine, load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}):`)
console.log(row("Swarm: the new task's state is running", swarmStart))
console.log(row("pier: the new task's first proxied 200", pierLag))
console.log(row('pier after Swarm (per scaling)', pierLag.map((v, i) => v - swarmStart[i])))
console.log('  (Traefik polls Swarm every 15 s by default: up to 15 s after the task runs)')
