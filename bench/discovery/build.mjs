// Config build for N containers with the pure label builder (no engine):
// a mix of v2-labelled, v1-labelled and label-less compose services, 4
// replicas each, rules validated by the real rule parser.
// Usage: npx tsc -p . && node bench/discovery/build.mjs [containers=1000] [runs=50]
import { buildConfig } from '../../dist/providers/docker/builder.js'
import { compileRuleTemplate } from '../../dist/providers/docker/default-rule.js'
import { checkRule } from '../../dist/providers/docker/settings.js'

const n = Number(process.argv[2] ?? 1000)
const runs = Number(process.argv[3] ?? 50)

function container(i) {
  const svc = `svc${Math.floor(i / 4)}`
  const kind = Math.floor(i / 4) % 3
  const labels = { 'com.docker.compose.project': 'bench', 'com.docker.compose.service': svc }
  if (kind === 0) {
    labels[`traefik.http.routers.${svc}.rule`] = `Host(\`${svc}.example.com\`) && PathPrefix(\`/api\`)`
    labels[`traefik.http.routers.${svc}.entrypoints`] = 'web'
    labels[`traefik.http.services.${svc}.loadbalancer.server.port`] = '8000'
  } else if (kind === 1) {
    labels['traefik.backend'] = svc
    labels['traefik.frontend.rule'] = `Host:${svc}.example.org,www.${svc}.example.org;PathPrefix:/`
    labels['traefik.port'] = '8000'
  }
  return {
    id: `id${i}`,
    name: `bench_${svc}_${i % 4}`,
    labels,
    composeProject: 'bench',
    composeService: svc,
    state: 'running',
    health: i % 10 === 0 ? 'healthy' : 'none',
    networkMode: 'bench_default',
    networks: [{ name: 'bench_default', ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }],
    exposedPorts: [8000],
    portBindings: {},
  }
}

const containers = Array.from({ length: n }, (_, i) => container(i))
const opts = {
  exposedByDefault: true,
  defaultRule: compileRuleTemplate('Host(`{{ normalize .Name }}.docker.localhost`)'),
  allowEmptyServices: false,
  useBindPortIP: false,
  v1: false,
  localEngine: true,
  checkRule,
}

for (let i = 0; i < 5; i++) buildConfig(containers, opts) // warm-up
// Wall time per run, and CPU time of the whole loop: on a busy machine the
// minimum and the CPU time say more than the median.
const times = []
let result
const cpu0 = process.cpuUsage()
for (let i = 0; i < runs; i++) {
  const t0 = performance.now()
  result = buildConfig(containers, opts)
  times.push(performance.now() - t0)
}
const cpu = process.cpuUsage(cpu0)
const cpuMs = (cpu.user + cpu.system) / 1000 / runs
times.sort((a, b) => a - b)
const pct = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))].toFixed(2)
const { routers, services } = result.config.http
const servers = Object.values(services).reduce((s, v) => s + v.loadBalancer.servers.length, 0)
console.log(`config build, ${n} containers -> ${Object.keys(routers).length} routers, ${Object.keys(services).length} services, ${servers} servers, ${result.warnings.length} warnings`)
console.log(`  ${runs} runs: min ${times[0].toFixed(2)} ms, p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${times[times.length - 1].toFixed(2)} ms; CPU ${cpuMs.toFixed(2)} ms/run (target < 50 ms)`)
