// autocannon through pier to one backend on loopback, against the same
// backend direct: requests/s and p50/p99 latency. A sanity check of the
// proxy path; the full side-by-side suite is `make bench`.
// Usage: node bench/proxy-quick/run.mjs [--workers=1] [--connections=50] [--duration=8]
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir, cpus } from 'node:os'
import { join } from 'node:path'
import { get } from 'node:http'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import uWS from 'uWebSockets.js'
import { freePort } from '../lib/procs.mjs'

const arg = (name, def) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def)
const workers = arg('workers', 1)
const connections = arg('connections', 50)
const duration = arg('duration', 8)


// The backend: uWS, a small fixed body.
const backendPort = await freePort()
const body = 'hello from the backend\n'
let backendSocket
await new Promise((resolve) =>
  uWS
    .App()
    .any('/*', (res) => res.end(body))
    .listen('127.0.0.1', backendPort, (ls) => resolve((backendSocket = ls))),
)

const dir = mkdtempSync(join(tmpdir(), 'pier-quick-'))
const routes = join(dir, 'routes.yml')
writeFileSync(routes, JSON.stringify({ http: { routers: { b: { rule: 'Host(`bench.local`)', service: 'b' } }, services: { b: { loadBalancer: { servers: [{ url: `http://127.0.0.1:${backendPort}` }] } } } } }))
const pierPort = await freePort()
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))
const pier = spawn(process.execPath, [cli, `--entrypoints.web.address=127.0.0.1:${pierPort}`, `--providers.file.filename=${routes}`, '--providers.file.watch=false', `--workers=${workers}`, '--log.level=ERROR'], { stdio: ['ignore', 'inherit', 'pipe'] })
let err = ''
pier.stderr.on('data', (d) => (err += d))
for (let i = 0; i < 100; i++) {
  // node:http, not fetch: fetch does not let a caller set Host.
  const ok = await new Promise((resolve) =>
    get({ host: '127.0.0.1', port: pierPort, headers: { host: 'bench.local' } }, (r) => resolve(r.resume() && r.statusCode === 200)).on('error', () => resolve(false)),
  )
  if (ok) break
  if (i === 99) {
    pier.kill('SIGKILL')
    throw new Error(`pier did not start:\n${err}`)
  }
  await new Promise((r) => setTimeout(r, 100))
}

async function run(name, port) {
  await autocannon({ url: `http://127.0.0.1:${port}/`, headers: { host: 'bench.local' }, connections, duration: 1 }) // warm-up
  const r = await autocannon({ url: `http://127.0.0.1:${port}/`, headers: { host: 'bench.local' }, connections, duration, workers: 1 })
  const line = `${name.padEnd(8)} ${String(Math.round(r.requests.average)).padStart(8)} req/s   p50 ${r.latency.p50} ms   p99 ${r.latency.p99} ms   errors ${r.errors + r.non2xx}`
  console.log(line)
  return r
}

console.log(`bench/proxy-quick: ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, pier --workers=${workers}, autocannon -c ${connections} -d ${duration} (load generator, backend and proxy share the cores)`)
await run('direct', backendPort)
await run('pier', pierPort)
pier.kill('SIGTERM')
await once(pier, 'exit')
uWS.us_listen_socket_close(backendSocket)
