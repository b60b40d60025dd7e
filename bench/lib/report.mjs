// Markdown from a results object (bench/results/*/results.json): the full
// per-scenario report of a run, and the compact README tables.
import { generatorNotes, generatorVerdict, overheadSentence } from './limits.mjs'
import { spreadNote } from './threads.mjs'

const int = (n) => (n == null ? 'n/a' : Math.round(n).toLocaleString('en-US'))
const ms = (n) => (n == null ? 'n/a' : n < 10 ? n.toFixed(2) : n.toFixed(1))
const ratio = (n) => (n == null ? 'n/a' : n.toFixed(2))
const mb = (n) => (n == null ? 'n/a' : n.toFixed(0))

export function machineLine(r) {
  const m = r.machine
  return `${m.cpu}, ${m.cores} cores, ${m.arch}, ${m.kernel}, Node ${m.node}; ${r.workers} worker(s) per proxy; ${m.placement}`
}

/** Whether other work loaded the machine during the run (1-minute load average above the core count). */
const busy = (r) => Math.max(r.machine.loadAvgStart?.[0] ?? 0, r.machine.loadAvgEnd?.[0] ?? 0) > r.machine.cores

const cpu = (c) => (c ? `${c.user.toFixed(1)} + ${c.system.toFixed(1)}` : 'n/a')
const pct = (x) => (x == null ? 'n/a' : `${Math.round(x * 100)}%`)

/** pier's threads and how its connections spread over its event loops, when measured. */
function threadsLine(t, workers) {
  if (!t.threads?.length) return null
  const threads = t.threads.map((x) => `${x.main ? 'main' : x.tid} ${x.user.toFixed(1)} + ${x.system.toFixed(1)}`).join(', ')
  const conns = t.connections ? `; client connections per event loop: ${spreadNote(t.connections, workers)}` : ''
  return `${t.target}'s threads, user + sys µs/request: ${threads}${conns}.`
}

