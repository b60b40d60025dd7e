// When the load generator, not the target, bounds a run. The generator's
// CPU time over the run, divided by the time its cores had, says how busy it
// was; near 100% it could not have sent more, whatever the target. Its
// ceiling (the rate at 100% of its cores, at the CPU per request it spent)
// is what direct's rate is held against: direct near it means the generator
// is the limit for direct, so ratios to direct understate every proxy.

/** Busy at least this share of its cores: the generator is the limit. */
export const GENERATOR_BOUND = 0.85
/** Or its cores full (others' work too) while it used at least half of them. */
export const CORES_FULL = 0.95

/**
 * The generator's figures of one run: busy (0..1 of its cores), its ceiling
 * in req/s and CPU µs per request. cores: how many cpus it had (its processes
 * or threads, one cpu each at most).
 */
export function generatorLoad({ loadgenCpu, ok, durationS }, cores) {
  if (!loadgenCpu || !ok || !durationS) return null
  const seconds = loadgenCpu.user + loadgenCpu.system
  const busy = seconds / (durationS * cores)
  return { busy, cpuUs: (seconds * 1e6) / ok, ceilingRps: seconds > 0 ? (ok / seconds) * cores : null }
}

/** Whether a row's run was bound by the generator: { bound, why } from its loadgen figures. */
export function generatorVerdict(lg) {
  if (!lg || lg.busy == null) return { bound: false, why: 'no generator CPU figures' }
  const pct = (x) => `${Math.round(x * 100)}%`
  if (lg.busy >= GENERATOR_BOUND) return { bound: true, why: `the generator was busy ${pct(lg.busy)} of its cores` }
  if (lg.cpusBusy != null && lg.cpusBusy >= CORES_FULL && lg.busy >= 0.5) {
    return { bound: true, why: `the generator's cores were ${pct(lg.cpusBusy)} busy (the generator ${pct(lg.busy)}, the rest other processes on them)` }
  }
  return { bound: false, why: `the generator was busy ${pct(lg.busy)} of its cores${lg.cpusBusy != null ? `, its cores ${pct(lg.cpusBusy)}` : ''}` }
}

/**
 * The sentences a scenario's report carries about the generator: always one
 * for direct (how close it came to the generator's ceiling), one per other
 * target the generator bounded.
 */
export function generatorNotes(sc) {
  const out = []
  const name = sc.loadgen ?? 'the load generator'
  for (const t of sc.targets) {
    if (!t.loadgen) continue
    const v = generatorVerdict(t.loadgen)
    const ceiling = t.loadgen.ceilingRps ? `${Math.round(t.loadgen.ceilingRps).toLocaleString('en-US')} req/s` : 'n/a'
    if (t.target === 'direct') {
      const share = t.loadgen.ceilingRps ? ` (${Math.round((t.rps / t.loadgen.ceilingRps) * 100)}% of ${name}'s ceiling here, ${ceiling} at ${t.loadgen.cpuUs.toFixed(1)} µs of its CPU per request)` : ''
      const coreFull = !v.bound && t.loadgen.cpusBusy != null && t.loadgen.cpusBusy >= CORES_FULL
      out.push(
        v.bound
          ? `${name} is the limit for direct: ${v.why}${share}; direct's figure is the generator's, and ratios to direct understate every proxy.`
          : coreFull
            ? `${name} alone is not the limit for direct, its cores are: ${v.why}${share}; what else ran there (the backends, other work) bounds direct with it, so ratios to direct understate every proxy.`
            : `${name} is not the limit for direct: ${v.why}${share}.`,
      )
    } else if (v.bound) {
      out.push(`${name} is the limit for ${t.target} too: ${v.why}; its figure is a floor.`)
    }
  }
  return out
}

/** The overhead target: pier's p99 minus direct's at the same fixed rate, in ms. */
export const OVERHEAD_TARGET_MS = 1
/** The generator's own lag p99 above which a difference of p99s is the machine's noise, not the proxy's. */
export const LAG_NOISE_MS = 0.5

/**
 * pier's p99 overhead over direct at a fixed rate and what it can be taken
 * for: { p99Ms, p50Ms, verdict } with verdict 'met', 'not met' or 'noise'
 * (the generator itself lagged as much as the target, in either run).
 */
export function overheadVerdict(pier, direct) {
  if (!pier || !direct) return null
  const p99Ms = pier.p99 - direct.p99
  const lag = Math.max(pier.generatorLagP99 ?? 0, direct.generatorLagP99 ?? 0)
  const verdict = lag >= LAG_NOISE_MS ? 'noise' : p99Ms < OVERHEAD_TARGET_MS ? 'met' : 'not met'
  return { p99Ms, p50Ms: pier.p50 - direct.p50, generatorLagP99Ms: lag, verdict }
}

/** The sentence the report gives an overhead verdict. */
export function overheadSentence(o, rate) {
  const ms = (x) => x.toFixed(2)
  const head = `pier's p99 minus direct's at ${Math.round(rate).toLocaleString('en-US')} req/s: ${ms(o.p99Ms)} ms (p50: ${ms(o.p50Ms)} ms); target < ${OVERHEAD_TARGET_MS} ms`
  if (o.verdict === 'noise') return `${head}: not measurable in this run, the generator's own lag p99 was ${ms(o.generatorLagP99Ms)} ms (the machine stalled it), as large as the target.`
  return `${head}: ${o.verdict}.`
}
