// Command-line options of bench/run.mjs and their defaults, which adapt to
// the machine (core count, ARM) and to --quick and --smoke.
import os from 'node:os'
import { SCENARIO_NAMES } from './scenarios.mjs'
import { TARGET_NAMES } from './targets.mjs'
import { codedError } from './hdr.mjs'

export const USAGE = `usage: node bench/run.mjs [--quick | --smoke | --scoreboard] [options]
  --quick               short runs of everything (under two minutes)
  --smoke               a few seconds per target, direct/pier/nginx on two scenarios (CI)
  --scoreboard          the scoreboard scene: rr-2, wrk at saturation, 3 runs of 8 s per
                        target; writes bench/results/scoreboard.json (the README's first table)
  --scenarios=a,b       scenarios to run (${SCENARIO_NAMES.join(', ')})
  --targets=a,b         targets to run (${TARGET_NAMES.join(', ')})
  --repeats=N           measured runs per target, interleaved across targets (3)
  --duration=S          seconds per measured run (10; ARM 8)
  --warmup=S            seconds of warm-up per target before measuring (3; 0 skips it)
  --rate-duration=S     seconds of the fixed-rate run (5)
  --connections=N       client connections at saturation (50; ARM 32)
  --rate-connections=N  keep-alive connections of the open-loop fixed-rate run (4)
  --workers=N           proxy workers/threads/processes for every target (cores/2, at least 1)
  --pin / --no-pin      taskset: load generator on the lower cores, proxies on the upper (on with 2+ cores)
  --out=DIR             results directory (bench/results/<machine>-<date>)
  --no-latest           do not copy the results to bench/results/latest.json (or scoreboard.json)
                        (quick and smoke runs never do: latest.json holds a full run)
  --no-install          do not install missing peers (apt-get)
  --no-build            do not build pier first (npx tsc -p ., run when dist/ is older than src/)
  --loadgen=NAME        saturation load generator: autocannon (default) or wrk for
                        the GET scenarios (post-1m and no-keepalive stay on autocannon;
                        fixed-rate runs always use the open-loop generator)
  --cpu-prof            run pier under node --cpu-prof (every thread) and print where its time goes
  --trace-gc            run pier under node --trace-gc and print its GCs per run and thread
  --pier-node-flags=a,b more node flags for pier (e.g. --max-semi-space-size=32)`

const NUMERIC = ['repeats', 'duration', 'warmup', 'rate-duration', 'connections', 'rate-connections', 'workers']
const LISTS = ['scenarios', 'targets']
const FLAGS = ['quick', 'smoke', 'scoreboard', 'pin', 'latest', 'install', 'build', 'help', 'cpu-prof', 'trace-gc']

/** Parses argv into options, filling defaults; throws EUSAGE naming the bad argument. */
export function parseOptions(argv, { cores = os.availableParallelism(), arch = process.arch } = {}) {
  const given = {}
  for (const arg of argv) {
    const m = /^--(no-)?([a-z-]+)(?:=(.*))?$/.exec(arg)
    if (!m) throw codedError('EUSAGE', `unexpected argument "${arg}"\n${USAGE}`)
    const [, no, key, value] = m
    if (FLAGS.includes(key)) {
      if (value !== undefined) throw codedError('EUSAGE', `--${key} takes no value (got "${arg}")`)
      given[key] = !no
    } else if (NUMERIC.includes(key) && !no) {
      const n = Number(value)
      const min = key === 'warmup' ? 0 : Number.MIN_VALUE // a warm-up can be skipped; nothing else can be zero
      if (value === undefined || !Number.isFinite(n) || n < min) throw codedError('EUSAGE', `--${key} needs a ${min ? 'positive' : 'non-negative'} number (got "${arg}")`)
      given[key] = n
    } else if (LISTS.includes(key) && !no) {
      const names = (value ?? '').split(',').filter(Boolean)
      const known = key === 'scenarios' ? SCENARIO_NAMES : TARGET_NAMES
      const bad = names.filter((n) => !known.includes(n))
      if (names.length === 0 || bad.length) throw codedError('EUSAGE', `--${key}: unknown ${bad.join(', ') || '(empty list)'}; known: ${known.join(', ')}`)
      given[key] = names
    } else if (key === 'out' && !no && value) {
      given.out = value
    } else if (key === 'pier-node-flags' && !no) {
      given['pier-node-flags'] = value.split(',').filter(Boolean)
    } else if (key === 'loadgen' && !no) {
      if (value !== 'autocannon' && value !== 'wrk') throw codedError('EUSAGE', `--loadgen is autocannon or wrk (got "${arg}")`)
      given.loadgen = value
    } else {
      throw codedError('EUSAGE', `unknown option "${arg}"\n${USAGE}`)
    }
  }
  if ([given.quick, given.smoke, given.scoreboard].filter(Boolean).length > 1) throw codedError('EUSAGE', '--quick, --smoke and --scoreboard are different run sizes; give one')
  const arm = arch === 'arm' || arch === 'arm64'
  const base = {
    mode: 'full',
    scenarios: SCENARIO_NAMES,
    targets: TARGET_NAMES,
    repeats: 3,
    duration: arm ? 8 : 10,
    warmup: 3,
    'rate-duration': 5,
    connections: arm ? 32 : 50,
    'rate-connections': 4,
    workers: Math.max(1, Math.floor(cores / 2)),
    pin: cores >= 2,
    loadgen: 'autocannon',
    latest: true,
    install: true,
    build: true,
  }
  if (given.quick) Object.assign(base, { mode: 'quick', repeats: 1, duration: 1, warmup: 0, 'rate-duration': 1, latest: false })
  if (given.scoreboard) Object.assign(base, { mode: 'scoreboard', scenarios: ['rr-2'], loadgen: 'wrk', duration: 8 })
  if (given.smoke) {
    Object.assign(base, {
      mode: 'smoke',
      scenarios: ['1-backend', 'wrr-5'],
      targets: ['direct', 'pier', 'nginx'],
      repeats: 1,
      duration: 1,
      warmup: 0,
      'rate-duration': 1,
      latest: false,
      install: false,
    })
  }
  const o = { ...base, ...given }
  const upper = o.pin ? cpuRange(cores) : null
  return {
    mode: o.mode,
    help: !!o.help,
    scenarios: o.scenarios,
    targets: o.targets,
    repeats: Math.round(o.repeats),
    durationS: o.duration,
    warmupS: o.warmup,
    rateDurationS: o['rate-duration'],
    connections: Math.round(o.connections),
    rateConnections: Math.round(o['rate-connections']),
    workers: Math.round(o.workers),
    cpus: upper, // { loadgen, proxy } taskset lists, or null when not pinning
    loadgenProcs: upper ? upper.loadgenCount : 1,
    out: o.out ?? null,
    latest: o.latest,
    install: o.install,
    build: o.build,
    cpuProf: !!o['cpu-prof'],
    traceGc: !!o['trace-gc'],
    pierNodeFlags: o['pier-node-flags'] ?? [],
    loadgen: o.loadgen,
  }
}

/** Lower half of the cores for the load generator, upper half for the proxy. */
export function cpuRange(cores) {
  const half = Math.max(1, Math.floor(cores / 2))
  const list = (a, b) => (a === b ? `${a}` : `${a}-${b}`)
  return { loadgen: list(0, half - 1), proxy: list(half, Math.max(half, cores - 1)), loadgenCount: half }
}
