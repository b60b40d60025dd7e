// 200 labelled containers started at once: time from the first `docker start`
// call until every one answers 200 through pier, and how many route tables the
// primary published meanwhile (it logs each swap at DEBUG).
// Usage: npx tsc -p . && node bench/discovery/scale.mjs [containers=200]
import { IMAGE, closeAgent, docker, ensureEngine, freePort, removeLabelled, startPier, status } from './lib.mjs'

const n = Number(process.argv[2] ?? 200)
const tag = `pierscale${Date.now().toString(36)}`
const DEADLINE_MS = 120000

ensureEngine()
const port = await freePort()
const pier = await startPier([
  `--entrypoints.web.address=127.0.0.1:${port}`,
  '--providers.docker',
  `--providers.docker.constraints=Label(\`pier.bench\`,\`${tag}\`)`,
  '--providers.docker.defaultRule=Host(`{{ normalize .Name }}.bench`)',
  '--log.level=DEBUG',
])
const count = (re) => (pier.logs().match(re) ?? []).length
let result
try {
  const made = []
  for (let i = 0; i < n; i += 20) {
    const batch = Array.from({ length: Math.min(20, n - i) }, (_, j) => docker.createContainer({ name: `${tag}-${i + j}`, Image: IMAGE, Labels: { 'pier.bench': tag } }))
    made.push(...(await Promise.all(batch)))
  }
  const swaps0 = count(/route table published/g)
  const configs0 = count(/Configuration received from provider docker/g)
  const t0 = performance.now()
  const started = Promise.all(made.map((c) => c.start()))
  const pending = new Set(made.map((_, i) => `${tag}-${i}.bench`))
  let startedMs
  void started.then(() => (startedMs = performance.now() - t0))
  while (pending.size > 0) {
    if (performance.now() - t0 > DEADLINE_MS) throw new Error(`${pending.size} of ${n} not routable after ${DEADLINE_MS} ms`)
    const hosts = [...pending]
    const codes = await Promise.all(hosts.map((h) => status(port, h)))
    hosts.forEach((h, i) => codes[i] === 200 && pending.delete(h))
  }
  const allMs = performance.now() - t0
  await started
  result = { allMs, startedMs, swaps: count(/route table published/g) - swaps0, configs: count(/Configuration received from provider docker/g) - configs0 }
} finally {
  await pier.stop()
  closeAgent()
  await removeLabelled(`pier.bench=${tag}`)
}
console.log(`${n} containers started at once:`)
console.log(`  every start call returned after ${result.startedMs.toFixed(0)} ms; all routable (200 through pier) after ${result.allMs.toFixed(0)} ms`)
console.log(`  ${result.configs} configurations emitted by the docker provider, ${result.swaps} route tables published`)
