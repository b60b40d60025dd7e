// make bench: every scenario against every target on loopback, side by side.
// Per scenario: start the backends and every target, warm each up, run the
// measured repeats interleaved across targets (so drift hits all alike), then
// a fixed-rate run per target; write tables, .hgrm files, plots and JSON.
// Usage: node bench/run.mjs --help
import { mkdirSync, writeFileSync, copyFileSync, rmSync, mkdtempSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseOptions, USAGE } from './lib/options.mjs'
import { SCENARIOS, modelFor, requestSpec, fixedRate } from './lib/scenarios.mjs'
import { TARGETS, waitHttpOk, targetDir, which } from './lib/targets.mjs'
import { start, sleep, treeRssMB, rssSampler, freePort } from './lib/procs.mjs'
import { startLoadgen } from './lib/loadgen.mjs'
import { summarize, toHgrm, parseHgrm, hgrmSummary, spread, newHistogram, codedError } from './lib/hdr.mjs'
import { percentilePlot, PLOT_PERCENTILES } from './lib/svg.mjs'
import { fullReport } from './lib/report.mjs'
import { machine, machineLabel } from './lib/machine.mjs'
import { installTools, buildPier, pierIsStale } from './lib/install.mjs'
import { runWrk, wrkLoad } from './lib/wrk.mjs'
import { selfTimes, readProfiles } from './lib/cpuprofile.mjs'
import { cpuMeter, cpuList, perRequestUs } from './lib/cpu.mjs'
import { threadMeter, connectionsPerLoop, threadsPerRequest } from './lib/threads.mjs'
import { treePids } from './lib/procs.mjs'
import { gcCounter, gcBetween } from './lib/gc-trace.mjs'
import { generatorLoad, overheadVerdict } from './lib/limits.mjs'

const BENCH = fileURLToPath(new URL('.', import.meta.url))
const BACKEND = join(BENCH, 'backend.mjs')
const log = (msg) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`)
const live = new Set() // every process this run started, for cleanup

async function startBackends(n) {
  const ports = []
  for (let i = 0; i < n; i++) ports.push(await freePort())
  const h = start('backend', process.execPath, [BACKEND, ports.join(',')])
  live.add(h)
  await h.waitForOutput(/backend ready/, 30000)
  return { h, ports }
}

/** One run's pier threads (user + sys µs/request) and client connections per event loop, for the run's log line. */
function fmtThreads(run) {
  const cpu = run.threads.map((x) => `${x.main ? 'main' : x.tid} ${(x.user + x.system).toFixed(1)}`).join(', ')
  return `${cpu} µs/req${run.connections ? `, connections ${run.connections.perLoop.join('/')}` : ''}`
}

async function stopHandle(h) {
  await h.stop()
  live.delete(h)
}

/**
 * Starts target name for model and waits until a request through it answers
 * 200. pier is asked for its API (server-side latency); if it exits with
 * those flags it is started without them and state.pierApi turns false.
 */
async function startTarget(name, model, opts, state, workers = opts.workers) {
  const port = await freePort()
  const dir = targetDir(state.work, `${state.scenario}-w${workers}`, name)
  const ctx = { model, port, workers, dir, cpus: opts.cpus?.proxy, cpuProfDir: opts.cpuProf && state.scenario !== 'idle' ? join(state.profiles, state.scenario) : null, nodeFlags: [...opts.pierNodeFlags, ...(opts.traceGc ? ['--trace-gc'] : [])] }
  const launch = async (c) => {
    const h = TARGETS[name].start(c)
    if (opts.traceGc && name === 'pier') h.gc = gcCounter(h.proc)
    live.add(h)
    try {
      if (h.readyLine) await h.waitForOutput(h.readyLine, 30000)
      await waitHttpOk(port, model.hosts[0].host, 15000, h)
      return h
    } catch (err) {
      await stopHandle(h)
      throw err
    }
  }
  let h
  if (name === 'pier' && state.pierApi) {
    try {
      h = await launch({ ...ctx, apiPort: (ctx.apiPort = await freePort()) })
    } catch (err) {
      if (err.code !== 'EEXITED') throw err // slow, not refusing the flags: no point retrying
      state.pierApi = false
      delete ctx.apiPort
      state.pierApiNote = `pier did not start with --api.insecure/--metrics.prometheus (${err.message.split('\n')[0]}); server-side latency n/a`
      log(state.pierApiNote)
    }
  }
  if (!h) h = await launch(ctx)
  return { name, h, port, apiPort: ctx.apiPort ?? null, pid: h.pid }
}

/** pier's merged server-side distribution, or null with the reason logged. */
async function pierServerHgrm(apiPort) {
  if (!apiPort) return null
  await sleep(1500) // the primary merges the workers' histograms every second
  try {
    const res = await fetch(`http://127.0.0.1:${apiPort}/api/pier/latency?format=hgrm`, { signal: AbortSignal.timeout(5000) })
    if (res.status !== 200) throw codedError('EPIERAPI', `GET /api/pier/latency?format=hgrm answered ${res.status}`)
    const text = await res.text()
    return { text, summary: hgrmSummary(parseHgrm(text)) }
  } catch (err) {
    log(`pier server-side latency n/a: ${err.message}${err.cause ? ` (${err.cause.code ?? err.cause.message})` : ''}`)
    return null
  }
}

