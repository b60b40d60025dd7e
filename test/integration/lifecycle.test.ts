// Worker threads dying under load, and SIGTERM draining requests in flight.
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent } from 'node:http'
import { freePort } from '../helpers/net.js'
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

t.test('a worker thread killed under load: other connections see no failure, a new thread takes its place', async (t) => {
  const backend = await startBackend('ok')
  t.teardown(() => backend.close())
  const { pier, port } = await setup(t, backend)
  let ok = 0
  const errors: string[] = []
  let killed = false
  // Fresh connection per request: each is accepted by a live thread, so none may fail
  // once the dying thread's listener is gone; requests on the dying thread's own
  // connections at the moment it dies are the only ones allowed to fail.
  const clients = Array.from({ length: 8 }, async (_, k) => {
    for (let i = 0; i < 250; i++) {
      if (k === 0 && i === 50 && !killed) {
        killed = true
        pier.proc.kill('SIGUSR2')
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
  t.ok(errors.length <= 2, `at most the requests caught on the dying thread fail (got ${errors.length}: ${errors.slice(0, 3).join('; ')})`)
  t.equal(ok + errors.length, 2000)
  t.match(pier.logs(), /worker thread died/)
  // Afterwards both threads serve again: keep-alive connections spread over them.
  const agent = new Agent({ keepAlive: true, maxSockets: 4 })
  for (let i = 0; i < 40; i++) t.equal((await get(port, 'life.test', '/', { agent })).status, 200)
  agent.destroy()
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
  t.equal(await code, 0)
  await t.rejects(get(port, 'life.test'), 'no longer accepting')
  t.match(pier.logs(), /stopping/)
})
