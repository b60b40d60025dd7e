// Old against new on a shared machine: pier builds (each a dist/cli.js, e.g. a
// copy of dist made before a change) and nginx side by side, one thread each,
// wrk -t1 -c50 on cpu 0 and the proxies on cpu 1, runs interleaved in a
// rotating order; CPU µs per request (user, system) from /proc for each run,
// and each target's difference from the first with its standard error.
// Usage: node bench/ab/run.mjs ROUNDS SECONDS SCENARIO LABEL=path/to/cli.js... [nginx]
//   e.g. node bench/ab/run.mjs 8 3 rr-2 old=/tmp/old/dist/cli.js new=dist/cli.js nginx
// NODEFLAGS and PIERARGS add flags to node and to pier; --env.LABEL=VAR=value,...
// sets environment variables for one build only (those read before node
// starts, such as MALLOC_ARENA_MAX, can be compared no other way).
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import { spawnSync } from 'node:child_process'
const B = new URL('../', import.meta.url).pathname
const { start, freePort } = await import(B + 'lib/procs.mjs')
const { SCENARIOS, modelFor, requestSpec } = await import(B + 'lib/scenarios.mjs')
const { TARGETS, waitHttpOk } = await import(B + 'lib/targets.mjs')
const { treeCpu } = await import(B + 'lib/cpu.mjs')
const { renderRoutes } = await import(B + 'peers/render.mjs')
const envArgs = process.argv.slice(2).filter((a) => a.startsWith('--env.'))
const [rounds, secs, scen, ...targets] = process.argv.slice(2).filter((a) => !a.startsWith('--env.'))
const envOf = Object.fromEntries(envArgs.map((a) => [a.slice(6, a.indexOf('=')), Object.fromEntries(a.slice(a.indexOf('=') + 1).split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))]))
const s = SCENARIOS.find((x) => x.name === scen)
if (!(Number(rounds) >= 1) || !(Number(secs) >= 1) || !s || targets.length === 0 || targets.some((t) => t !== 'nginx' && !/^[\w-]+=.+/.test(t))) {
  console.error('usage: node bench/ab/run.mjs ROUNDS SECONDS SCENARIO [--env.LABEL=VAR=value,...] LABEL=path/to/cli.js... [nginx]')
  process.exit(2)
}
const dir = mkdtempSync(join(tmpdir(), 'ab-'))
const bports = []
for (let i = 0; i < s.backends; i++) bports.push(await freePort())
const backend = start('backend', process.execPath, [B + 'backend.mjs', bports.join(',')])
await backend.waitForOutput(/backend ready/)
const model = modelFor(s, bports)
const spec = requestSpec(s, model)
const procs = []
for (const t of targets) {
  const [label, cli] = t.split('=')
  const port = await freePort()
  let h
  if (label === 'nginx') h = TARGETS.nginx.start({ model, port, workers: 1, dir: mkdtempSync(join(dir, 'n')), cpus: '1' })
  else {
    const routes = join(dir, label + '.yml'); writeFileSync(routes, renderRoutes(model))
    const flags = (process.env.NODEFLAGS || '').split(' ').filter(Boolean)
    h = start(label, process.execPath, [...flags, resolve(cli), `--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, '--providers.file.watch=false', '--workers=1', '--log.level=INFO', ...(process.env.PIERARGS||'').split(' ').filter(Boolean)], { cpus: '1', env: envOf[label] })
    await h.waitForOutput(/pier ready/)
  }
  await waitHttpOk(port, 'bench.local', 15000, h)
  procs.push({ label, port, h, runs: [] })
}
const wrk = (port, d) => {
  const r = spawnSync('taskset', ['-c', '0', 'wrk', '-t1', '-c50', `-d${d}s`, '--latency', '-H', 'Host: bench.local', `http://127.0.0.1:${port}${spec.path}`], { encoding: 'utf8' })
  const req = Number(/(\d+) requests in/.exec(r.stdout)[1])
  const p99 = /99%\s+(\S+)/.exec(r.stdout)[1]
  const errs = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0
  return { req, p99, errs, out: r.stdout }
}
for (const p of procs) wrk(p.port, 2)
for (let r = 0; r < Number(rounds); r++) {
  const order = procs.map((_, i) => procs[(i + r) % procs.length])
  for (const p of order) {
    const c0 = treeCpu(p.h.pid)
    const w = wrk(p.port, Number(secs))
    const c1 = treeCpu(p.h.pid)
    const u = ((c1.user - c0.user) * 1e6) / w.req, sy = ((c1.system - c0.system) * 1e6) / w.req
    p.runs.push({ rps: w.req / Number(secs), u, sy, p99: w.p99, errs: w.errs })
    console.log(`${p.label.padEnd(8)} r${r} ${(w.req / Number(secs)).toFixed(0).padStart(6)} req/s  user ${u.toFixed(2)} sys ${sy.toFixed(2)} total ${(u + sy).toFixed(2)} µs/req  p99 ${w.p99} non2xx ${w.errs}`)
  }
}
const med = (a) => { const b = [...a].sort((x, y) => x - y); return b[Math.floor(b.length / 2)] }
console.log('--- medians')
for (const p of procs) console.log(`${p.label.padEnd(8)} ${med(p.runs.map((x) => x.rps)).toFixed(0).padStart(6)} req/s  user ${med(p.runs.map((x) => x.u)).toFixed(2)} sys ${med(p.runs.map((x) => x.sy)).toFixed(2)} total ${med(p.runs.map((x) => x.u + x.sy)).toFixed(2)} µs/req`)
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length
const sd = (a) => { const m = mean(a); return Math.sqrt(a.reduce((x, y) => x + (y - m) ** 2, 0) / Math.max(1, a.length - 1)) }
for (const p of procs.slice(1)) {
  const d = p.runs.map((x, i) => (x.u + x.sy) - (procs[0].runs[i].u + procs[0].runs[i].sy))
  const du = p.runs.map((x, i) => x.u - procs[0].runs[i].u)
  console.log(`${p.label} - ${procs[0].label}: total ${mean(d).toFixed(2)} ± ${(sd(d) / Math.sqrt(d.length)).toFixed(2)} µs/req (user ${mean(du).toFixed(2)} ± ${(sd(du) / Math.sqrt(du.length)).toFixed(2)}), means ${mean(procs[0].runs.map((x) => x.u + x.sy)).toFixed(2)} vs ${mean(p.runs.map((x) => x.u + x.sy)).toFixed(2)}`)
}
for (const p of procs) await p.h.stop()
await backend.stop()
rmSync(dir, { recursive: true, force: true })
