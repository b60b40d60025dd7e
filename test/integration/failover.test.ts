// Failover on the built pier: one of two backends is killed with SIGKILL in
// the middle of a bounded load of GETs and POSTs over 20 keep-alive
// connections. No GET may fail; no POST may reach a backend twice; a POST
// that never reached a backend must succeed on the other one. Backends are
// separate processes that log each request's id as soon as its head arrives.
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'

const BACKEND = fileURLToPath(new URL('../fixtures/backends/recording.mjs', import.meta.url))
const TOTAL = 5000
const CONNECTIONS = 20
const KILL_AFTER = 1500

async function backend(name: string, log: string): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, [BACKEND, name, log], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const m = /ready (\d+)/.exec(d)
      if (m) resolve(Number(m[1]))
    })
    proc.once('exit', (code) => reject(new Error(`backend ${name} exited (${code})`)))
  })
  return { proc, port }
}

function send(agent: Agent, port: number, method: string, id: string): Promise<number> {
  return new Promise((resolve) => {
    const body = method === 'POST' ? `order ${id}` : undefined
    const req = request({ host: '127.0.0.1', port, method, path: `/r/${id}`, agent, timeout: 10_000, headers: { host: 'shop.test', 'x-request-id': id } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode!))
      res.on('error', () => resolve(-1))
    })
    req.on('timeout', () => req.destroy(new Error('client timeout')))
    req.on('error', () => resolve(-1))
    req.end(body)
  })
}

t.test('kill -9 one of two backends under load: zero failed GETs, no POST twice, unreached POSTs succeed', async (t) => {
  const dir = t.testdir({})
  const logs = { a: join(dir, 'a.log'), b: join(dir, 'b.log') }
  writeFileSync(logs.a, '')
  writeFileSync(logs.b, '')
  const a = await backend('a', logs.a)
  const b = await backend('b', logs.b)
  t.teardown(() => {
    a.proc.kill('SIGKILL')
    b.proc.kill('SIGKILL')
  })
  const routes = join(dir, 'routes.yml')
  writeFileSync(routes, `
http:
  routers:
    shop: { rule: "Host(\`shop.test\`)", service: shop }
  services:
    shop: { loadBalancer: { servers: [{ url: "http://127.0.0.1:${a.port}" }, { url: "http://127.0.0.1:${b.port}" }] } }
`)
  const web = await freePort()
  const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${web}`, `--providers.file.filename=${routes}`, '--workers=2'])
  t.teardown(() => pier.stop())

  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS })
  t.teardown(() => agent.destroy())
  const results: { method: string; id: string; status: number }[] = []
  let next = 0
  let killedAt = -1
  const loop = async (): Promise<void> => {
    while (next < TOTAL) {
      const i = next++
      const method = i % 5 === 4 ? 'POST' : 'GET'
      const id = `${method[0]}${i}`
      results.push({ method, id, status: await send(agent, web, method, id) })
      if (results.length === KILL_AFTER && killedAt < 0) {
        killedAt = results.length
        a.proc.kill('SIGKILL')
      }
    }
  }
  await Promise.all(Array.from({ length: CONNECTIONS }, loop))

  const reached = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[1]!)
  const seenA = reached(logs.a)
  const seenB = reached(logs.b)
  const count = new Map<string, number>()
  for (const id of [...seenA, ...seenB]) count.set(id, (count.get(id) ?? 0) + 1)
  const failed = results.filter((r) => r.status !== 200)
  const failedGets = failed.filter((r) => r.method === 'GET')
  const failedPosts = failed.filter((r) => r.method === 'POST')
  const inA = new Set(seenA)
  const unreachedFailed = failedPosts.filter((r) => !inA.has(r.id) && !count.has(r.id))
  const postsTwice = [...count].filter(([id, n]) => id.startsWith('P') && n > 1)
  t.comment(`requests ${results.length} (GET ${results.filter((r) => r.method === 'GET').length}, POST ${results.filter((r) => r.method === 'POST').length}); killed a after ${killedAt}`)
  t.comment(`a saw ${seenA.length}, b saw ${seenB.length}; failed GETs ${failedGets.length}; failed POSTs ${failedPosts.length} (of which reached a before the kill: ${failedPosts.length - unreachedFailed.length}); POSTs reaching a backend twice ${postsTwice.length}`)
  t.equal(results.length, TOTAL)
  t.ok(seenA.length > 0 && seenB.length > 0, 'both served before the kill')
  t.same(failedGets, [], 'no GET failed')
  t.same(postsTwice, [], 'no POST reached a backend twice')
  t.same(unreachedFailed, [], 'every POST that reached no backend succeeded on the other')
  t.ok(failedPosts.every((r) => r.status === 502 || r.status === -1), 'a POST lost with the backend that read it is a 502')
})
