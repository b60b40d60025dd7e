import t from 'tap'
import { spawn } from 'node:child_process'
// @ts-expect-error: the harness is plain ESM JavaScript without type declarations
import { gcCounter, gcBetween } from '../../bench/lib/gc-trace.mjs'

t.test('gcCounter counts the scavenges node --trace-gc prints', async (t) => {
  // short-lived objects in a 1 MB young generation: many scavenges
  const proc = spawn(process.execPath, ['--trace-gc', '--max-semi-space-size=1', '-e', 'const keep = []; for (let i = 0; i < 3e5; i++) { keep.push({ i }); if (keep.length > 1000) keep.length = 0 }'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const snap = gcCounter(proc)
  const before = snap()
  await new Promise((resolve) => proc.stdout.once('end', resolve))
  const runs = gcBetween(before, snap())
  t.ok(runs.length >= 1, `isolates that collected: ${JSON.stringify(runs)}`)
  t.ok(Math.max(...runs.map((r: { scavenges: number }) => r.scavenges)) > 5, `scavenges seen: ${runs[0].scavenges}`)
  t.ok(runs[0].ms > 0 && runs[0].maxMs > 0 && runs[0].maxMs <= runs[0].ms, 'pause times parsed')
  t.same(gcBetween(snap(), snap()), [], 'no GCs between two equal snapshots')
})
