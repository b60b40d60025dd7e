// Where pier's CPU goes per request, for before/after comparisons of hot-path
// work: user vs system time (/proc), per thread, client connections per
// worker event loop (the SO_REUSEPORT spread), then by category from `perf`
// (kernel, uWS native, JIT'd JavaScript by origin, V8 builtins, GC, Node C++,
// libc) and from node --cpu-prof (the JavaScript view). Placed as the
// scoreboard is: wrk and the backends on cpu 0, pier on the last cpu.
// Usage: node bench/breakdown/run.mjs --help
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnSync } from 'node:child_process'
import { start, freePort, sleep, treePids } from '../lib/procs.mjs'
import { SCENARIOS, SCENARIO_NAMES, modelFor, requestSpec } from '../lib/scenarios.mjs'
import { TARGETS, waitHttpOk, which } from '../lib/targets.mjs'
import { wrkLoad } from '../lib/wrk.mjs'
import { cpuMeter, perRequestUs } from '../lib/cpu.mjs'
import { threadMeter, threadsPerRequest, connectionsPerLoop, spreadNote } from '../lib/threads.mjs'
import { readProfiles } from '../lib/cpuprofile.mjs'
import { parsePerfReport, perfBreakdown, profileBreakdown, breakdownTable, compareBreakdowns } from '../lib/breakdown.mjs'
import { machine } from '../lib/machine.mjs'

const USAGE = `usage: node bench/breakdown/run.mjs [options]
  --scenario=NAME     ${SCENARIO_NAMES.filter((n) => n !== 'post-1m' && n !== 'no-keepalive').join(', ')} (rr-2, the scoreboard scene)
  --workers=N[,M]     pier workers; several counts are measured one after the other (1)
  --duration=S        seconds of each measured wrk run (8)
  --warmup=S          seconds of wrk before each measured run (2)
  --connections=N     wrk connections (50)
  --pier-cpus=LIST    taskset list for pier (the last cpu; with 1 core nothing is pinned)
  --frequency=HZ      perf sampling frequency (999)
  --no-perf           skip the perf view          --no-cpu-prof   skip the cpu-prof view
  --label=TEXT        what this measures, for --compare (default: the git commit)
  --out=FILE          save the figures as JSON (bench/results/breakdown-<commit>.json)
  --compare=A,B       print before (A) and after (B) from two saved files; measures nothing`

function parse(argv) {
  const o = { scenario: 'rr-2', workers: [1], duration: 8, warmup: 2, connections: 50, frequency: 999, perf: true, cpuProf: true }
  for (const arg of argv) {
    const m = /^--(no-)?([a-z-]+)(?:=(.*))?$/.exec(arg)
    if (!m) throw new Error(`unexpected argument "${arg}"\n${USAGE}`)
    const [, no, key, v] = m
    if (key === 'help') o.help = true
    else if (key === 'perf' || key === 'cpu-prof') o[key === 'perf' ? 'perf' : 'cpuProf'] = !no
    else if (key === 'scenario' && SCENARIO_NAMES.includes(v) && v !== 'post-1m' && v !== 'no-keepalive') o.scenario = v
    else if (key === 'workers' && /^\d+(,\d+)*$/.test(v ?? '')) o.workers = v.split(',').map(Number)
    else if (['duration', 'warmup', 'connections', 'frequency'].includes(key) && Number(v) >= (key === 'warmup' ? 0 : 1)) o[key] = Number(v)
    else if (['pier-cpus', 'label', 'out', 'compare'].includes(key) && v) o[key.replace(/-(.)/, (_, c) => c.toUpperCase())] = v
    else throw new Error(`bad option "${arg}"\n${USAGE}`)
  }
  return o
}

const log = (msg) => console.log(`[breakdown ${new Date().toISOString().slice(11, 19)}] ${msg}`)
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const commit = () => spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown'

/** Why perf cannot sample here, or null when it can. */
function perfProblem() {
  if (!which('perf')) return 'no perf on PATH (apt-get install linux-perf)'
  const r = spawnSync('perf', ['stat', '-e', 'cpu-clock', 'true'], { encoding: 'utf8' })
  return r.status === 0 ? null : `perf stat -e cpu-clock true failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-1)[0]}`
}