/** Idle RSS of every proxy target with 2 workers, all started side by side on the 1-backend model. */
async function idleRss(opts, state, names) {
  const { h: backend, ports } = await startBackends(1)
  const model = modelFor(SCENARIOS[0], ports)
  const idleState = { ...state, scenario: 'idle', pierApi: false }
  const out = await Promise.all(
    names
      .filter((n) => n !== 'direct')
      .map(async (name) => {
        try {
          const t = await startTarget(name, model, opts, idleState, 2)
          await sleep(opts.mode === 'full' ? 2000 : 500)
          const rssMB = treeRssMB(t.pid)
          await stopHandle(t.h)
          return { target: name, workers: 2, rssMB }
        } catch (err) {
          return { target: name, workers: 2, error: err.message.split('\n')[0] }
        }
      }),
  )
  await stopHandle(backend)
  return out
}

/** The median of each field of per-run objects (null where no run has one). */
function medians(list) {
  const rows = list.filter(Boolean)
  if (!rows.length) return null
  return Object.fromEntries(Object.keys(rows[0]).map((k) => [k, rows.some((r) => r[k] == null) ? null : spread(rows.map((r) => r[k])).median]))
}

/** One target's figures over its runs: medians (req/s with min and max), merged histograms. */
function targetRow(t) {
  const rps = spread(t.runs.map((x) => x.rps))
  const lat = t.runs.map((x) => summarize(x.histogram))
  const med = (k) => spread(lat.map((l) => l[k])).median
  const merged = newHistogram()
  for (const x of t.runs) merged.add(x.histogram)
  const cpuUs = medians(t.runs.map((x) => perRequestUs(x.cpu, x.ok)))
  return {
    target: t.name,
    rps: rps.median,
    rpsMin: rps.min,
    rpsMax: rps.max,
    p50: med('p50'),
    p90: med('p90'),
    p99: med('p99'),
    p999: med('p999'),
    errors: t.runs.reduce((n, x) => n + x.errors, 0),
    rssMB: Math.max(...t.runs.map((x) => x.rssMB)),
    idleRssMB: t.idleRssMB,
    // CPU µs per request of the target's process tree (user, system, total; medians over runs)
    cpuUs: cpuUs && { ...cpuUs, total: cpuUs.user + cpuUs.system },
    backendCpuUs: t.name === 'direct' ? null : medians(t.runs.map((x) => perRequestUs(x.backendCpu, x.ok))),
    loadgen: medians(t.runs.map((x) => x.loadgen && { ...x.loadgen, cpusBusy: x.loadgenCpusBusy })),
    proxyCpusBusy: medians(t.runs.map((x) => x.proxyCpusBusy != null && { busy: x.proxyCpusBusy }))?.busy ?? null,
    ...(t.runs[0].threads ? { threads: t.runs[Math.floor(t.runs.length / 2)].threads, connections: t.runs[Math.floor(t.runs.length / 2)].connections } : {}),
    fixed: t.fixed.row,
    server: t.server?.summary ?? null,
    // kept out of the JSON: written as .hgrm and plotted
    _hist: merged,
    _fixedHist: t.fixed.histogram,
    _fixedService: t.fixed.service,
    _serverHgrm: t.server?.text ?? null,
  }
}

