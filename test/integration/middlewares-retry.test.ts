// The retry middleware end to end, on top of pier's own failover: a single
// server that comes up late is tried again after the backoff; listed
// statuses are dropped and the request tried again (idempotent methods,
// or any with retryNonIdempotentMethod, body included); attempts and
// timeout bound the tries.
import t from 'tap'
import { createServer, type Server } from 'node:http'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { get } from '../helpers/backends.js'

/** A backend answering 503 to the first `failures` requests of each path, then 200 with the body it read. */
async function flaky(failures: number): Promise<{ port: number; seen: string[]; bodies: string[]; server: Server }> {
  const seen: string[] = []
  const bodies: string[] = []
  const count = new Map<string, number>()
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d))
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`)
      bodies.push(body)
      const n = (count.get(req.url!) ?? 0) + 1
      count.set(req.url!, n)
      res.statusCode = n <= failures ? 503 : 200
      res.end(n <= failures ? 'not yet' : `ok after ${n}: ${body}`)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { port: (server.address() as { port: number }).port, seen, bodies, server }
}

t.test('retry: network errors on one server, statuses, attempts and timeout', async (t) => {
  const backend = await flaky(2)
  t.teardown(() => new Promise((r) => backend.server.close(r)))
  const late = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'pier-retry-'))
  const routes = join(dir, 'routes.yml')
  const svc = (port: number) => ({ loadBalancer: { servers: [{ url: `http://127.0.0.1:${port}` }] } })
  writeFileSync(routes, JSON.stringify({
    http: {
      routers: {
        late: { rule: 'Host(`late.test`)', service: 'late', middlewares: ['patient'] },
        bare: { rule: 'Host(`bare.test`)', service: 'late' },
        status: { rule: 'Host(`status.test`)', service: 'flaky', middlewares: ['on503'] },
        post: { rule: 'Host(`post.test`)', service: 'flaky', middlewares: ['on503post'] },
        few: { rule: 'Host(`few.test`)', service: 'flaky', middlewares: ['twice'] },
        hurry: { rule: 'Host(`hurry.test`)', service: 'flaky', middlewares: ['hurry'] },
      },
      middlewares: {
        patient: { retry: { attempts: 10, initialInterval: '100ms' } },
        on503: { retry: { attempts: 3, status: ['500-599'] } },
        on503post: { retry: { attempts: 3, status: ['503'], retryNonIdempotentMethod: true } },
        twice: { retry: { attempts: 2, status: ['503'] } },
        hurry: { retry: { attempts: 10, initialInterval: '200ms', timeout: '300ms', status: ['503'] } },
      },
      services: { late: svc(late), flaky: svc(backend.port) },
    },
  }))
  const web = await freePort()
  const pier: PierProcess = await startPier([`--entrypoints.web.address=127.0.0.1:${web}`, `--providers.file.filename=${routes}`, '--workers=2'])
  t.teardown(() => pier.stop())

  t.equal((await get(web, 'bare.test')).status, 502, 'without retry, a single server that refuses: 502')
  // The server comes up 400 ms after the request: backoff tries reach it.
  const up = createServer((_req, res) => res.end('late but here'))
  t.teardown(() => new Promise((r) => up.close(r)))
  setTimeout(() => up.listen(late, '127.0.0.1'), 400)
  const reply = await get(web, 'late.test')
  t.same([reply.status, reply.body], [200, 'late but here'], 'with retry, tried again until it answered')

  const s = await get(web, 'status.test', '/a')
  t.same([s.status, s.body], [200, 'ok after 3: '], 'two 503s dropped, the third try answered')
  t.same(backend.seen.filter((l) => l === 'GET /a').length, 3)

  const p = await get(web, 'post.test', '/b', { method: 'POST', body: 'the order' })
  t.same([p.status, p.body], [200, 'ok after 3: the order'], 'a POST tried again with retryNonIdempotentMethod, its body each time')
  t.same(backend.bodies.slice(-3), ['the order', 'the order', 'the order'])

  const noPost = await get(web, 'status.test', '/c', { method: 'POST', body: 'x' })
  t.equal(noPost.status, 503, 'without retryNonIdempotentMethod a POST is not tried again on status')
  t.equal(backend.seen.filter((l) => l === 'POST /c').length, 1)

  const few = await get(web, 'few.test', '/d')
  t.equal(few.status, 503, 'attempts 2: the second 503 reaches the client')
  t.equal(backend.seen.filter((l) => l === 'GET /d').length, 2)

  const flakier = await flaky(100)
  t.teardown(() => new Promise((r) => flakier.server.close(r)))
  writeFileSync(routes, JSON.stringify({
    http: {
      routers: { hurry: { rule: 'Host(`hurry.test`)', service: 'flaky', middlewares: ['hurry'] } },
      middlewares: { hurry: { retry: { attempts: 10, initialInterval: '200ms', timeout: '300ms', status: ['503'] } } },
      services: { flaky: svc(flakier.port) },
    },
  }))
  await waitFor(async () => (await get(web, 'hurry.test', '/warm')).status === 503, 5000, 'the new file applied')
  const since = Date.now()
  const h = await get(web, 'hurry.test', '/e')
  t.equal(h.status, 503)
  const tries = flakier.seen.filter((l) => l === 'GET /e').length
  t.ok(tries >= 2 && tries <= 4, `timeout bounds the tries (${tries} in ${Date.now() - since} ms)`)
})
