// Faults under load on the built pier, where the fault leaves a healthy
// server: zero failed requests. A backend that resets every connection it
// is sent (its requests go to the other); a thousand route table swaps while
// 20 keep-alive clients keep asking.
import t from 'tap'
import { createServer as createTcpServer, type Socket } from 'node:net'
import { writeFileSync, renameSync } from 'node:fs'
import { Agent } from 'node:http'
import { join } from 'node:path'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'
import { get, startBackend } from '../helpers/backends.js'

/** Bounded load: `total` requests over `connections` keep-alive connections; failures as text. */
async function load(port: number, host: string, total: number, connections: number, until?: () => boolean): Promise<{ ok: number; failures: string[] }> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  let next = 0
  let ok = 0
  const failures: string[] = []
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < total && !until?.()) {
        const i = next++
        try {
          const r = await get(port, host, `/${i}`, i % 3 === 2 ? { agent, method: 'POST', body: `body ${i}` } : { agent })
          if (r.status === 200) ok++
          else failures.push(`${i}: status ${r.status}`)
        } catch (err) {
          failures.push(`${i}: ${String(err)}`)
        }
      }
    }),
  )
  agent.destroy()
  return { ok, failures }
}

t.test('a backend resetting every request it reads: all requests answered by the other', async (t) => {
  const healthy = await startBackend('healthy')
  const sockets = new Set<Socket>()
  let resets = 0
  const resetter = createTcpServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.once('data', () => {
      resets++
      s.resetAndDestroy()
    })
  })
  await new Promise<void>((r) => resetter.listen(0, '127.0.0.1', r))
  t.teardown(async () => {
    for (const s of sockets) s.destroy()
    await new Promise((r) => resetter.close(r))
    await healthy.close()
  })
  const dir = t.testdir({})
  const routes = join(dir, 'routes.yml')
  // The resetting server stays in rotation (high maxFailedAttempts), so failover is exercised throughout.
  writeFileSync(routes, `
http:
  routers:
    app: { rule: "Host(\`app.test\`)", service: app }
  services:
    app:
      loadBalancer:
        passiveHealthCheck: { maxFailedAttempts: 100000 }
        servers: [{ url: "http://127.0.0.1:${(resetter.address() as { port: number }).port}" }, { url: "${healthy.url}" }]
`)
  const web = await freePort()
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${web}`, `--providers.file.filename=${routes}`, '--workers=2'])
  t.teardown(() => pier.stop())
  const { ok, failures } = await load(web, 'app.test', 2000, 10)
  t.same(failures, [])
  t.equal(ok, 2000)
  t.ok(resets > 100, `the resetting backend was tried throughout (${resets} resets)`)
  t.equal(healthy.seen.length, 2000, 'each request reached the healthy backend exactly once')
})

t.test('1,000 route table swaps under load: no failed request', async (t) => {
  const servers = await Promise.all(['a', 'b', 'c'].map((n) => startBackend(n)))
  t.teardown(() => Promise.all(servers.map((s) => s.close())))
  const [a, b, c] = servers.map((s) => s.url)
  const dir = t.testdir({})
  const routes = join(dir, 'routes.yml')
  const write = (i: number): void => {
    const pool = i % 2 ? [a, b] : [b, c]
    const tmp = `${routes}.tmp`
    writeFileSync(tmp, `
http:
  routers:
    app: { rule: "Host(\`app.test\`)", service: app }
    extra${i}: { rule: "Host(\`x${i}.test\`)", service: app }
  services:
    app: { loadBalancer: { servers: [${pool.map((u) => `{ url: "${u}" }`).join(', ')}] } }
`)
    renameSync(tmp, routes)
  }
  write(0)
  const web = await freePort()
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${web}`, `--providers.file.filename=${routes}`, '--providers.providersThrottleDuration=0', '--log.level=DEBUG', '--workers=2'])
  t.teardown(() => pier.stop())
  const published = (): number => pier.logs().match(/route table published/g)?.length ?? 0
  await waitFor(async () => (await get(web, 'app.test')).status === 200, 5000, 'routed')

  let swapping = true
  const swaps = (async () => {
    for (let i = 1; i <= 1000; i++) {
      const before = published()
      write(i)
      await waitFor(() => published() > before, 5000, `swap ${i}`, 2)
    }
    swapping = false
  })()
  const { ok, failures } = await load(web, 'app.test', 1_000_000, 20, () => !swapping)
  await swaps
  t.same(failures, [])
  t.ok(published() >= 1000, `${published()} tables published`)
  t.ok(ok > 1000, `${ok} requests answered during the swaps`)
})
