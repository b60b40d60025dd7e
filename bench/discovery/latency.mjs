// Discovery latency: from `docker start` returning (the engine API call) to the
// first 200 proxied by pier for that container, over N sequential starts.
// Usage: npx tsc -p . && node bench/discovery/latency.mjs [starts=50]
import { IMAGE, closeAgent, docker, percentile, removeLabelled, startDiscoveryPier, status } from './lib.mjs'

const starts = Number(process.argv[2] ?? 50)
const tag = `pierlat${Date.now().toString(36)}`
const DEADLINE_MS = 10000

const { pier, port } = await startDiscoveryPier(tag, ['--log.level=INFO'])
const latencies = []
// Statuses seen before the first 200: 404 = not in the table yet, 502 = routed before the container listened.
const seen = {}
try {
  const made = []
  for (let i = 0; i < starts; i++) made.push(await docker.createContainer({ name: `${tag}-${i}`, Image: IMAGE, Labels: { 'pier.bench': tag } }))
  for (let i = 0; i < starts; i++) {
    const host = `${tag}-${i}.bench`
    await made[i].start()
    const t0 = performance.now()
    let code = 0
    while ((code = await status(port, host)) !== 200) {
      seen[code] = (seen[code] ?? 0) + 1
      if (performance.now() - t0 > DEADLINE_MS) throw new Error(`${host}: no 200 within ${DEADLINE_MS} ms (last status ${code})`)
    }
    latencies.push(performance.now() - t0)
  }
} finally {
  await pier.stop()
  closeAgent()
  await removeLabelled(`pier.bench=${tag}`)
}
latencies.sort((a, b) => a - b)
const f = (v) => v.toFixed(1)
console.log(`discovery latency, docker start returned -> first proxied 200, ${latencies.length} starts:`)
console.log(`  min ${f(latencies[0])} ms, p50 ${f(percentile(latencies, 50))} ms, p90 ${f(percentile(latencies, 90))} ms, p99 ${f(percentile(latencies, 99))} ms, max ${f(latencies[latencies.length - 1])} ms (target p99 < 250 ms)`)
console.log(`  statuses seen before the first 200: ${Object.entries(seen).map(([c, k]) => `${k}x ${c}`).join(', ') || 'none'}`)