async function main() {
  const o = parse(process.argv.slice(2))
  if (o.help) return console.log(USAGE)
  if (o.compare) {
    const [a, b] = o.compare.split(',').map((f) => JSON.parse(readFileSync(f, 'utf8')))
    if (!a || !b) throw new Error('--compare needs two files: --compare=before.json,after.json')
    for (const ra of a.runs) {
      const rb = b.runs.find((x) => x.workers === ra.workers)
      if (!rb) continue
      console.log(`## ${ra.workers} worker(s), ${a.scenario}\n`)
      console.log(compareBreakdowns({ ...ra, label: a.label }, { ...rb, label: b.label }))
    }
    return
  }
  const cores = availableParallelism()
  const loadCpu = cores >= 2 ? '0' : undefined
  const pierCpus = o.pierCpus ?? (cores >= 2 ? String(cores - 1) : undefined)
  const perfWhy = o.perf ? perfProblem() : 'off (--no-perf)'
  const s = SCENARIOS.find((x) => x.name === o.scenario)
  const work = mkdtempSync(join(tmpdir(), 'pier-breakdown-'))
  const live = new Set()
  const ports = []
  for (let i = 0; i < s.backends; i++) ports.push(await freePort())
  const backend = start('backend', process.execPath, [join(ROOT, 'bench/backend.mjs'), ports.join(',')], { cpus: loadCpu })
  live.add(backend)
  const model = modelFor(s, ports)
  const spec = requestSpec(s, model)
  const wrk = wrkLoad({ threads: 1, cpus: loadCpu, dir: work })
  const label = o.label ?? `pier ${commit()}`
  const result = {
    label,
    date: new Date().toISOString(),
    machine: { ...machine(), loadAvgStart: loadavg().map((x) => +x.toFixed(2)) },
    scenario: s.name,
    placement: loadCpu ? `wrk and backends on cpu ${loadCpu}, pier on cpu ${pierCpus}` : 'nothing pinned (1 core)',
    load: `wrk, 1 thread, ${o.connections} connections, ${o.warmup} s warm-up then ${o.duration} s`,
    perf: perfWhy,
    runs: [],
  }
  log(`${label}: ${s.name}, workers ${o.workers.join(', ')}; ${result.placement}; load average ${result.machine.loadAvgStart.join(' ')}; perf: ${perfWhy ?? 'on'}`)

  /** Starts pier with extra node flags, runs warm-up and the measured wrk run; during(h) runs alongside the measured run. */
  async function measure(workers, { nodeFlags = [], cpuProfDir = null, during = null } = {}) {
    const port = await freePort()
    const h = TARGETS.pier.start({ model, port, workers, dir: work, cpus: pierCpus, nodeFlags, cpuProfDir })
    live.add(h)
    try {
      await h.waitForOutput(h.readyLine, 30_000)
      await waitHttpOk(port, model.hosts[0].host, 15_000, h)
      const url = `http://127.0.0.1:${port}`
      if (o.warmup > 0) await wrk.run({ ...spec, url, durationS: o.warmup, connections: o.connections })
      const meter = cpuMeter({ pier: h.pid })
      const threads = threadMeter(h.pid)
      let connections = null
      const peek = setTimeout(() => (connections = connectionsPerLoop(treePids(h.pid), port)), (o.duration * 1000) / 2)
      const [res, extra] = await Promise.all([wrk.run({ ...spec, url, durationS: o.duration, connections: o.connections }), during ? during(h) : null])
      clearTimeout(peek)
      const { spent } = meter()
      return { h, res, extra, cpuUs: perRequestUs(spent.pier, res.ok), threads: threadsPerRequest(threads(), res.ok), connections }
    } finally {
      await h.stop()
      live.delete(h)
    }
  }

  try {
    await backend.waitForOutput(/backend ready/)
    for (const workers of o.workers) {
      const run = { workers }
      const plain = await measure(workers)
      run.proc = { rps: plain.res.rps, errors: plain.res.errors, cpuUs: plain.cpuUs, threads: plain.threads, connections: plain.connections }
      log(`${workers} worker(s): ${Math.round(plain.res.rps)} req/s, ${plain.cpuUs.user.toFixed(1)} user + ${plain.cpuUs.system.toFixed(1)} system µs/request`)
      if (!perfWhy) {
        const data = join(work, `perf-${workers}.data`)
        const recordS = Math.max(1, o.duration - 1)
        const during = async (h) => {
          await sleep(500)
          const rec = start('perf', 'perf', ['record', '-e', 'cpu-clock', '-F', String(o.frequency), '-p', String(h.pid), '-o', data, '--', 'sleep', String(recordS)])
          live.add(rec)
          await rec.exited
          live.delete(rec)
          return { pid: h.pid }
        }
        const p = await measure(workers, { nodeFlags: ['--perf-basic-prof'], during })
        const report = (sort) => spawnSync('perf', ['report', '-i', data, '--stdio', '--no-children', '--sort', sort, '-F', `sample,${sort}`, '-t', '\t'], { encoding: 'utf8', maxBuffer: 64 << 20 })
        const rows = parsePerfReport(report('dso,sym').stdout)
        const samples = rows.reduce((a, r) => a + r.samples, 0)
        // the requests served while perf recorded, at the run's rate
        const requests = p.res.rps * recordS
        const perThread = report('pid').stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
          const [n, who] = l.split('\t').map((x) => x.trim())
          return { thread: who, usPerRequest: ((Number(n) / o.frequency) * 1e6) / requests }
        })
        run.perf = {
          samples,
          usPerRequest: ((samples / o.frequency) * 1e6) / requests,
          procUsPerRequest: p.cpuUs.total,
          categories: perfBreakdown(rows),
          threads: perThread.sort((a, b) => b.usPerRequest - a.usPerRequest),
        }
        rmSync(`/tmp/perf-${p.extra.pid}.map`, { force: true })
      }
      if (o.cpuProf) {
        const dir = join(work, `cpuprof-${workers}`)
        const c = await measure(workers, { cpuProfDir: dir })
        const profiles = readProfiles(dir)
        run.cpuProf = profiles.length
          ? { profiles: profiles.length, usPerRequest: plain.cpuUs.total, underProfilerUs: c.cpuUs.total, categories: profileBreakdown(profiles) }
          : { error: `pier wrote no .cpuprofile in ${dir}` }
      }
      result.runs.push(run)
    }
  } finally {
    await Promise.all([...live].map((h) => h.stop()))
    rmSync(work, { recursive: true, force: true })
  }
  const text = report(result)
  process.stdout.write('\n' + text)
  const out = o.out ?? join(ROOT, 'bench/results', `breakdown-${commit()}.json`)
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n')
  log(`figures saved to ${out} (compare two with --compare=before.json,after.json)`)
}

