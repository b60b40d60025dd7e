// Markdown from a results object (bench/results/*/results.json): the full
// per-scenario report of a run, and the compact README table.

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

/** The whole report of one run. */
export function fullReport(r) {
  const out = [`# pier benchmark, ${r.date} (${r.mode})`, '', `Machine: ${machineLine(r)}.`, '']
  if (r.machine.loadAvgStart) out.push(`Load average (1, 5, 15 min) at start ${r.machine.loadAvgStart.join(', ')}, at end ${r.machine.loadAvgEnd?.join(', ') ?? 'n/a'}${busy(r) ? ': other work shared the machine, so the figures are low and noisy' : ''}.`, '')
  out.push(`Load generator: ${r.machine.loadgen}. Versions: ${Object.entries(r.machine.versions).map(([k, v]) => `${k}: ${v}`).join('; ')}.`, '')
  if (r.loadgenCeiling) out.push(`Load-generator check (1-backend, direct): autocannon ${int(r.loadgenCeiling.autocannonRps)} req/s, wrk ${int(r.loadgenCeiling.wrkRps)} req/s with the same connections and cores.`, '')
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
      `| target | req/s (min-max) | ×direct | ×nginx | p50 ms | p90 ms | p99 ms | p99.9 ms | errors | RSS MB idle/load | at ${int(s.fixedRate)} req/s p50 / p99 ms | pier server-side p50 / p99 ms |`,
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    )
    for (const t of s.targets) {
      const server = t.server ? `${ms(t.server.p50)} / ${ms(t.server.p99)}` : t.target === 'pier' ? 'n/a' : ''
      const fixed = t.fixed ? `${ms(t.fixed.p50)} / ${ms(t.fixed.p99)}${t.fixed.errors ? ` (${t.fixed.errors} err)` : ''}` : 'n/a'
      out.push(
        `| ${t.target} | ${int(t.rps)} (${int(t.rpsMin)}-${int(t.rpsMax)}) | ${ratio(t.ratioDirect)} | ${ratio(t.ratioNginx)} | ${ms(t.p50)} | ${ms(t.p90)} | ${ms(t.p99)} | ${ms(t.p999)} | ${t.errors} | ${mb(t.idleRssMB)} / ${mb(t.rssMB)} | ${fixed} | ${server} |`,
      )
    }
    for (const f of s.failed) out.push(`| ${f.target} | failed: ${f.error.split('\n')[0]} |||||||||||`)
    if (s.pierProfile?.length) {
      out.push('', `pier's CPU profile (self time, every thread, whole scenario):`, '', '| share | function | where | called most from |', '|---:|---|---|---|')
      for (const f of s.pierProfile) out.push(`| ${(f.share * 100).toFixed(1)}% | ${f.fn} | ${f.where} | ${f.caller} |`)
    }
    if (s.pierOverheadP99Ms != null) out.push('', `pier's p99 minus direct's at ${int(s.fixedRate)} req/s: ${ms(s.pierOverheadP99Ms)} ms.`)
    out.push('', `![${s.name} at saturation](${s.name}.svg) ![${s.name} at ${s.fixedRate} req/s](${s.name}-rate.svg)`, '')
  }
  return out.join('\n') + '\n'
}

/** The README fragment: requests/s and p99 per scenario and target, and how to reproduce. */
export function readmeTable(r) {
  const targets = [...new Set(r.scenarios.flatMap((s) => s.targets.map((t) => t.target)))]
  const cell = (s, name, f) => {
    const t = s.targets.find((x) => x.target === name)
    return t ? f(t) : 'n/a'
  }
  const out = [
    `Measured ${r.date.slice(0, 10)} on ${machineLine(r)}${busy(r) ? ` (a shared machine: load average ${r.machine.loadAvgStart[0]} at start, so the figures are low and noisy)` : ''}. Requests/s (median of ${r.repeats}) and p99 latency at saturation, ${r.connections} connections:`,
    '',
    `| target | ${r.scenarios.map((s) => s.name).join(' | ')} |`,
    `|---|${r.scenarios.map(() => '---:').join('|')}|`,
  ]
  for (const name of targets) out.push(`| ${name} | ${r.scenarios.map((s) => cell(s, name, (t) => `${int(t.rps)} (${ms(t.p99)} ms)`)).join(' | ')} |`)
  out.push('', `p99 latency (ms) at a fixed rate below saturation (${r.rateConnections} connections; the rate is under each scenario name):`, '')
  out.push(`| target | ${r.scenarios.map((s) => `${s.name} @${int(s.fixedRate)}/s`).join(' | ')} |`, `|---|${r.scenarios.map(() => '---:').join('|')}|`)
  for (const name of targets) out.push(`| ${name} | ${r.scenarios.map((s) => cell(s, name, (t) => ms(t.fixed?.p99))).join(' | ')} |`)
  if (r.scenarios.some((s) => s.pierOverheadP99Ms != null)) {
    out.push(`| pier p99 − direct p99 | ${r.scenarios.map((s) => (s.pierOverheadP99Ms == null ? 'n/a' : ms(s.pierOverheadP99Ms))).join(' | ')} |`)
  }
  if (r.idle?.length) out.push('', `Idle RSS with 2 workers: ${r.idle.map((t) => `${t.target} ${t.error ? 'n/a' : mb(t.rssMB) + ' MB'}`).join(', ')}.`)
  if (r.skipped.length) out.push('', `Not run: ${r.skipped.map((s) => `${s.target} (${s.reason})`).join('; ')}.`)
  out.push('', 'Reproduce with `make bench` (about half an hour; `make bench-quick` for a two-minute check); each run writes its tables, `.hgrm` distributions and plots under `bench/results/`.')
  return out.join('\n') + '\n'
}