/** The whole report of one run. */
export function fullReport(r) {
  const out = [`# pier benchmark, ${r.date} (${r.mode})`, '', `Machine: ${machineLine(r)}.`, '']
  if (r.machine.loadAvgStart) out.push(`Load average (1, 5, 15 min) at start ${r.machine.loadAvgStart.join(', ')}, at end ${r.machine.loadAvgEnd?.join(', ') ?? 'n/a'}${busy(r) ? ': other work shared the machine, so the figures are low and noisy' : ''}.`, '')
  out.push(`Load generator: ${r.machine.loadgen}. Versions: ${Object.entries(r.machine.versions).map(([k, v]) => `${k}: ${v}`).join('; ')}.`, '')
  if (r.loadgenCeiling) {
    const w = r.loadgenCeiling.wrkLoad
    out.push(`Load-generator check (1-backend, direct): autocannon ${int(r.loadgenCeiling.autocannonRps)} req/s, wrk ${int(r.loadgenCeiling.wrkRps)} req/s with the same connections and cores${w ? ` (wrk busy ${pct(w.busy)} of its cores)` : ''}.`, '')
  }
  for (const s of r.skipped) out.push(`- skipped ${s.target}: ${s.reason}`)
  if (r.skipped.length) out.push('')
  out.push(`Method: ${r.method}`, '')
  if (r.idle?.length) {
    out.push('## Idle RSS with 2 workers', '', '| target | RSS MB |', '|---|---:|')
    for (const t of r.idle) out.push(`| ${t.target} | ${t.error ? 'failed: ' + t.error : mb(t.rssMB)} |`)
    out.push('')
  }
  for (const s of r.scenarios) {
    out.push(`## ${s.name}`, '', `${s.what}. Saturation load by ${s.loadgen ?? 'autocannon'}.`, '')
    out.push(
      '| target | req/s (min-max) | ×direct | ×nginx | p50 ms | p90 ms | p99 ms | p99.9 ms | CPU µs/req user + sys | generator busy | errors | RSS MB idle/load | pier server-side p50 / p99 ms |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    )
    for (const t of s.targets) {
      const server = t.server ? `${ms(t.server.p50)} / ${ms(t.server.p99)}` : t.target === 'pier' ? 'n/a' : ''
      out.push(
        `| ${t.target} | ${int(t.rps)} (${int(t.rpsMin)}-${int(t.rpsMax)}) | ${ratio(t.ratioDirect)} | ${ratio(t.ratioNginx)} | ${ms(t.p50)} | ${ms(t.p90)} | ${ms(t.p99)} | ${ms(t.p999)} | ${cpu(t.cpuUs)} | ${pct(t.loadgen?.busy)} | ${t.errors} | ${mb(t.idleRssMB)} / ${mb(t.rssMB)} | ${server} |`,
      )
    }
    for (const f of s.failed) out.push(`| ${f.target} | failed: ${f.error.split('\n')[0]} ||||||||||||`)
    const notes = [...generatorNotes(s), ...s.targets.map((t) => threadsLine(t, r.workers)).filter(Boolean)]
    if (notes.length) out.push('', ...notes.map((n) => `- ${n}`))
    out.push(
      '',
      `At ${int(s.fixedRate)} req/s, paced evenly, latency from each request's due time (service: from when it was sent; generator lag: how late the generator's loop saw the due times, its own part; waited: requests that found every connection busy):`,
      '',
    )
    out.push('| target | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | service p99 ms | generator lag p99 ms | waited | CPU µs/req user + sys | errors |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for (const t of s.targets) {
      const f = t.fixed
      if (!f) continue
      out.push(`| ${t.target} | ${int(f.rps)} | ${ms(f.p50)} | ${ms(f.p90)} | ${ms(f.p99)} | ${ms(f.p999)} | ${ms(f.serviceP99)} | ${ms(f.generatorLagP99)} | ${f.waited ?? 'n/a'} | ${cpu(f.cpuUs)} | ${f.errors} |`)
    }
    if (s.pierOverhead) out.push('', overheadSentence(s.pierOverhead, s.fixedRate))
    else if (s.pierOverheadP99Ms != null) out.push('', `pier's p99 minus direct's at ${int(s.fixedRate)} req/s: ${ms(s.pierOverheadP99Ms)} ms.`)
    if (s.pierProfile?.length) {
      out.push('', `pier's CPU profile (self time, every thread, whole scenario):`, '', '| share | function | where | called most from |', '|---:|---|---|---|')
      for (const f of s.pierProfile) out.push(`| ${(f.share * 100).toFixed(1)}% | ${f.fn} | ${f.where} | ${f.caller} |`)
    }
    out.push('', `![${s.name} at saturation](${s.name}.svg) ![${s.name} at ${s.fixedRate} req/s](${s.name}-rate.svg)`, '')
  }
  return out.join('\n') + '\n'
}

/** Where and when a results object was measured, for the README: machine, pier's commit, a shared-machine warning. */
function measuredOn(r) {
  const shared = busy(r) ? ` (a shared machine: load average ${r.machine.loadAvgStart[0]} at start, so the figures are low and noisy)` : ''
  const pier = r.machine.versions?.pier ? `, ${r.machine.versions.pier}` : ''
  return `Measured ${r.date.slice(0, 10)} (${r.mode} run${pier}) on ${machineLine(r)}${shared}.`
}

/** The generator notes of every scenario, for the README: one line naming where it bounded direct or a proxy. */
function generatorSummary(r) {
  const bound = []
  for (const s of r.scenarios) {
    for (const t of s.targets) {
      const v = t.loadgen ? generatorVerdict(t.loadgen) : null
      if (v?.bound) bound.push(`${s.name} ${t.target} (${s.loadgen ?? 'autocannon'}: ${v.why})`)
    }
  }
  if (!r.scenarios.some((s) => s.targets.some((t) => t.loadgen))) return null
  return bound.length
    ? `The load generator, not the target, was the limit in: ${bound.join('; ')}. There the figure is the generator's, and ratios to direct understate the proxies.`
    : 'The load generator was not the limit for any target (it had idle time on its cores in every run).'
}

/** The README fragment: requests/s and p99 per scenario and target, CPU per request, fixed-rate latency, and how to reproduce. */
export function readmeTable(r) {
  const targets = [...new Set(r.scenarios.flatMap((s) => s.targets.map((t) => t.target)))]
  const cell = (s, name, f) => {
    const t = s.targets.find((x) => x.target === name)
    return t ? f(t) : 'n/a'
  }
  const grid = (heading, f) => {
    out.push(heading, '', `| target | ${r.scenarios.map((s) => s.name).join(' | ')} |`, `|---|${r.scenarios.map(() => '---:').join('|')}|`)
    for (const name of targets) out.push(`| ${name} | ${r.scenarios.map((s) => cell(s, name, f)).join(' | ')} |`)
    out.push('')
  }
  const out = [measuredOn(r), '']
  grid(`Requests/s (median of ${r.repeats}) and p99 latency at saturation, ${r.connections} connections:`, (t) => `${int(t.rps)} (${ms(t.p99)} ms)`)
  if (r.scenarios.some((s) => s.targets.some((t) => t.cpuUs))) grid('CPU µs per request at saturation, user + system, the whole process tree (direct: the backend):', (t) => cpu(t.cpuUs))
  const pacing =
    r.version >= 2
      ? 'paced evenly, from each request\'s due time, so stalls are charged in full'
      : "autocannon's per-second pacing, which sends each second's requests in a burst: these p99s are mostly the bursts', not the targets'"
  out.push(`p99 latency (ms) at a fixed rate below saturation (${r.rateConnections} connections, ${pacing}; the rate is under each scenario name):`, '')
  out.push(`| target | ${r.scenarios.map((s) => `${s.name} @${int(s.fixedRate)}/s`).join(' | ')} |`, `|---|${r.scenarios.map(() => '---:').join('|')}|`)
  for (const name of targets) out.push(`| ${name} | ${r.scenarios.map((s) => cell(s, name, (t) => ms(t.fixed?.p99))).join(' | ')} |`)
  if (r.scenarios.some((s) => s.pierOverheadP99Ms != null)) {
    const mark = (s) => (s.pierOverhead?.verdict === 'noise' ? ' (noise)' : '')
    out.push(`| pier p99 − direct p99 | ${r.scenarios.map((s) => (s.pierOverheadP99Ms == null ? 'n/a' : ms(s.pierOverheadP99Ms) + mark(s))).join(' | ')} |`)
    if (r.scenarios.some((s) => s.pierOverhead?.verdict === 'noise')) out.push('', `(noise): the generator's own lag p99 was at least 0.5 ms in that run, so the difference is the machine's, not pier's.`)
  }
  const gen = generatorSummary(r)
  if (gen) out.push('', gen)
  if (r.idle?.length) out.push('', `Idle RSS with 2 workers: ${r.idle.map((t) => `${t.target} ${t.error ? 'n/a' : mb(t.rssMB) + ' MB'}`).join(', ')}.`)
  if (r.skipped.length) out.push('', `Not run: ${r.skipped.map((s) => `${s.target} (${s.reason})`).join('; ')}.`)
  out.push('', 'Reproduce with `make bench` (about 40 minutes; `make bench-quick` for a two-minute check); each run writes its tables, `.hgrm` distributions and plots under `bench/results/`.')
  return out.join('\n') + '\n'
}

/** The README's scoreboard scene from a --scoreboard run: one scenario, one row per target. */
export function scoreboardTable(r) {
  const s = r.scenarios[0]
  const nginx = s.targets.find((t) => t.target === 'nginx')
  const idle = (name) => s.targets.find((t) => t.target === name)?.idleRssMB
  const out = [measuredOn(r), `${s.what}; ${s.loadgen ?? 'autocannon'} with ${r.connections} connections, medians of ${r.repeats} runs of ${r.durationS} s:`, '']
  out.push('| target | req/s (min-max) | ×nginx | p50 ms | p99 ms | CPU µs/req user + sys | idle RSS MB |', '|---|---:|---:|---:|---:|---:|---:|')
  for (const t of s.targets) {
    out.push(`| ${t.target} | ${int(t.rps)} (${int(t.rpsMin)}-${int(t.rpsMax)}) | ${nginx ? ratio(t.rps / nginx.rps) : 'n/a'} | ${ms(t.p50)} | ${ms(t.p99)} | ${cpu(t.cpuUs)} | ${mb(idle(t.target))} |`)
  }
  const notes = [...generatorNotes(s), ...s.targets.map((t) => threadsLine(t, r.workers)).filter(Boolean)]
  if (notes.length) out.push('', ...notes)
  out.push('', 'Reproduce with `node bench/run.mjs --scoreboard` (part of `make bench`).')
  return out.join('\n') + '\n'
}
