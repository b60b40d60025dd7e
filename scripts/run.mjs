// `make run`, the quick start: pier (dist/cli.js) with the example static
// configuration, plus one demo whoami backend (examples/whoami.mjs) on each
// loopback server that the example routes name. Once pier has the routes, it
// prints what to try. Ctrl-C (SIGINT) or SIGTERM stops pier, then the
// backends, and exits; a second Ctrl-C ends pier at once (SIGKILL).
//   usage: node scripts/run.mjs [pier flags...]    e.g. --log.level=DEBUG
//   PIER_RUN_CONFIG: another static file than examples/pier.yml
// Plain Node and pier's own dist/, so it runs wherever pier runs (armhf too).
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { parseStaticConfig } from '../dist/config/parse.js'
import { readSources } from '../dist/providers/file/read.js'
import { buildFileConfig } from '../dist/providers/file/build.js'
import { formatProblem } from '../dist/providers/file/problems.js'
import { pingUrl } from '../dist/commands/healthcheck.js'
import { close, listen, whoamiServer } from '../examples/whoami.mjs'

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const configFile = process.env.PIER_RUN_CONFIG || 'examples/pier.yml'
const readyMs = Number(process.env.PIER_RUN_READY_MS ?? 120_000)
const pierArgs = [`--configFile=${configFile}`, ...process.argv.slice(2)]
const say = (line) => process.stdout.write(`make run: ${line}\n`)
const fail = (line, code = 1) => {
  process.stderr.write(`make run: ${line}\n`)
  process.exit(code)
}

let config
try {
  config = parseStaticConfig(pierArgs, process.env)
} catch (err) {
  fail(err.message, 2)
}
if (!config.providers.file) fail(`${configFile} names no file provider: the demo backends are started for its routes`, 2)
const read = await readSources(config.providers.file)
if ('error' in read) fail(formatProblem(read.error), 2)
const built = buildFileConfig(read.sources)
if (!built.config) fail(built.errors.map(formatProblem).join('\n'), 2)
const routesFile = config.providers.file.filename ?? config.providers.file.directory

// One backend per loopback server, named after its service: whoami-1, whoami-2.
const backends = []
for (const [service, s] of Object.entries(built.config.http.services)) {
  s.loadBalancer.servers.forEach((srv, i) => {
    const u = new URL(srv.url)
    const host = u.hostname.replace(/^\[|\]$/g, '')
    if (!/^(127\.|localhost$|::1$)/.test(host)) return
    backends.push({ name: `${service}-${i + 1}`, host, port: Number(u.port || 80), server: whoamiServer(`${service}-${i + 1}`) })
  })
}
for (const b of backends) {
  await listen(b.server, b.host, b.port).catch((err) => {
    stopBackends()
    fail(`cannot start demo backend ${b.name} on ${b.host}:${b.port} (${err.code ?? err.message}): stop what uses that port, or change its server in ${routesFile}`)
  })
}

// Two malloc arenas, as the Docker image runs it (Dockerfile: why).
const pier = spawn(process.execPath, [CLI, ...pierArgs], { stdio: ['ignore', 'inherit', 'pipe'], env: { MALLOC_ARENA_MAX: '2', ...process.env } })
let logs = ''
pier.stderr.setEncoding('utf8').on('data', (d) => {
  process.stderr.write(d)
  if (logs.length < 1 << 16) logs += d
})
let stopping = false
pier.on('exit', (code, signal) => {
  stopBackends()
  if (stopping) {
    say(`stopped pier${signal ? ` (${signal})` : ''} and ${backends.length} demo backends`)
    process.exit(0)
  }
  fail(`pier exited (${signal ?? `code ${code}`}) ${/pier ready/.test(logs) ? '' : 'before it was ready: see its log above (another pier, or make run, on the same ports?)'}`)
})
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (stopping) {
      pier.kill('SIGKILL')
      return
    }
    stopping = true
    say("stopping pier, then the backends; pier waits for open connections to close (a browser's: up to 14 s), Ctrl-C again ends it now")
    // A terminal's Ctrl-C reaches pier too; a SIGTERM sent to this script only reaches it here.
    pier.kill('SIGTERM')
  })
}

