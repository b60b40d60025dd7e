// The armhf smoke check, run by the emulated Node inside the armhf root (see
// armhf-smoke.sh): starts a loopback backend, starts pier (dist/cli.js) with a
// file-provider route to it, proxies one request through pier's uWS
// entrypoint, and prints `pier armhf smoke: ok arch=... node=...` from this
// process. Any failure exits non-zero with pier's output.
import { spawn } from 'node:child_process'
import { createServer, get } from 'node:http'
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ABI = process.versions.modules
const uwsBinary = `uws_linux_${process.arch}_${ABI}.node`
const startupMs = Number(process.env.PIER_SMOKE_TIMEOUT_MS ?? 180_000)

function fail(msg, logs = '') {
  console.error(`pier armhf smoke: FAILED: ${msg}`)
  if (logs) console.error(`--- pier output ---\n${logs}`)
  process.exit(1)
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))
}

function request(port, host) {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/smoke', headers: { host }, timeout: 10_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode, body }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
  })
}

if (!existsSync(`node_modules/uWebSockets.js/binaries/${uwsBinary}`)) fail(`no ${uwsBinary} in node_modules/uWebSockets.js`)

const token = `smoke-${process.pid}-${Date.now()}`
const backend = createServer((req, res) => res.end(`${token} ${req.headers.host}`))
const backendPort = await listen(backend)
const probe = createServer()
const pierPort = await listen(probe)
await new Promise((r) => probe.close(r))

const dir = mkdtempSync(join(tmpdir(), 'pier-smoke-'))
const routes = join(dir, 'routes.yml')
writeFileSync(routes, `http:
  routers:
    smoke:
      rule: Host(\`smoke.localhost\`)
      service: smoke
  services:
    smoke:
      loadBalancer:
        servers:
          - url: http://127.0.0.1:${backendPort}
`)

const started = Date.now()
const pier = spawn(process.execPath, ['dist/cli.js', `--entryPoints.web.address=127.0.0.1:${pierPort}`, `--providers.file.filename=${routes}`, '--workers=1', '--log.level=INFO'], { stdio: ['ignore', 'pipe', 'pipe'] })
let logs = ''
pier.stdout.setEncoding('utf8').on('data', (d) => (logs += d))
pier.stderr.setEncoding('utf8').on('data', (d) => (logs += d))
const cleanup = () => { pier.kill('SIGTERM'); backend.close(); rmSync(dir, { recursive: true, force: true }) }
pier.on('exit', (code, signal) => { if (!done) { cleanup(); fail(`pier exited early (code ${code}, signal ${signal})`, logs) } })
let done = false

try {
  while (!/pier ready/.test(logs)) {
    if (Date.now() - started > startupMs) throw new Error(`pier did not log "pier ready" within ${startupMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
  const readyMs = Date.now() - started
  // The route arrives from the file provider; poll with a deadline.
  let res
  for (const deadline = Date.now() + 30_000; ; ) {
    res = await request(pierPort, 'smoke.localhost').catch((err) => ({ status: 0, body: String(err) }))
    if (res.status === 200 || Date.now() > deadline) break
    await new Promise((r) => setTimeout(r, 200))
  }
  if (res.status !== 200 || res.body !== `${token} smoke.localhost`) throw new Error(`expected 200 "${token} smoke.localhost" through pier, got ${res.status} ${JSON.stringify(res.body)}`)
  // uWebSockets.js falls back to a slow JS imitation when its binary does not load.
  if (/Falling back to a NodeJS implementation|not compatible with your Node\.js build/.test(logs)) throw new Error(`pier ran on the uWS JS fallback, not ${uwsBinary}`)
  done = true
  console.log(`pier armhf smoke: ok arch=${process.arch} node=${process.version} uws=${uwsBinary} ready_ms=${readyMs}`)
  cleanup()
} catch (err) {
  done = true
  cleanup()
  fail(err.message, logs)
}
