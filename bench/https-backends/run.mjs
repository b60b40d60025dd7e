// What an HTTPS backend costs the proxy: one uWS backend thread serving the
// same small body on a plain port and on a TLS port (uWS SSLApp, ECDSA
// P-256), pier (and nginx, for comparison) in front proxying to each over
// keep-alive connections, verified against the backend's certificate. wrk
// sends plain HTTP to the proxy. The figure that matters on a shared
// machine is the proxy's CPU per request (/proc), beside req/s.
// Usage: node bench/https-backends/run.mjs [--connections=50] [--duration=5] [--rounds=2] [--targets=pier,nginx]
// A target may also be another pier build, LABEL=path/to/cli.js (old against new:
// --targets=old=/tmp/old/dist/cli.js,pier).
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, listening, start } from '../lib/procs.mjs'
import { NAME, startBackend } from './backend.mjs'
import { nginxHead } from '../lib/nginx.mjs'
import { parseWrk } from '../lib/wrk.mjs'
import { perRequestUs, treeCpu } from '../lib/cpu.mjs'
import { machine } from '../lib/machine.mjs'

const opt = (name, def) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def
const connections = Number(opt('connections', 50))
const duration = Number(opt('duration', 5))
const rounds = Number(opt('rounds', 2))
/** Target names; LABEL=path/to/cli.js entries are pier builds, registered below. */
const targetSpecs = opt('targets', 'pier,nginx').split(',')
const targets = targetSpecs.map((t) => t.split('=')[0])
const cores = availableParallelism()
// wrk and the backend on cpu 0, the proxy (one worker) on the last one
const [loadCpu, proxyCpu] = cores >= 2 ? ['0', String(cores - 1)] : [undefined, undefined]

const dir = mkdtempSync(join(tmpdir(), 'pier-bench-https-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
const { proc: backend, plainPort, tlsPort, crt } = await startBackend(dir, loadCpu)

const pierTarget = (cli) => (port) => {
  const routes = join(dir, 'routes.yml')
  const svc = (url, extra = {}) => ({ loadBalancer: { servers: [{ url }], ...extra } })
  writeFileSync(
    routes,
    JSON.stringify({
      http: {
        routers: { http: { rule: 'Host(`http.bench`)', service: 'http' }, https: { rule: 'Host(`https.bench`)', service: 'https' } },
        services: { http: svc(`http://127.0.0.1:${plainPort}`), https: svc(`https://127.0.0.1:${tlsPort}`, { serversTransport: 'b' }) },
        serversTransports: { b: { serverName: NAME, rootCAs: [crt] } },
      },
    }),
  )
  return { proc: start('pier', process.execPath, [cli, `--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, '--providers.file.watch=false', '--workers=1'], { cpus: proxyCpu }), ready: /pier ready/ }
}
const TARGETS = {
  pier: pierTarget(fileURLToPath(new URL('../../dist/cli.js', import.meta.url))),
  nginx(port) {
    const d = join(dir, 'nginx')
    mkdirSync(d, { recursive: true })
    writeFileSync(
      join(d, 'nginx.conf'),
      `${nginxHead(d, 1)}  upstream plain { server 127.0.0.1:${plainPort}; keepalive 64; }
  upstream tls { server 127.0.0.1:${tlsPort}; keepalive 64; }
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_ssl_verify on;
  proxy_ssl_trusted_certificate ${crt};
  proxy_ssl_name ${NAME};
  proxy_ssl_server_name on;
  proxy_ssl_session_reuse on;
  server { listen 127.0.0.1:${port}; server_name http.bench; location / { proxy_pass http://plain; } }
  server { listen 127.0.0.1:${port}; server_name https.bench; location / { proxy_pass https://tls; } }
}
`,
    )
    return { proc: start('nginx', 'nginx', ['-c', join(d, 'nginx.conf'), '-p', d], { cpus: proxyCpu }) }
  },
}


function wrk(port, host, durationS) {
  const args = ['-t1', `-c${connections}`, `-d${durationS}s`, '--latency', '-H', `Host: ${host}`, `http://127.0.0.1:${port}/`]
  const [cmd, argv] = loadCpu ? ['taskset', ['-c', loadCpu, 'wrk', ...args]] : ['wrk', args]
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: (durationS + 30) * 1000 })
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`)
  return parseWrk(r.stdout)
}

for (const t of targetSpecs) if (t.includes('=')) TARGETS[t.split('=')[0]] = pierTarget(resolve(t.slice(t.indexOf('=') + 1)))
if (targets.some((t) => !TARGETS[t])) throw new Error(`unknown target in --targets: ${targets.filter((t) => !TARGETS[t]).join(', ')}`)

const m = machine()
console.log(`# ${new Date().toISOString()} ${m.cpu}, ${cores} cores, ${m.node}, load average ${loadavg()[0].toFixed(2)}; wrk and backend on cpu ${loadCpu ?? 'any'}, proxy (1 worker) on cpu ${proxyCpu ?? 'any'}; ${connections} connections, ${duration} s x ${rounds}`)
const results = {}
try {
  for (let round = 0; round < rounds; round++) {
    for (const name of targets) {
      const port = await freePort()
      const t = TARGETS[name](port)
      try {
        if (t.ready) await t.proc.waitForOutput(t.ready, 30_000)
        else await listening(port, t.proc)
        for (const backendKind of round % 2 === 0 ? ['http', 'https'] : ['https', 'http']) {
          const host = `${backendKind}.bench`
          wrk(port, host, 1) // warm-up: connections to the backend opened
          const before = treeCpu(t.proc.pid)
          const r = wrk(port, host, duration)
          const after = treeCpu(t.proc.pid)
          r.cpuUs = perRequestUs({ user: after.user - before.user, system: after.system - before.system }, r.requests)?.total ?? NaN
          ;((results[name] ??= {})[backendKind] ??= []).push(r)
          console.log(`${name} -> ${backendKind} backend, round ${round + 1}: ${Math.round(r.rps)} req/s, p99 ${r.p99?.toFixed(2)} ms, ${r.cpuUs.toFixed(1)} µs CPU per request, errors ${r.errors}`)
        }
      } finally {
        await t.proc.stop()
      }
    }
  }
} finally {
  await backend.stop()
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
console.log('\n| proxy | backend | req/s (median) | p99 ms | proxy CPU µs per request | errors |\n|---|---|---:|---:|---:|---:|')
for (const [name, kinds] of Object.entries(results)) {
  for (const [kind, rs] of Object.entries(kinds)) {
    console.log(`| ${name} | ${kind} | ${Math.round(median(rs.map((r) => r.rps))).toLocaleString('en')} | ${median(rs.map((r) => r.p99 ?? NaN)).toFixed(2)} | ${median(rs.map((r) => r.cpuUs)).toFixed(1)} | ${rs.reduce((a, r) => a + r.errors, 0)} |`)
  }
}
