// The armhf smoke check, run by the emulated Node inside the armhf root (see
// armhf-smoke.sh): the quick start as `make run` gives it (scripts/run.mjs
// with the example files, their ports swapped for free ones) must hold there
// too: pier through the uWS arm binary, the two demo backends answering in
// turn, the dashboard and /ping served, `pier healthcheck` exiting 0, and a
// Ctrl-C (SIGINT to the process group) leaving no process. Prints
// `pier armhf smoke: ok arch=... node=...` from this process; any failure
// exits non-zero with the quick start's output.
import { execFile, spawn } from 'node:child_process'
import { get } from 'node:http'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ABI = process.versions.modules
const uwsBinary = `uws_linux_${process.arch}_${ABI}.node`
const startupMs = Number(process.env.PIER_SMOKE_TIMEOUT_MS ?? 180_000)

function fail(msg, logs = '') {
  console.error(`pier armhf smoke: FAILED: ${msg}`)
  if (logs) console.error(`--- make run output ---\n${logs}`)
  process.exit(1)
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

function request(url, host) {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: host ? { host } : {}, timeout: 30_000, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode, body }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
  })
}

/** Processes of a process group, from /proc/<pid>/stat. */
function groupMembers(pgid) {
  return readdirSync('/proc').filter((n) => {
    if (!/^\d+$/.test(n)) return false
    try {
      const stat = readFileSync(`/proc/${n}/stat`, 'utf8')
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid
    } catch {
      return false // ended while we looked
    }
  })
}

if (!existsSync(`node_modules/uWebSockets.js/binaries/${uwsBinary}`)) fail(`no ${uwsBinary} in node_modules/uWebSockets.js`)

// The example files, as make run reads them, on free ports.
const ports = { web: await freePort(), api: await freePort(), one: await freePort(), two: await freePort() }
const dir = mkdtempSync(join(tmpdir(), 'pier-smoke-'))
const swap = (file, pairs) => pairs.reduce((text, [from, to]) => {
  if (!text.includes(from)) fail(`${file} no longer contains ${from}: update scripts/armhf-smoke.mjs`)
  return text.replaceAll(from, to)
}, readFileSync(file, 'utf8'))
const routes = join(dir, 'routes.yml')
writeFileSync(routes, swap('examples/routes.yml', [['127.0.0.1:9001"', `127.0.0.1:${ports.one}"`], ['127.0.0.1:9002"', `127.0.0.1:${ports.two}"`]]))
const config = join(dir, 'pier.yml')
writeFileSync(config, swap('examples/pier.yml', [['":8000"', `"127.0.0.1:${ports.web}"`], ['"127.0.0.1:8080"', `"127.0.0.1:${ports.api}"`], ['filename: examples/routes.yml', `filename: ${routes}`]]))

const started = Date.now()
const run = spawn(process.execPath, ['scripts/run.mjs'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIER_RUN_CONFIG: config, PIER_RUN_READY_MS: String(startupMs) } })
let logs = ''
run.stdout.setEncoding('utf8').on('data', (d) => (logs += d))
run.stderr.setEncoding('utf8').on('data', (d) => (logs += d))
let stopping = false
const exited = new Promise((resolve) => run.on('exit', (code, signal) => resolve({ code, signal })))
run.on('exit', (code, signal) => {
  if (!stopping) fail(`make run exited early (code ${code}, signal ${signal})`, logs)
})
const cleanup = () => {
  for (const pid of groupMembers(run.pid)) process.kill(Number(pid), 'SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}

try {
  while (!/\nTry:\n[\s\S]*Ctrl-C stops/.test(logs)) {
    if (Date.now() - started > startupMs) throw new Error(`make run printed no commands to try within ${startupMs} ms`)
    await new Promise((r) => setTimeout(r, 200))
  }
  const readyMs = Date.now() - started
  // The printed curl line, asked with Node (the image has no curl).
  const curl = /curl -H 'Host: ([^']+)' (\S+)/.exec(logs)
  if (!curl) throw new Error('no curl line among the commands to try')
  const names = []
  for (let i = 0; i < 4; i++) {
    const r = await request(curl[2], curl[1])
    names.push(r.status === 200 ? /^Name: (.*)$/m.exec(r.body)?.[1] : `status ${r.status}`)
  }
  if (names.join() !== 'whoami-1,whoami-2,whoami-1,whoami-2') throw new Error(`curl should alternate whoami-1, whoami-2, got ${names.join(', ')}`)
  const page = await request(`http://127.0.0.1:${ports.api}/dashboard/`)
  if (page.status !== 200 || !/<html/i.test(page.body)) throw new Error(`the dashboard answered ${page.status}`)
  const service = JSON.parse((await request(`http://127.0.0.1:${ports.api}/api/http/services/whoami@file`)).body)
  if (Object.values(service.serverStatus ?? {}).join() !== 'UP,UP') throw new Error(`both servers UP in the API, got ${JSON.stringify(service.serverStatus)}`)
  const health = await new Promise((resolve) => execFile(process.execPath, ['dist/cli.js', 'healthcheck', `--configFile=${config}`], { timeout: 120_000 }, (err, stdout) => resolve({ code: err ? err.code : 0, stdout })))
  if (health.code !== 0) throw new Error(`pier healthcheck exited ${health.code}: ${health.stdout}`)
  // uWebSockets.js falls back to a slow JS imitation when its binary does not load.
  if (/Falling back to a NodeJS implementation|not compatible with your Node\.js build/.test(logs)) throw new Error(`pier ran on the uWS JS fallback, not ${uwsBinary}`)

  stopping = true
  process.kill(-run.pid, 'SIGINT')
  const { code } = await exited
  if (code !== 0) throw new Error(`make run exited ${code} after Ctrl-C`)
  for (const deadline = Date.now() + 10_000; groupMembers(run.pid).length > 0; ) {
    if (Date.now() > deadline) throw new Error(`processes left after Ctrl-C: ${groupMembers(run.pid).join(', ')}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  console.log(`pier armhf smoke: ok arch=${process.arch} node=${process.version} uws=${uwsBinary} ready_ms=${readyMs} quickstart=${names.join(',')} healthcheck=0 ctrl-c=clean`)
  cleanup()
} catch (err) {
  stopping = true
  cleanup()
  fail(err.message, logs)
}