async function runScenario(s, opts, state, lg, sat, names) {
  log(`scenario ${s.name}: ${s.what}`)
  state.scenario = s.name
  const { h: backend, ports } = await startBackends(s.backends)
  const model = modelFor(s, ports)
  const spec = requestSpec(s, model)
  // wrk counts every server-closed connection as a read error, and its 1 MiB
  // POSTs failed through the proxies here: those scenarios stay on autocannon
  const gen = opts.loadgen === 'wrk' && !s.bodyBytes && !s.newConnectionPerRequest ? sat : lg
  // started side by side (they idle until their turn); kept in the given order
  const started = await Promise.all(
    names.map((name) =>
      name === 'direct'
        ? { name, port: ports[0], pid: backend.pid, apiPort: null }
        : startTarget(name, model, opts, state).catch((err) => {
            log(`${name} failed to start: ${err.message.split('\n')[0]}`)
            return { name, error: err.message }
          }),
    ),
  )
  const targets = started.filter((t) => !t.error)
  const failed = started.filter((t) => t.error).map((t) => ({ target: t.name, error: t.error }))
  const url = (t) => `http://127.0.0.1:${t.port}`
  await sleep(300)
  for (const t of targets) t.idleRssMB = treeRssMB(t.pid)

  if (opts.warmupS > 0) for (const t of targets) await gen.run({ ...spec, url: url(t), durationS: opts.warmupS, connections: opts.connections })
  for (const t of targets) t.runs = []
  const cpuSets = opts.cpus ? { loadgen: cpuList(opts.cpus.loadgen), proxy: cpuList(opts.cpus.proxy) } : {}
  for (let r = 0; r < opts.repeats; r++) {
    // rotate the order each repeat so no target always runs first or last
    const order = targets.map((_, i) => targets[(i + r) % targets.length])
    for (const t of order) {
      const stopRss = rssSampler(t.pid)
      const meter = cpuMeter({ target: t.pid, backend: backend.pid }, cpuSets)
      const threads = t.name === 'pier' ? threadMeter(t.pid) : null
      const gcBefore = t.h?.gc?.()
      // connections per event loop, read halfway through while every connection is open
      let connections = null
      const peek = setTimeout(() => (connections = connectionsPerLoop(treePids(t.pid), t.port)), (opts.durationS * 1000) / 2)
      const res = await gen.run({ ...spec, url: url(t), durationS: opts.durationS, connections: opts.connections })
      clearTimeout(peek)
      const { spent, busy } = meter()
      const run = { ...res, rssMB: stopRss(), cpu: spent.target, backendCpu: spent.backend, loadgen: generatorLoad(res, opts.loadgenProcs), loadgenCpusBusy: busy.loadgen ?? null, proxyCpusBusy: busy.proxy ?? null }
      if (threads) run.threads = threadsPerRequest(threads(), res.ok)
      if (threads && connections) run.connections = connections
      if (gcBefore) run.gc = gcBetween(gcBefore, t.h.gc())
      t.runs.push(run)
      const cpu = perRequestUs(run.cpu, res.ok)
      log(
        `  ${s.name} ${t.name} run ${r + 1}/${opts.repeats}: ${Math.round(res.rps)} req/s, p99 ${summarize(res.histogram).p99.toFixed(2)} ms, ${res.errors} errors` +
          `, CPU ${cpu ? `${cpu.user.toFixed(1)} user + ${cpu.system.toFixed(1)} sys µs/req` : 'n/a'}, generator busy ${run.loadgen ? Math.round(run.loadgen.busy * 100) + '%' : 'n/a'}` +
          (run.gc ? `, GC ${run.gc.map((g) => `${g.scavenges}+${g.majors} in ${g.ms.toFixed(1)} ms (max ${g.maxMs.toFixed(2)})`).join(' / ') || 'none'}` : '') +
          (run.threads ? `, threads ${fmtThreads(run)}` : ''),
      )
    }
  }
  for (const t of targets) {
    const server = await pierServerHgrm(t.apiPort)
    if (server) t.server = server
  }
  let wrkCheck = null
  if (s.name === '1-backend' && opts.loadgen === 'autocannon' && which('wrk') && targets.some((t) => t.name === 'direct')) {
    try {
      const w = runWrk({ url: `http://127.0.0.1:${ports[0]}/`, host: 'bench.local', threads: opts.loadgenProcs, connections: opts.connections, durationS: opts.durationS, cpus: opts.cpus?.loadgen })
      wrkCheck = { wrkRps: w.rps, wrkLoad: generatorLoad({ loadgenCpu: w.loadgenCpu, ok: w.requests, durationS: opts.durationS }, opts.loadgenProcs) }
      log(`  wrk against the bare backend: ${Math.round(w.rps)} req/s`)
    } catch (err) {
      log(`  wrk check failed: ${err.message}`)
    }
  }

  const saturated = targets.map((t) => spread(t.runs.map((x) => x.rps)).median)
  const rate = fixedRate(s, saturated)
  for (const t of targets) {
    const meter = cpuMeter({ target: t.pid })
    const res = await lg.run({ ...spec, url: url(t), durationS: opts.rateDurationS, connections: opts.rateConnections, overallRate: rate })
    const { spent } = meter()
    const cpuUs = perRequestUs(spent.target, res.ok)
    const service = summarize(res.service)
    const lag = summarize(res.tickLag)
    t.fixed = {
      row: { rate, rps: res.rps, errors: res.errors, ...summarize(res.histogram), serviceP50: service.p50, serviceP99: service.p99, generatorLagP99: lag.p99, waited: res.waited, cpuUs },
      histogram: res.histogram,
      service: res.service,
    }
    log(`  ${s.name} ${t.name} at ${rate} req/s: p50 ${t.fixed.row.p50.toFixed(2)} p99 ${t.fixed.row.p99.toFixed(2)} ms from the due time (service p99 ${service.p99.toFixed(2)}, generator lag p99 ${lag.p99.toFixed(2)}, ${res.waited} waited for a connection), ${res.errors} errors`)
  }
  await Promise.all(targets.filter((t) => t.h).map((t) => stopHandle(t.h)))
  await stopHandle(backend)
  const profile = opts.cpuProf ? selfTimes(readProfiles(join(state.profiles, s.name))).slice(0, 15) : null
  if (profile) for (const f of profile) log(`  pier cpu ${(f.share * 100).toFixed(1)}% ${f.ms.toFixed(0)} ms ${f.fn} ${f.where} <- ${f.caller}`)

  const rows = targets.map(targetRow)
  const byName = (n) => rows.find((x) => x.target === n)
  for (const row of rows) {
    row.ratioDirect = byName('direct')?.rps ? row.rps / byName('direct').rps : null
    row.ratioNginx = byName('nginx')?.rps ? row.rps / byName('nginx').rps : null
  }
  // the overhead target: pier's p99 minus direct's at the same fixed rate, from the due times
  const pierOverhead = overheadVerdict(byName('pier')?.fixed, byName('direct')?.fixed)
  const pierOverheadP99Ms = pierOverhead?.p99Ms ?? null
  return { name: s.name, what: s.what, loadgen: gen === lg ? 'autocannon' : 'wrk', fixedRate: rate, pierOverheadP99Ms, pierOverhead, targets: rows, failed, wrkCheck, ...(profile ? { pierProfile: profile } : {}) }
}

