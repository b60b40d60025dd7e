// rateLimit accuracy across worker threads: pier with 2 workers, a limit of
// 100 requests/s with burst 50, and 4 clients each on its own keep-alive
// connections (spread over both threads by the kernel) sending as fast as
// answers come for 10 s. A budget shared by both threads lets through the
// burst plus 100 per second: 1,050 in 10 s; one budget per thread would let
// through about twice that. Bounded: 10 s, at most 200,000 requests a client.
// Usage: node bench/middlewares/ratelimit-accuracy.mjs [seconds=10]
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { start, freePort } from '../lib/procs.mjs'

const seconds = Number(process.argv[2] ?? 10)
const AVERAGE = 100
const BURST = 50
const CLIENTS = 4
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

const [backendPort, port] = [await freePort(), await freePort()]
const dir = mkdtempSync(join(tmpdir(), 'pier-rl-'))
const routes = join(dir, 'routes.yml')
writeFileSync(routes, `http:
  routers:
    limited: { rule: "Host(\`rl.bench\`)", service: b, middlewares: [limit] }
  services:
    b: { loadBalancer: { servers: [{ url: "http://127.0.0.1:${backendPort}" }] } }
  middlewares:
    limit: { rateLimit: { average: ${AVERAGE}, burst: ${BURST} } }
`)
const backend = start('backend', process.execPath, [join(ROOT, 'bench/backend.mjs'), String(backendPort)])
await backend.waitForOutput(/backend ready/)
const pier = start('pier', process.execPath, [join(ROOT, 'dist/cli.js'), `--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, '--workers=2'])
await pier.waitForOutput(/pier ready/)

function get(agent) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host: 'rl.bench' }, agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    })
    req.on('error', () => resolve(0))
    req.end()
  })
}

const counts = { 200: 0, 429: 0, other: 0 }
const perSecond = new Array(seconds + 1).fill(0)
const t0 = performance.now()
const end = t0 + seconds * 1000
async function client() {
  // Two connections per client: eight in all, so both threads serve some of them.
  const agent = new Agent({ keepAlive: true, maxSockets: 2 })
  let n = 0
  while (performance.now() < end && n++ < 200_000) {
    const s = await get(agent)
    if (s === 200) {
      counts[200]++
      perSecond[Math.floor((performance.now() - t0) / 1000)]++
    } else if (s === 429) counts[429]++
    else counts.other++
  }
  agent.destroy()
}
await Promise.all(Array.from({ length: CLIENTS }, client))
const elapsed = (performance.now() - t0) / 1000
await pier.stop()
await backend.stop()

const expected = BURST + AVERAGE * elapsed
const deviation = ((counts[200] - expected) / expected) * 100
console.log(`bench/middlewares/ratelimit-accuracy: rateLimit average ${AVERAGE}/s burst ${BURST}, pier --workers=2, ${CLIENTS} clients (8 keep-alive connections), ${elapsed.toFixed(2)} s`)
console.log(`let through: ${counts[200]}  refused (429): ${counts[429]}  other: ${counts.other}`)
console.log(`expected: ${BURST} + ${AVERAGE} x ${elapsed.toFixed(2)} s = ${expected.toFixed(0)}  deviation: ${deviation >= 0 ? '+' : ''}${deviation.toFixed(2)}% (target: within 5%)`)
console.log(`per second: ${perSecond.slice(0, Math.ceil(elapsed)).join(' ')}`)
console.log(`load average ${(await import('node:os')).loadavg()[0].toFixed(1)} (shared machine)`)
process.exit(Math.abs(deviation) <= 5 ? 0 : 1)
