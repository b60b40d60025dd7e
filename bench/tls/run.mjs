// HTTPS side by side: pier, nginx, HAProxy and Caddy terminating TLS with the
// same ECDSA P-256 certificate, proxying to the same uWS backend, at the same
// worker count, measured with wrk (C, OpenSSL).
//   tls-keepalive:  HTTPS requests over keep-alive connections: req/s and p99
//   tls-handshakes: a new TLS connection per request (Connection: close):
//                   handshakes/s. uWS 20.30 closes after such a request
//                   without sending Connection: close, so wrk counts a read
//                   error per request for pier; its request count is right.
// Placed as the scoreboard is: wrk and the backend on cpu 0, the proxy on the
// last cpu. Prints one line per run and a table of medians; nothing is asserted.
// Usage: node bench/tls/run.mjs [--workers=1] [--connections=50] [--duration=8] [--rounds=3]
//          [--targets=pier,nginx,haproxy,caddy] [--scenarios=tls-keepalive,tls-handshakes]
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, listening, start } from '../lib/procs.mjs'
import { nginxHead } from '../lib/nginx.mjs'
import { parseWrk } from '../lib/wrk.mjs'
import { perRequestUs, treeCpu } from '../lib/cpu.mjs'

const opt = (name, def) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def
const workers = Number(opt('workers', 1))
const connections = Number(opt('connections', 50))
const duration = Number(opt('duration', 8))
const rounds = Number(opt('rounds', 3))
const targets = opt('targets', 'pier,nginx,haproxy,caddy').split(',')
const scenarios = opt('scenarios', 'tls-keepalive,tls-handshakes').split(',')
const cores = availableParallelism()
const [loadCpu, proxyCpu] = cores >= 2 ? ['0', `${cores - workers}-${cores - 1}`] : [undefined, undefined]
const HOST = 'bench.local'

const dir = mkdtempSync(join(tmpdir(), 'pier-bench-tls-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
const crt = join(dir, 'bench.crt')
const key = join(dir, 'bench.key')
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`], { stdio: 'ignore' })
const pem = join(dir, 'bench.pem')
writeFileSync(pem, execFileSync('cat', [crt, key]))

const backendPort = await freePort()
const backend = start('backend', process.execPath, [fileURLToPath(new URL('../backend.mjs', import.meta.url)), String(backendPort)], { cpus: loadCpu })
await backend.waitForOutput(/backend ready/)
const upstream = `127.0.0.1:${backendPort}`

/** Each target: how to start it on port (TLS), and the line that says it is ready (or a delay). */
const TARGETS = {
  pier(port) {
    const routes = join(dir, 'routes.yml')
    writeFileSync(
      routes,
      JSON.stringify({
        http: { routers: { b: { rule: `Host(\`${HOST}\`)`, service: 'b', tls: {} } }, services: { b: { loadBalancer: { servers: [{ url: `http://${upstream}` }] } } } },
        tls: { certificates: [{ certFile: crt, keyFile: key }] },
      }),
    )
    const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))
    const args = [cli, `--entrypoints.websecure.address=127.0.0.1:${port}`, '--entrypoints.websecure.http.tls', `--providers.file.filename=${routes}`, '--providers.file.watch=false', `--workers=${workers}`]
    return { proc: start('pier', process.execPath, args, { cpus: proxyCpu }), ready: /pier ready/ }
  },
  nginx(port) {
    const d = join(dir, 'nginx')
    mkdirSync(d, { recursive: true })
    // the same choices as bench/peers/nginx.conf.tmpl, with TLS on the listener
    const conf = `${nginxHead(d, workers)}  upstream b { server ${upstream}; keepalive 64; }
  server {
    listen 127.0.0.1:${port} ssl;
    server_name ${HOST};
    ssl_certificate ${crt};
    ssl_certificate_key ${key};
    ssl_session_cache shared:SSL:10m;
    location / { proxy_pass http://b; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`
    writeFileSync(join(d, 'nginx.conf'), conf)
    return { proc: start('nginx', 'nginx', ['-c', join(d, 'nginx.conf'), '-p', d], { cpus: proxyCpu }) }
  },
  haproxy(port) {
    const cfg = `global
  nbthread ${workers}
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend web
  bind 127.0.0.1:${port} ssl crt ${pem}
  default_backend b
backend b
  server s1 ${upstream}
`
    writeFileSync(join(dir, 'haproxy.cfg'), cfg)
    return { proc: start('haproxy', 'haproxy', ['-f', join(dir, 'haproxy.cfg'), '-db'], { cpus: proxyCpu }) }
  },
  caddy(port) {
    const conf = `{
  admin off
  auto_https off
  # wrk names no server (or an IP): answer with the one certificate, as the others do
  default_sni ${HOST}
  log {
    level ERROR
  }
}
https://:${port} {
  bind 127.0.0.1
  tls ${crt} ${key}
  reverse_proxy ${upstream} {
    transport http {
      keepalive_idle_conns_per_host 256
    }
  }
}
`
    writeFileSync(join(dir, 'Caddyfile'), conf)
    return { proc: start('caddy', 'caddy', ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], { cpus: proxyCpu, env: { GOMAXPROCS: String(workers), HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir } }) }
  },
}


