// N labelled containers started at once: time from the first `docker start`
// call until every one answers 200 through pier, each container's delay from
// its own start returning to its first 200, and how many configurations the
// provider emitted and route tables the primary published (logged at DEBUG).
// The engine serialises much of a start, so the start calls themselves are
// timed too: the gap between them and "all routable" is pier's share.
// Usage: npx tsc -p . && node bench/discovery/scale.mjs [containers=200]
import { IMAGE, closeAgent, docker, percentile, removeLabelled, startDiscoveryPier, status } from './lib.mjs'

const n = Number(process.argv[2] ?? 200)
const tag = `pierscale${Date.now().toString(36)}`
const DEADLINE_MS = Number(process.env.DEADLINE_MS ?? 600000)
const POLL_MS = 20

const { pier, port } = await startDiscoveryPier(tag, ['--log.level=DEBUG', '--lifecycle.graceTimeOut=1s'])
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
  const startedAt = new Array(n)
  const routableAt = new Array(n)
  const started = Promise.all(made.map((c, i) => c.start().then(() => (startedAt[i] = performance.now()))))
  const pending = new Set(made.map((_, i) => i))
  while (pending.size > 0) {
    if (performance.now() - t0 > DEADLINE_MS) throw new Error(`${pending.size} of ${n} not routable after ${DEADLINE_MS} ms; pier log tail:\n${pier.logs().split('\n').slice(-10).join('\n')}`)
    const ids = [...pending].filter((i) => startedAt[i] !== undefined)
    const codes = await Promise.all(ids.map((i) => status(port, `${tag}-${i}.bench`)))
    const now = performance.now()
    ids.forEach((i, k) => {
      if (codes[k] === 200) {
        routableAt[i] = now
        pending.delete(i)
      }
    })
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
  await started
  const delays = routableAt.map((r, i) => r - startedAt[i]).sort((a, b) => a - b)
  result = {
    startsMs: Math.max(...startedAt) - t0,
    allMs: Math.max(...routableAt) - t0,
    p50: percentile(delays, 50),
    p99: percentile(delays, 99),
    swaps: count(/route table published/g) - swaps0,
    configs: count(/Configuration received from provider docker/g) - configs0,
  }
} finally {
  await pier.stop()
  closeAgent()
  await removeLabelled(`pier.bench=${tag}`)
}
console.log(`${n} containers started at once:`)
console.log(`  last start call returned after ${result.startsMs.toFixed(0)} ms; all routable (200 through pier) after ${result.allMs.toFixed(0)} ms`)
console.log(`  per container, start returned -> first 200 (polled every ${POLL_MS} ms): p50 ${result.p50.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms`)
console.log(`  ${result.configs} configurations emitted by the docker provider, ${result.swaps} route tables published`)
