// What sticky sessions cost: pier's CPU time per request (user + system of
// the whole pier process, from /proc) for one worker proxying to 3 servers
// of one uWS backend, in three scenes, interleaved over rounds:
//   plain   a service without sticky (the Cookie header is not read)
//   hit     a sticky service, the request's cookie naming a server (among other cookies)
//   miss    a sticky service, no cookie: WRR picks and the response sets one
// First, in process, the pick alone (ServerChoice.pick: table read, Cookie
// header scan, WRR) in ns of CPU per call: on a loaded shared machine the
// end-to-end figures move by more than the difference they measure.
// Usage: npm run build && node bench/sticky/run.mjs [seconds per run, default 4] [rounds, default 3]
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { start, freePort } from '../lib/procs.mjs'
import { treeCpu, perRequestUs } from '../lib/cpu.mjs'
import { cookieValue } from '../../dist/balancer/sticky-cookie.js'
import { compileTable } from '../../dist/table/compile.js'
import { RouteTable } from '../../dist/table/reader.js'
import { SmoothWRR } from '../../dist/balancer/wrr.js'
import { ServerChoice } from '../../dist/balancer/sticky.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const seconds = Number(process.argv[2] ?? 4)
const rounds = Number(process.argv[3] ?? 3)

const ports = [await freePort(), await freePort(), await freePort()]
const cookie = `session=3f9a1c; theme=dark; bench_sticky=${cookieValue(`http://127.0.0.1:${ports[1]}`)}; lang=en`
const noCookie = 'session=3f9a1c; theme=dark; lang=en'

/** ns of CPU (user + system) per ServerChoice.pick, per scene, median of 5 runs of 2e6 picks. */
function micro() {
  const lb = (sticky) => ({ loadBalancer: { servers: ports.map((p) => ({ url: `http://127.0.0.1:${p}` })), ...(sticky ? { sticky: { cookie: { name: 'bench_sticky' } } } : {}) } })
  const config = { http: { routers: {}, services: { 'plain@file': lb(false), 'sticky@file': lb(true) } } }
  const table = new RouteTable(compileTable(config, ['web'], 1).buffer)
  const wrr = new SmoothWRR()
  wrr.bind(table)
  const choice = new ServerChoice()
  const req = (c) => ({ getHeader: (n) => (n === 'cookie' ? c : '') })
  const scenes = { plain: [table.serviceIndex('plain@file'), req(cookie)], hit: [table.serviceIndex('sticky@file'), req(cookie)], miss: [table.serviceIndex('sticky@file'), req(noCookie)] }
  const N = 2e6
  const out = {}
  for (const [name, [service, r]] of Object.entries(scenes)) {
    const runs = []
    for (let k = 0; k < 6; k++) {
      const t0 = process.cpuUsage()
      let sum = 0
      for (let i = 0; i < N; i++) sum += choice.pick(table, wrr, service, r)
      const d = process.cpuUsage(t0)
      if (sum < 0) throw new Error('no server')
      if (k > 0) runs.push(((d.user + d.system) * 1000) / N)
    }
    out[name] = runs.sort((a, b) => a - b)[2]
  }
  return out
}
const picks = micro()
console.log('ServerChoice.pick, ns of CPU per call (median of 5 x 2e6):', Object.entries(picks).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '))

const web = await freePort()
const dir = mkdtempSync(join(tmpdir(), 'pier-sticky-bench-'))
const routes = join(dir, 'routes.yml')
const servers = ports.map((p) => `          - url: "http://127.0.0.1:${p}"`).join('\n')
writeFileSync(routes, `
http:
  routers:
    plain: { rule: "Host(\`plain.test\`)", service: plain }
    sticky: { rule: "Host(\`sticky.test\`)", service: sticky }
  services:
    plain:
      loadBalancer:
        servers:
${servers}
    sticky:
      loadBalancer:
        sticky: { cookie: { name: bench_sticky, httpOnly: true, sameSite: lax } }
        servers:
${servers}
`)

const backend = start('backend', process.execPath, [join(ROOT, 'bench/backend.mjs'), ports.join(',')])
await backend.waitForOutput(/backend ready/)
const pier = start('pier', process.execPath, [join(ROOT, 'dist/cli.js'), `--entrypoints.web.address=127.0.0.1:${web}`, `--providers.file.filename=${routes}`, '--workers=1'])
try {
  await pier.waitForOutput(/pier ready/, 30000)
  const scenes = {
    plain: ['-H', 'Host: plain.test', '-H', `Cookie: ${cookie}`],
    hit: ['-H', 'Host: sticky.test', '-H', `Cookie: ${cookie}`],
    miss: ['-H', 'Host: sticky.test', '-H', `Cookie: ${noCookie}`],
  }
  // The scenes do what they say: a hit sets no cookie, a miss sets one.
  const { request } = await import('node:http')
  const setCookie = (args) =>
    new Promise((resolve, reject) => {
      const headers = { host: args[1].slice(6), cookie: args[3].slice(8) }
      request({ host: '127.0.0.1', port: web, headers }, (res) => (res.resume(), resolve(res.headers['set-cookie'] ?? []))).on('error', reject).end()
    })
  if ((await setCookie(scenes.hit)).length !== 0 || !(await setCookie(scenes.miss)).some((c) => c.startsWith('bench_sticky='))) throw new Error('the sticky scenes do not behave as described')
  const wrk = (args, s) => execFileSync('wrk', ['-t1', '-c16', `-d${s}s`, ...args, `http://127.0.0.1:${web}/`], { encoding: 'utf8' })
  // Warm-up: JIT and connection pools.
  for (const args of Object.values(scenes)) wrk(args, 2)
  const results = Object.fromEntries(Object.keys(scenes).map((k) => [k, []]))
  for (let r = 0; r < rounds; r++) {
    for (const [name, args] of Object.entries(scenes)) {
      const before = treeCpu(pier.pid)
      const out = wrk(args, seconds)
      const after = treeCpu(pier.pid)
      const n = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0)
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0)
      if (non2xx > 0) throw new Error(`${name}: ${non2xx} non-2xx responses`)
      const us = perRequestUs({ user: after.user - before.user, system: after.system - before.system }, n)
      results[name].push({ n, rps: n / seconds, us: us.total, user: us.user })
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  console.log(`pier CPU per request (user+system, whole process), 1 worker, wrk -t1 -c16 -d${seconds}s, ${rounds} rounds, median`)
  console.log('scene  | µs/req | user µs | req/s')
  const base = median(results.plain.map((x) => x.us))
  for (const [name, rows] of Object.entries(results)) {
    const us = median(rows.map((x) => x.us))
    console.log(`${name.padEnd(6)} | ${us.toFixed(2).padStart(6)} | ${median(rows.map((x) => x.user)).toFixed(2).padStart(7)} | ${Math.round(median(rows.map((x) => x.rps)))}${name === 'plain' ? '' : `  (${us - base >= 0 ? '+' : ''}${(us - base).toFixed(2)} µs)`}`)
  }
  console.log('all runs:', JSON.stringify(results))
} finally {
  await pier.stop()
  await backend.stop()
  rmSync(dir, { recursive: true, force: true })
}
