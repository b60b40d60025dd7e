// wrk as a second load generator: one run against the bare backend shows how
// close autocannon (JavaScript, one thread per process) gets to the ceiling.
import { spawnSync } from 'node:child_process'
import { codedError } from './hdr.mjs'

const UNIT_MS = { us: 0.001, ms: 1, s: 1000 }

/** Parses wrk's output (with --latency): { rps, p50, p90, p99 } in req/s and ms. */
export function parseWrk(text) {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text)
  if (!rps) throw codedError('EWRK', `wrk output has no "Requests/sec:" line:\n${text.slice(0, 500)}`)
  const out = { rps: Number(rps[1]) }
  for (const [p, key] of [['50', 'p50'], ['90', 'p90'], ['99', 'p99']]) {
    const m = new RegExp(`^\\s+${p}(?:\\.000)?%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text)
    if (m) out[key] = Number(m[1]) * UNIT_MS[m[2]]
  }
  return out
}

/** Runs wrk (pinned to cpus when given) and returns parseWrk's figures. */
export function runWrk({ url, threads, connections, durationS, cpus, host }) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${Math.max(1, Math.round(durationS))}s`, '--latency', '-H', `Host: ${host}`, url]
  const [cmd, argv] = cpus ? ['taskset', ['-c', cpus, 'wrk', ...args]] : ['wrk', args]
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: (durationS + 30) * 1000 })
  if (r.status !== 0) throw codedError('EWRK', `wrk failed (${r.error?.message ?? 'exit ' + r.status}): ${r.stderr}`)
  return parseWrk(r.stdout)
}
