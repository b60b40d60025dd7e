// The provider alone against the real engine, reached through a read-only
// socket proxy of our own (the kind users put in front of the Docker socket):
// it needs only GET calls, inspects just the container an event names, keeps
// its configuration while the engine is away and resyncs when it is back.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { DynamicConfig } from '../../src/config/dynamic.js'
import type { Logger } from '../../src/log.js'
import { DockerProvider } from '../../src/providers/docker/provider.js'
import { ensureEngine, removeLabelled, runWhoami, unique } from '../fixtures/docker/engine.js'
import { waitFor } from '../helpers/net.js'

// A real engine on a shared machine: compose, health checks and starts take their time.
t.setTimeout(300_000)

const ENGINE = '/var/run/docker.sock'
// What pier needs: version, events, list, inspect, networks. Versioned or not.
const ALLOWED = /^(\/v[\d.]+)?\/(_ping|version|events|containers\/json|containers\/[0-9a-f]+\/json|networks(\/[^/]+)?)(\?|$)/

class ReadOnlyProxy {
  readonly calls: string[] = []
  readonly refused: string[] = []
  #server?: Server
  #sockets = new Set<Socket>()
  constructor(readonly path: string) {}

  start(): Promise<void> {
    this.#server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = req.url ?? ''
      if (req.method !== 'GET' && req.method !== 'HEAD') return this.#refuse(req, res)
      if (!ALLOWED.test(url)) return this.#refuse(req, res)
      this.calls.push(url)
      const up = request({ socketPath: ENGINE, path: url, method: req.method, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers)
        res.flushHeaders() // the event stream's headers must not wait for its first event
        ur.pipe(res)
      })
      up.on('error', () => res.destroy())
      res.on('close', () => up.destroy())
      up.end()
    })
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s)
      s.on('close', () => this.#sockets.delete(s))
    })
    return new Promise((resolve) => this.#server!.listen(this.path, resolve))
  }

  #refuse(req: IncomingMessage, res: ServerResponse): void {
    this.refused.push(`${req.method} ${req.url}`)
    res.writeHead(403).end()
  }

  /** Like dockerd going away: the socket disappears and open streams break. */
  stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy()
    return new Promise((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()))
  }
}

t.test('read-only, per-event inspect, engine loss and resync', async (t) => {
  await ensureEngine()
  const tag = unique('pierprov')
  const dir = mkdtempSync(join(tmpdir(), 'pier-sockproxy-'))
  const proxy = new ReadOnlyProxy(join(dir, 'docker.sock'))
  await proxy.start()
  const configs: DynamicConfig[] = []
  let logged = ''
  const provider = new DockerProvider({
    endpoint: `unix://${proxy.path}`,
    exposedByDefault: true,
    defaultRule: 'Host(`{{ normalize .Name }}.test`)',
    watch: true,
    constraints: `Label(\`pier.test\`,\`${tag}\`)`,
    allowEmptyServices: false,
    useBindPortIP: false,
    v1: false,
  })
  t.teardown(async () => {
    await provider.stop()
    await proxy.stop()
    rmSync(dir, { recursive: true, force: true })
    await removeLabelled(`pier.test=${tag}`)
  })
  // The provider's log lines, recorded.
  const record = (level: string) => (m: string) => void (logged += `${level} ${m}\n`)
  const recording: Logger = {
    debug: record('DEBUG'),
    info: record('INFO'),
    warn: record('WARN'),
    error: record('ERROR'),
    enabled: () => true,
    with: () => recording,
  }
  await provider.start((c) => configs.push(c), recording)
  const latest = () => configs[configs.length - 1]
  const routers = () => Object.keys(latest()?.http.routers ?? {}).sort()

  const names = [0, 1, 2].map((i) => `${tag}-${i}`)
  for (const n of names) await runWhoami(n, { 'pier.test': tag })
  await waitFor(() => routers().length === 3, 15000, 'three containers in the configuration')
  t.same(routers(), names, 'named after the containers')

  const before = proxy.calls.length
  const id = await runWhoami(`${tag}-3`, { 'pier.test': tag })
  await waitFor(() => routers().length === 4, 15000, 'the fourth container')
  const after = proxy.calls.slice(before)
  // Late events for the first three may still be in flight; what must not happen is a re-list or a re-inspect of everything.
  t.ok(after.some((u) => u.includes(`/containers/${id}/json`)), 'the started container is inspected')
  t.notOk(after.some((u) => /\/containers\/json/.test(u)), `no re-listing on an event (${after.join(' ')})`)
  t.ok(new Set(after).size < 4, 'not every container re-inspected')
  t.same(proxy.refused, [], 'no call outside the read-only allow-list')

  const emitted = configs.length
  await proxy.stop()
  await waitFor(() => /Docker engine unreachable/.test(logged), 10000, 'the loss to be logged')
  await new Promise((r) => setTimeout(r, 500))
  t.equal(configs.length, emitted, 'nothing emitted while the engine is away: the last configuration stays')
  await removeLabelled(`pier.test=${tag}`) // changes the provider cannot see while away
  await runWhoami(`${tag}-new`, { 'pier.test': tag })
  await proxy.start()
  await waitFor(() => routers().join() === `${tag}-new`, 15000, 'a full resync on return').catch((err: Error) => {
    throw new Error(`${err.message}; routers ${routers().join()}; provider log:\n${logged}`)
  })
  t.equal(logged.match(/Docker engine unreachable/g)?.length, 1, 'the loss is logged once')
  t.match(logged, /Docker engine is back; resynced/, 'the return is logged')
  t.ok(proxy.calls.slice(before).some((u) => /\/containers\/json/.test(u)), 'the resync lists containers again')
  t.same(proxy.refused, [], 'still read-only')
})
