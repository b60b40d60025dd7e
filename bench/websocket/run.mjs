// WebSocket echo through pier, nginx and Caddy, and the backend direct, in
// one run: messages/s and echo latency for CONNS connections each echoing
// SIZE-byte messages in a closed loop; then resident memory with IDLE idle
// WebSockets open through each proxy. One proxy thread each; the load
// generator on cpu 0, the proxy on the last cpu, the backend unpinned.
// Prints a table; figures from a shared machine are noisy.
//
// Usage: node bench/websocket/run.mjs [--conns=100] [--size=64] [--seconds=8]
//        [--repeats=2] [--idle=8000] [--targets=direct,pier,nginx,caddy]
//        [--compression] (pier negotiates permessage-deflate with the client)
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir, availableParallelism } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execFileSync, spawnSync } from 'node:child_process'
import { start, freePort, treeRssMB, sleep } from '../lib/procs.mjs'
import { mergeEncoded, summarize } from '../lib/hdr.mjs'
import { machine } from '../lib/machine.mjs'
import { treeCpu } from '../lib/cpu.mjs'

const opt = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? 'true']))
const CONNS = Number(opt.conns ?? 100)
const SIZE = Number(opt.size ?? 64)
const SECONDS = Number(opt.seconds ?? 8)
const REPEATS = Number(opt.repeats ?? 2)
const IDLE = Number(opt.idle ?? 8000)
const TARGETS = (opt.targets ?? 'direct,pier,nginx,caddy').split(',')
const HOST = 'ws.bench'
const here = (f) => fileURLToPath(new URL(f, import.meta.url))
const CLI = here('../../dist/cli.js')
const cores = availableParallelism()
const loadCpu = '0'
const proxyCpu = String(cores - 1)

const dir = mkdtempSync(join(tmpdir(), 'pier-wsbench-'))
const procs = []
process.on('exit', () => procs.forEach((p) => p.alive() && p.proc.kill('SIGKILL')))

const backendPort = await freePort()
const backend = start('backend', process.execPath, [here('backend.mjs'), String(backendPort)])
procs.push(backend)
await backend.waitForOutput(/listening/)

async function startTarget(name) {
  if (name === 'direct') return { port: backendPort, proc: backend, version: 'uWS 20.30 backend' }
  const port = await freePort()
  let p
  if (name === 'pier') {
    const routes = join(dir, 'routes.yml')
    writeFileSync(routes, JSON.stringify({ http: { routers: { ws: { rule: `Host(\`${HOST}\`)`, service: 'ws' } }, services: { ws: { loadBalancer: { servers: [{ url: `http://127.0.0.1:${backendPort}` }] } } } } }))
    const args = [CLI, `--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, '--workers=1']
    if (opt.compression) args.push('--webSocket.compression')
    p = start('pier', process.execPath, args, { cpus: proxyCpu })
    procs.push(p) // ended with the harness, even when it fails half way
    await p.waitForOutput(/pier ready/)
    return { port, proc: p, version: `pier (this tree), Node ${process.version}` }
  }
  if (name === 'nginx') {
    const d = join(dir, 'nginx')
    mkdirSync(d, { recursive: true })
    // The documented WebSocket proxy setup: HTTP/1.1 upstream, Upgrade and Connection passed on.
    writeFileSync(join(d, 'nginx.conf'), `worker_processes 1;
daemon off;
pid ${d}/nginx.pid;
error_log ${d}/error.log error;
worker_rlimit_nofile 20000;
events { worker_connections 19000; }
http {
  access_log off;
  client_body_temp_path ${d}/cb; proxy_temp_path ${d}/p; fastcgi_temp_path ${d}/f; uwsgi_temp_path ${d}/u; scgi_temp_path ${d}/s;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream backend { server 127.0.0.1:${backendPort}; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_read_timeout 1h;
    }
  }
}
`)
    p = start('nginx', '/usr/sbin/nginx', ['-c', join(d, 'nginx.conf'), '-p', d], { cpus: proxyCpu })
    procs.push(p) // ended with the harness, even when it fails half way
    await waitPort(port)
    return { port, proc: p, version: spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' }).stderr.trim().replace('nginx version: ', '') }
  }
  if (name === 'caddy') {
    const file = join(dir, 'Caddyfile')
    // reverse_proxy handles the upgrade by itself (Go's ReverseProxy hijacks and copies bytes).
    writeFileSync(file, `{\n  admin off\n  auto_https off\n  log {\n    level ERROR\n  }\n}\nhttp://${HOST}:${port} {\n  bind 127.0.0.1\n  reverse_proxy 127.0.0.1:${backendPort}\n}\n`)
    p = start('caddy', '/usr/bin/caddy', ['run', '--config', file, '--adapter', 'caddyfile'], { cpus: proxyCpu, env: { GOMAXPROCS: '1', HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir } })
    procs.push(p) // ended with the harness, even when it fails half way
    await waitPort(port)
    return { port, proc: p, version: execFileSync('/usr/bin/caddy', ['version'], { encoding: 'utf8' }).trim().split(' ')[0] }
  }
  throw new Error(`unknown target ${name}`)
}