function stopBackends() {
  for (const b of backends) if (b.server.listening) close(b.server)
}

const api = config.api?.insecure ? config.entryPoints.traefik : undefined
const apiBase = api && `http://${loopback(api.host)}:${api.port}`
const [routerName, router] = Object.entries(built.config.http.routers)[0] ?? []
const host = /Host\(`([^`]+)`/.exec(router?.rule ?? '')?.[1]
const web = Object.entries(config.entryPoints).find(([n]) => n !== 'traefik')?.[1]
const webBase = web && `http://${loopback(web.host)}:${web.port}`

await until(() => /pier ready/.test(logs), 'pier ready')
// Routed once the API lists the router (without sending a request through
// pier, so the first curl gets the first backend); without the API, once a
// request through pier is routed.
if (apiBase && routerName) await until(async () => (await get(`${apiBase}/api/http/routers/${routerName}@file`)).status === 200, `router ${routerName}@file`)
else if (webBase && host) await until(async () => (await get(`${webBase}/`, host)).status !== 404, `a route for ${host}`)

// Stopped while starting: pier's exit ends this process.
if (stopping) await new Promise(() => {})
const tries = []
if (webBase && host) tries.push([`curl -H 'Host: ${host}' ${webBase}/`, `again and again: ${backends.map((b) => b.name).join(', ')} in turn`])
if (apiBase && config.api.dashboard) tries.push([`${apiBase}/dashboard/ in a browser`, 'the router, both servers, live latency'])
if (apiBase && config.metrics?.prometheus?.entryPoint === 'traefik') tries.push([`curl -s ${apiBase}/metrics | grep service_requests`, "Traefik's Prometheus metrics"])
else if ('url' in pingUrl(config)) tries.push([`node dist/cli.js healthcheck --configFile=${configFile}`, "asks pier's /ping: exit 0"])
const width = Math.max(...tries.map(([c]) => c.length))
const lines = [
  `pier is ready, with ${configFile}, the routes of ${routesFile} and ${backends.length} demo backends: ${backends.map((b) => `${b.name} (${b.host}:${b.port})`).join(', ')}.`,
  'Try:',
  ...tries.map(([c, what]) => `  ${c.padEnd(width)}   # ${what}`),
  `Edit ${routesFile}: pier applies it within half a second. Ctrl-C stops pier and the backends.`,
]
if (await dockerAnswers()) lines.push('A Docker engine answers here: `make demo` shows the Docker provider (Traefik\'s whoami compose scene, scaled to five).')
process.stdout.write(`\n${lines.join('\n')}\n\n`)

/** The address a client uses for a listener: loopback for "every address". */
function loopback(h) {
  if (h === '' || h === '0.0.0.0') return '127.0.0.1'
  if (h === '::') return '[::1]'
  return h.includes(':') ? `[${h}]` : h
}

/** Polls fn every 100 ms until it is true or a stop began; gives up (stopping everything) after PIER_RUN_READY_MS. */
async function until(fn, what) {
  for (const deadline = Date.now() + readyMs; !stopping; ) {
    if (await Promise.resolve(fn()).catch(() => false)) return
    if (Date.now() > deadline) {
      stopping = true
      pier.kill('SIGKILL')
      fail(`no ${what} within ${readyMs} ms`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

function get(url, hostHeader) {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: hostHeader ? { host: hostHeader } : {}, timeout: 5000, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}

/** Whether the Docker engine pier would use answers /_ping within a second (a unix socket only). */
function dockerAnswers() {
  const endpoint = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'
  if (!endpoint.startsWith('unix://')) return Promise.resolve(false)
  return new Promise((resolve) => {
    const req = request({ socketPath: endpoint.slice('unix://'.length), path: '/_ping', timeout: 1000 }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
    req.end()
  })
}