function writeScenarioFiles(dir, sc) {
  const points = (h) => PLOT_PERCENTILES.map((p) => ({ percentile: p, ms: h.getValueAtPercentile(p) / 1000 }))
  mkdirSync(join(dir, sc.name), { recursive: true })
  for (const t of sc.targets) {
    writeFileSync(join(dir, sc.name, `${t.target}.hgrm`), toHgrm(t._hist))
    writeFileSync(join(dir, sc.name, `${t.target}-rate.hgrm`), toHgrm(t._fixedHist))
    writeFileSync(join(dir, sc.name, `${t.target}-rate-service.hgrm`), toHgrm(t._fixedService))
    if (t._serverHgrm) writeFileSync(join(dir, sc.name, `${t.target}-server.hgrm`), t._serverHgrm)
  }
  writeFileSync(join(dir, `${sc.name}.svg`), percentilePlot(`${sc.name}: latency by percentile at saturation`, sc.targets.map((t) => ({ name: t.target, points: points(t._hist) }))))
  writeFileSync(
    join(dir, `${sc.name}-rate.svg`),
    percentilePlot(`${sc.name}: latency by percentile at ${sc.fixedRate} req/s`, sc.targets.map((t) => ({ name: t.target, points: points(t._fixedHist) }))),
  )
}