async function waitPort(port) {
  const { connect } = await import('node:net')
  const deadline = Date.now() + 10000
  for (;;) {
    const ok = await new Promise((r) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), r(true)))
      s.on('error', () => r(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`)
    await sleep(50)
  }
}

async function echo(target) {
  const cpu0 = treeCpu(target.proc.pid)
  const load = start('load', process.execPath, [here('load.mjs'), String(target.port), HOST, String(CONNS), String(SIZE), String(SECONDS), '1', opt.compression ? '1' : '0'], { cpus: loadCpu })
  const code = await load.exited
  const line = load.output().trim().split('\n').pop()
  if (code !== 0) throw new Error(`load generator failed (${code}): ${load.output().slice(-1000)}`)
  const cpu1 = treeCpu(target.proc.pid)
  const r = JSON.parse(line)
  r.cpuUs = ((cpu1.user + cpu1.system - cpu0.user - cpu0.system) * 1e6) / r.total
  return r
}

async function idle(target) {
  const before = treeRssMB(target.proc.pid)
  const gen = start('idle', process.execPath, [here('idle.mjs'), String(target.port), HOST, String(IDLE)])
  await gen.waitForOutput(/open \d+/, 120000)
  await sleep(3000)
  const after = treeRssMB(target.proc.pid)
  await gen.stop()
  await sleep(1000)
  return { before, after, perSocketKB: ((after - before) * 1024) / IDLE }
}

const m = machine()
console.log(`bench/websocket: ${m.cpu}, ${m.cores} cores, ${m.arch}, Node ${m.node}; load avg ${(await import('node:os')).loadavg()[0].toFixed(2)} at start (a shared machine: figures are noisy)`)
console.log(`${CONNS} connections, ${SIZE}-byte binary messages, closed loop; ${SECONDS} s x ${REPEATS} runs per target, interleaved; one proxy thread; load on cpu ${loadCpu}, proxy on cpu ${proxyCpu}${opt.compression ? '; pier with --webSocket.compression' : ''}\n`)
const targets = {}
for (const name of TARGETS) targets[name] = await startTarget(name)
const runs = Object.fromEntries(TARGETS.map((n) => [n, []]))
for (let r = 0; r < REPEATS; r++) {
  for (let i = 0; i < TARGETS.length; i++) {
    const name = TARGETS[(i + r) % TARGETS.length]
    runs[name].push(await echo(targets[name]))
  }
}
const pad = (s, n) => String(s).padStart(n)
console.log(`${'target'.padEnd(8)} ${pad('msg/s (runs)', 26)} ${pad('p50 ms', 8)} ${pad('p99 ms', 8)} ${pad('p99.9', 8)} ${pad('B/msg in', 9)} ${pad('CPU µs/msg', 11)} errors`)
const direct = runs.direct ? median(runs.direct.map((x) => x.messages / x.seconds)) : 0
for (const name of TARGETS) {
  const rates = runs[name].map((x) => x.messages / x.seconds)
  const s = summarize(mergeEncoded(runs[name].map((x) => x.hist)))
  const rel = direct && name !== 'direct' ? ` ${(median(rates) / direct).toFixed(2)}x` : ''
  console.log(`${name.padEnd(8)} ${pad(`${Math.round(median(rates)).toLocaleString('en')} (${rates.map((v) => Math.round(v / 1000) + 'k').join(', ')})${rel}`, 26)} ${pad(s.p50.toFixed(2), 8)} ${pad(s.p99.toFixed(2), 8)} ${pad(s.p999.toFixed(2), 8)} ${pad((runs[name].reduce((a, x) => a + x.bytesIn, 0) / runs[name].reduce((a, x) => a + x.messages, 0)).toFixed(1), 9)} ${pad(median(runs[name].map((x) => x.cpuUs)).toFixed(1), 11)} ${runs[name].reduce((a, x) => a + x.errors, 0)}${runs[name][0].extensions ? ` (${runs[name][0].extensions})` : ''}`)
}
if (IDLE > 0) {
  console.log(`\nResident memory with ${IDLE.toLocaleString('en')} idle WebSockets open (whole process tree). The default is 8,000, not 10,000: a proxied WebSocket holds two sockets and this machine's hard limit is 20,000 descriptors per process, and nginx here resets connections past about 8,000:`)
  for (const name of TARGETS) {
    const r = await idle(targets[name])
    console.log(`${name.padEnd(8)} ${r.before.toFixed(1)} MB -> ${r.after.toFixed(1)} MB  (${r.perSocketKB.toFixed(1)} KB per WebSocket)`)
  }
}
for (const name of TARGETS) if (name !== 'direct') await targets[name].proc.stop()
await backend.stop()
console.log(`\nversions: ${TARGETS.map((n) => `${n}: ${targets[n].version.trim()}`).join('; ')}`)

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
