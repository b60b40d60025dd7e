// Worker threads retiring under load, and SIGTERM draining requests in flight.
// A thread ends by closing its uWS Apps (App.close()), which closes the
// connections it still has: it need not wait for clients to leave.
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent } from 'node:http'
import { connect, type Socket } from 'node:net'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'
import { startBackend, get } from '../helpers/backends.js'

async function setup(t: { teardown(f: () => unknown): void }, backend: Awaited<ReturnType<typeof startBackend>>) {
  const dir = mkdtempSync(join(tmpdir(), 'pier-life-'))
  const file = join(dir, 'routes.yml')
  writeFileSync(file, JSON.stringify({ http: { routers: { r: { rule: 'Host(`life.test`)', service: 's' } }, services: { s: { loadBalancer: { servers: [{ url: backend.url }] } } } } }))
  const port = await freePort()
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${file}`, '--workers=2', '--lifecycle.graceTimeOut=5s'])
  t.teardown(() => pier.stop('SIGKILL'))
  return { pier, port }
}

t.test('a worker thread retired under load (SIGUSR2, the path an uncaught error takes): no request fails, a new thread takes its place, the old one ends within seconds', async (t) => {
  const backend = await startBackend('ok')
  t.teardown(() => backend.close())
  const { pier, port } = await setup(t, backend)
  let ok = 0
  const errors: string[] = []
  let killed = false
  let retiredAt = 0
  // A fresh connection per request, so connections keep landing on every thread.
  const clients = Array.from({ length: 8 }, async (_, k) => {
    for (let i = 0; i < 250; i++) {
      if (k === 0 && i === 50 && !killed) {
        killed = true
        pier.proc.kill('SIGUSR2')
        retiredAt = Date.now()
      }
      try {
        const r = await get(port, 'life.test')
        if (r.status === 200) ok++
        else errors.push(`status ${r.status}`)
      } catch (err) {
        errors.push((err as Error).message)
      }
    }
  })
  await Promise.all(clients)
  await pier.waitForLog(/worker thread replaced/, 5000)
  t.same(errors, [])
  t.equal(ok, 2000)
  t.match(pier.logs(), /worker thread retiring/)
  // The retired thread ends once its requests are done and it has been quiet
  // for a second (its last clients were served under load until then).
  await pier.waitForLog(/worker thread retired/, 5000)
  t.ok(Date.now() - retiredAt < 8000, `retired thread ended ${Date.now() - retiredAt} ms after SIGUSR2 (the load lasted until then)`)
  // The threads serve on.
  const agent = new Agent({ keepAlive: true, maxSockets: 4 })
  let served = 0
  for (let i = 0; i < 40; i++) if ((await get(port, 'life.test', '/', { agent })).status === 200) served++
  agent.destroy()
  t.equal(served, 40)
})

t.test('SIGTERM: stop accepting, finish requests in flight, exit 0', async (t) => {
  const slow = await startBackend('slow', (req, res) => {
    req.resume()
    setTimeout(() => res.end('finished'), 800)
  })
  t.teardown(() => slow.close())
  const { pier, port } = await setup(t, slow)
  const inflight = get(port, 'life.test')
  await new Promise((r) => setTimeout(r, 200))
  const code = pier.stop('SIGTERM')
  const reply = await inflight
  t.equal(reply.status, 200)
  t.equal(reply.body, 'finished')
  await t.rejects(get(port, 'life.test'), 'no longer accepting')
  t.equal(await code, 0)
  t.match(pier.logs(), /stopping/)
})

t.test('SIGTERM with an idle keep-alive client: pier closes the connection and exits 0', async (t) => {
  const backend = await startBackend('ok')
  t.teardown(() => backend.close())
  const { pier, port } = await setup(t, backend)
  const idle = await new Promise<Socket>((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: life.test\r\n\r\n'))
    s.once('data', () => resolve(s))
  })
  const closed = new Promise<void>((resolve) => idle.on('close', () => resolve()))
  const sent = Date.now()
  t.equal(await pier.stop('SIGTERM'), 0)
  await closed
  t.ok(Date.now() - sent < 8000, `closed and exited ${Date.now() - sent} ms after SIGTERM, not after uWS's 10-14 s idle timeout`)
  t.match(pier.logs(), /stopped/)
})

t.test('SIGTERM with a request outliving the grace period: it is cut, pier says so and exits 1', async (t) => {
  const stuck = await startBackend('stuck', (req) => req.resume())
  t.teardown(() => stuck.close())
  const dir = mkdtempSync(join(tmpdir(), 'pier-life-'))
  const file = join(dir, 'routes.yml')
  writeFileSync(file, JSON.stringify({ http: { routers: { r: { rule: 'Host(`life.test`)', service: 's' } }, services: { s: { loadBalancer: { servers: [{ url: stuck.url }] } } } } }))
  const port = await freePort()
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${file}`, '--workers=1', '--lifecycle.graceTimeOut=1s'])
  t.teardown(() => pier.stop('SIGKILL'))
  const inflight = get(port, 'life.test').catch((err: Error) => err)
  await waitFor(() => stuck.seen.length > 0, 3000, 'request at the backend')
  t.equal(await pier.stop('SIGTERM'), 1)
  t.match(await inflight, /socket hang up|ECONNRESET/, 'the client sees its connection closed')
  t.match(pier.logs(), /requests still in flight were cut.*requests=1/)
})