const stripPrivate = (sc) => ({ ...sc, targets: sc.targets.map((t) => Object.fromEntries(Object.entries(t).filter(([k]) => !k.startsWith('_')))) })

async function main() {
  const opts = parseOptions(process.argv.slice(2))
  if (opts.help) return console.log(USAGE)
  if (opts.install) for (const note of installTools(log)) log(`install: ${note}`)
  if (opts.build && opts.targets.includes('pier')) {
    if (!pierIsStale()) log('pier is built and newer than every file under src/; not rebuilding')
    else if (!buildPier(log)) throw codedError('ENOPIER', 'pier did not build: dist/cli.js is missing')
  }

  const names = []
  const skipped = []
  for (const name of opts.targets) {
    const why = TARGETS[name].available()
    if (why && name === 'pier') throw codedError('ENOPIER', `cannot benchmark pier: ${why}`)
    if (why) {
      log(`skipping ${name}: ${why}`)
      skipped.push({ target: name, reason: why })
    } else names.push(name)
  }
  const m = machine()
  const versions = Object.fromEntries(names.map((n) => [n, TARGETS[n].version()]))
  const autocannon = `autocannon ${JSON.parse(readFileSync(join(BENCH, '../node_modules/autocannon/package.json'), 'utf8')).version} in ${opts.loadgenProcs} process(es)`
  const lgDesc = `${opts.loadgen === 'wrk' ? `wrk (${opts.loadgenProcs} thread(s))` : autocannon} at saturation, the open-loop generator (lib/openloop.mjs, same processes) at the fixed rate`
  m.loadgen = opts.cpus ? `${lgDesc} pinned to cpu ${opts.cpus.loadgen}` : `${lgDesc}, not pinned`
  m.placement = opts.cpus
    ? `load generator on cpu ${opts.cpus.loadgen}, proxy on cpu ${opts.cpus.proxy}, backends unpinned` +
      (m.cores <= 2 ? `: with ${m.cores} cores the backends share cores with both the load generator and the proxy` : '')
    : `nothing pinned: load generator, proxy and backends share all ${m.cores} cores`
  m.versions = versions
  m.loadAvgStart = os.loadavg().map((x) => +x.toFixed(2))
  if (m.loadAvgStart[0] > m.cores) log(`warning: load average ${m.loadAvgStart[0]} on ${m.cores} cores: other work is running and will skew the figures`)

  const date = new Date().toISOString()
  const outDir = opts.out ?? join(BENCH, 'results', `${machineLabel(m)}-${date.slice(0, 10)}-${date.slice(11, 19).replace(/:/g, '')}`)
  mkdirSync(outDir, { recursive: true })
  const state = { work: mkdtempSync(join(os.tmpdir(), 'pier-bench-')), profiles: join(outDir, 'profiles'), pierApi: true, pierApiNote: null, scenario: '' }
  log(`${opts.mode} run: ${names.join(', ')} x ${opts.scenarios.join(', ')}; ${m.placement}; results in ${outDir}`)

  const lg = await startLoadgen({ procs: opts.loadgenProcs, cpus: opts.cpus?.loadgen })
  live.add(lg)
  const sat = opts.loadgen === 'wrk' ? wrkLoad({ threads: opts.loadgenProcs, cpus: opts.cpus?.loadgen, dir: state.work }) : lg
  try {
    const idle = opts.mode === 'smoke' ? [] : await idleRss(opts, state, names)
    const scenarios = []
    for (const s of SCENARIOS.filter((x) => opts.scenarios.includes(x.name))) {
      const sc = await runScenario(s, opts, state, lg, sat, names)
      writeScenarioFiles(outDir, sc)
      scenarios.push(sc)
    }
    m.loadAvgEnd = os.loadavg().map((x) => +x.toFixed(2))
    const one = scenarios.find((s) => s.name === '1-backend')
    const results = {
      version: 2,
      date,
      mode: opts.mode,
      machine: m,
      workers: opts.workers,
      repeats: opts.repeats,
      durationS: opts.durationS,
      warmupS: opts.warmupS,
      connections: opts.connections,
      loadgenCores: opts.loadgenProcs,
      rateConnections: opts.rateConnections,
      rateDurationS: opts.rateDurationS,
      method:
        `Saturation load by ${opts.loadgen}${opts.loadgen === 'wrk' ? ' (latency distribution rebuilt from its percentile curve at 0.1%/0.01%/0.001% steps)' : ''}. ` +
        `${opts.warmupS} s warm-up per target, then ${opts.repeats} run(s) of ${opts.durationS} s at ${opts.connections} connections, interleaved across targets in a rotating order; ` +
        `figures are medians over runs (min-max for req/s), latency from µs HDR histograms; then ${opts.rateDurationS} s per target at a fixed rate ` +
        `below the slowest target's saturation, by an open-loop generator (requests evenly spaced, due times kept by a metronome thread, ${opts.rateConnections} keep-alive connections; ` +
        `latency from each request's due time, so a stall is charged for every request it holds back: no coordinated omission). ` +
        `CPU per request is user and system time from /proc over the target's whole process tree (direct: the backend) divided by the responses. ` +
        `Errors count socket errors, timeouts and non-2xx. RSS is the whole process tree, peak while loaded.` +
        (state.pierApiNote ? ` ${state.pierApiNote}.` : ''),
      loadgenCeiling: one?.wrkCheck
        ? { autocannonRps: one.targets.find((t) => t.target === 'direct')?.rps ?? null, wrkRps: one.wrkCheck.wrkRps, wrkLoad: one.wrkCheck.wrkLoad }
        : null,
      skipped,
      idle,
      scenarios: scenarios.map(({ wrkCheck, ...sc }) => stripPrivate(sc)),
    }
    writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n')
    writeFileSync(join(outDir, 'report.md'), fullReport(results))
    if (opts.latest) copyFileSync(join(outDir, 'results.json'), join(BENCH, 'results', opts.mode === 'scoreboard' ? 'scoreboard.json' : 'latest.json'))
    process.stdout.write('\n' + fullReport(results))
    log(`results: ${join(outDir, 'results.json')}`)
  } finally {
    await cleanup()
    rmSync(state.work, { recursive: true, force: true })
  }
}

async function cleanup() {
  await Promise.all([...live].map((h) => h.stop()))
  live.clear()
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    log(`${sig}: stopping every process this run started`)
    cleanup().finally(() => process.exit(130))
  })
}

main().catch(async (err) => {
  console.error(`bench: ${err.code ? err.code + ': ' : ''}${err.message}`)
  await cleanup()
  process.exit(1)
})
