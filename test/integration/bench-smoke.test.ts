// CI smoke run of the benchmark harness: `node bench/run.mjs --smoke` drives
// the real backend, the built pier and nginx with autocannon for about a
// second per target on two scenarios, then the open-loop generator at a
// fixed rate, and must write a complete result set: latency, CPU per
// request, the generator's own load, pier's threads and connection spread.
// Nothing is skipped quietly: a missing dist/ or nginx fails the test.
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'))
t.teardown(() => rmSync(out, { recursive: true, force: true }))

interface Cpu { user: number; system: number; total: number }
interface Row {
  target: string; rps: number; p50: number; p90: number; p99: number; p999: number; errors: number; rssMB: number
  cpuUs: Cpu; loadgen: { busy: number; cpuUs: number; ceilingRps: number }
  fixed: { p99: number; errors: number; rps: number; serviceP99: number; generatorLagP99: number; waited: number }
  threads?: Array<{ tid: number; main: boolean; user: number; system: number }>; connections?: { perLoop: number[]; total: number }
}

t.test('bench --smoke measures direct, pier and nginx and writes every output', { timeout: 180_000 }, async (t) => {
  t.ok(existsSync(join(ROOT, 'dist/cli.js')), 'pier is built (npx tsc -p .)')
  const run = spawn(process.execPath, ['bench/run.mjs', '--smoke', '--no-build', `--out=${out}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  run.stdout.setEncoding('utf8').on('data', (d: string) => (log += d))
  run.stderr.setEncoding('utf8').on('data', (d: string) => (log += d))
  const code = await new Promise<number | null>((resolve) => run.once('exit', resolve))
  t.equal(code, 0, 'bench/run.mjs --smoke exits 0', { log: log.slice(-4000) })
  if (code !== 0) return

  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))
  t.same(results.skipped, [], 'no target skipped')
  t.match(results.machine, { cores: Number, arch: process.arch, node: process.version, cpu: String, kernel: String })
  t.same(results.scenarios.map((s: { name: string }) => s.name), ['1-backend', 'wrr-5'])
  for (const s of results.scenarios) {
    t.same(s.failed, [], `${s.name}: every target started`)
    t.same(s.targets.map((r: Row) => r.target), ['direct', 'pier', 'nginx'])
    for (const r of s.targets as Row[]) {
      t.ok(r.rps > 0, `${s.name} ${r.target}: ${Math.round(r.rps)} req/s`)
      t.equal(r.errors, 0, `${s.name} ${r.target}: no errors`)
      t.equal(r.fixed.errors, 0, `${s.name} ${r.target}: no errors at the fixed rate`)
      t.ok(r.p50 > 0 && r.p50 <= r.p90 && r.p90 <= r.p99 && r.p99 <= r.p999, `${s.name} ${r.target}: percentiles ordered`)
      t.ok(r.fixed.p99 > 0 && r.fixed.serviceP99 > 0 && r.fixed.generatorLagP99 > 0, `${s.name} ${r.target}: fixed-rate latency, service time and generator lag measured`)
      t.ok(r.fixed.rps > 0, `${s.name} ${r.target}: fixed rate served (${Math.round(r.fixed.rps)} req/s)`)
      t.ok(r.cpuUs.total > 0 && r.cpuUs.total === r.cpuUs.user + r.cpuUs.system, `${s.name} ${r.target}: ${r.cpuUs.user.toFixed(1)} user + ${r.cpuUs.system.toFixed(1)} sys µs/request`)
      t.ok(r.loadgen.busy > 0 && r.loadgen.ceilingRps > 0, `${s.name} ${r.target}: generator busy ${Math.round(r.loadgen.busy * 100)}%`)
      t.ok(r.rssMB > 0, `${s.name} ${r.target}: RSS measured`)
      t.ok(existsSync(join(out, s.name, `${r.target}.hgrm`)), `${s.name}/${r.target}.hgrm written`)
    }
    t.equal(s.targets[0].ratioDirect, 1)
    const pier = s.targets.find((r: Row) => r.target === 'pier') as Row
    t.ok(pier.threads!.some((x) => !x.main), `${s.name}: pier's worker thread measured`)
    t.same(pier.connections!.perLoop, [50], `${s.name}: one worker holds all 50 client connections`)
    t.ok(s.pierOverhead && ['met', 'not met', 'noise'].includes(s.pierOverhead.verdict), `${s.name}: overhead verdict ${s.pierOverhead?.verdict}`)
    t.ok(existsSync(join(out, `${s.name}.svg`)) && existsSync(join(out, `${s.name}-rate.svg`)), `${s.name} plots written`)
  }
  const report = readFileSync(join(out, 'report.md'), 'utf8')
  t.match(report, /## wrr-5/)
  t.match(report, /autocannon (alone )?is (not )?the limit for direct/, 'the report says whether the generator bounded direct')
  t.match(readFileSync(join(out, '1-backend', 'pier.hgrm'), 'utf8'), /Value\s+Percentile\s+TotalCount/)
})