function wrk(port, scenario, durationS) {
  const args = ['-t1', `-c${connections}`, `-d${durationS}s`, '--latency', '-H', `Host: ${HOST}`]
  if (scenario === 'tls-handshakes') args.push('-H', 'Connection: close')
  args.push(`https://127.0.0.1:${port}/`)
  const [cmd, argv] = loadCpu ? ['taskset', ['-c', loadCpu, 'wrk', ...args]] : ['wrk', args]
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: (durationS + 30) * 1000 })
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`)
  return parseWrk(r.stdout)
}

const results = {}
try {
  console.log(`# ${new Date().toISOString()} ${cores} cores, load average ${loadavg()[0].toFixed(2)}; wrk on cpu ${loadCpu ?? 'any'}, proxies on cpu ${proxyCpu ?? 'any'}, ${workers} worker(s), ${connections} connections, ${duration} s x ${rounds}`)
  for (let round = 0; round < rounds; round++) {
    // rotate the order so drift on the machine hits every target alike
    const order = targets.map((_, i) => targets[(i + round) % targets.length])
    for (const name of order) {
      const port = await freePort()
      const t = TARGETS[name](port)
      try {
        if (t.ready) await t.proc.waitForOutput(t.ready, 30_000)
        else await listening(port, t.proc)
        for (const s of scenarios) {
          wrk(port, s, 2) // warm-up
          const before = treeCpu(t.proc.pid)
          const r = wrk(port, s, duration)
          const after = treeCpu(t.proc.pid)
          // the proxy's own CPU per request: steadier than req/s when others load the machine
          r.cpuUs = perRequestUs({ user: after.user - before.user, system: after.system - before.system }, r.requests)?.total ?? NaN
          ;((results[s] ??= {})[name] ??= []).push(r)
          console.log(`${s} ${name} round ${round + 1}: ${Math.round(r.rps)} req/s, p99 ${r.p99?.toFixed(2)} ms, ${r.cpuUs.toFixed(0)} µs CPU per request, errors ${r.errors}`)
        }
      } finally {
        await t.proc.stop()
      }
    }
  }
} finally {
  // also when a target fails to start: no process of this run is left behind
  await backend.stop()
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
for (const s of scenarios) {
  console.log(`\n| ${s} | ${s === 'tls-handshakes' ? 'handshakes/s' : 'req/s'} (min-max) | ×nginx | p99 ms | proxy CPU µs per request | errors |\n|---|---:|---:|---:|---:|---:|`)
  const nginx = results[s].nginx ? median(results[s].nginx.map((r) => r.rps)) : undefined
  for (const name of targets) {
    const rs = results[s][name]
    if (!rs) continue
    const rps = rs.map((r) => r.rps)
    const m = median(rps)
    console.log(`| ${name} | ${Math.round(m).toLocaleString('en')} (${Math.round(Math.min(...rps)).toLocaleString('en')}-${Math.round(Math.max(...rps)).toLocaleString('en')}) | ${nginx ? (m / nginx).toFixed(2) : 'n/a'} | ${median(rs.map((r) => r.p99 ?? NaN)).toFixed(2)} | ${median(rs.map((r) => r.cpuUs)).toFixed(0)} | ${rs.reduce((a, r) => a + r.errors, 0)} |`)
  }
}