function report(r) {
  const out = [`# pier CPU breakdown: ${r.label}, ${r.scenario}`, '', `${r.date}; ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}; ${r.placement}; ${r.load}; load average at start ${r.machine.loadAvgStart.join(' ')}${r.machine.loadAvgStart[0] > r.machine.cores / 2 ? ' (other work on the machine: figures are noisy)' : ''}.`, '']
  for (const run of r.runs) {
    const p = run.proc
    out.push(`## ${run.workers} worker(s)`, '', `${Math.round(p.rps).toLocaleString('en-US')} req/s; /proc, pier's whole process: ${p.cpuUs.user.toFixed(1)} µs user + ${p.cpuUs.system.toFixed(1)} µs system = ${p.cpuUs.total.toFixed(1)} µs per request.`, '')
    out.push(`Threads (user + system µs/request; Node names none, the main thread is the primary): ${p.threads.map((t) => `${t.main ? 'main' : t.tid} ${t.user.toFixed(1)} + ${t.system.toFixed(1)}`).join(', ')}.`, '')
    if (p.connections) out.push(`Client connections per worker event loop (read halfway through): ${spreadNote(p.connections, run.workers)}.`, '')
    if (run.perf) {
      out.push(
        `perf (${run.perf.samples} cpu-clock samples, every thread): which code the CPU ran; ${run.perf.usPerRequest.toFixed(1)} µs per request sampled (the same run's /proc: ${run.perf.procUsPerRequest.toFixed(1)}; perf also charges the process with network softirq work that /proc may count to no process):`,
        '',
        breakdownTable(run.perf.categories, run.perf.usPerRequest, (t) => `${t.sym.slice(0, 70)} (${t.dso.startsWith('[JIT]') ? 'JIT' : t.dso})`),
        '',
        `Per thread (perf, µs/request): ${run.perf.threads.slice(0, 6).map((t) => `${t.thread} ${t.usPerRequest.toFixed(1)}`).join(', ')}.`,
        '',
      )
    } else out.push(`perf: ${r.perf}.`, '')
    if (run.cpuProf?.categories) {
      out.push(
        `cpu-prof (${run.cpuProf.profiles} thread profiles over pier's whole life, start-up included, idle left out): which JavaScript frame was on top, so a native call's time, kernel included, counts to the function that made it; µs are shares of the plain run's ${run.cpuProf.usPerRequest.toFixed(1)} µs (under the profiler: ${run.cpuProf.underProfilerUs.toFixed(1)}):`,
        '',
        breakdownTable(run.cpuProf.categories, run.cpuProf.usPerRequest, (t) => `${t.fn} ${t.where}`.trim()),
        '',
      )
    } else if (run.cpuProf) out.push(`cpu-prof: ${run.cpuProf.error}.`, '')
  }
  return out.join('\n') + '\n'
}

main().catch((err) => {
  console.error(`breakdown: ${err.message}`)
  process.exit(1)
})
