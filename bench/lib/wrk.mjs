// wrk: a check of how close autocannon (JavaScript, one thread per process)
// gets to the loopback ceiling, and optionally the saturation load generator.
import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { start } from './procs.mjs'
import { codedError, newHistogram } from './hdr.mjs'
import { parseTimes } from './cpu.mjs'

/**
 * wrk run under bash, whose `times` then prints wrk's own user and system
 * time (the process is gone before /proc could be read): [cmd, argv].
 */
function wrkCommand(args, cpus) {
  const argv = ['-c', 'wrk "$@"; s=$?; times; exit $s', 'wrk', ...args]
  return cpus ? ['taskset', ['-c', cpus, 'bash', ...argv]] : ['bash', argv]
}

const UNIT_MS = { us: 0.001, ms: 1, s: 1000 }

/** Parses wrk's output (with --latency): { rps, p50, p90, p99, requests, errors } in req/s and ms; errors: socket errors and non-2xx/3xx. */
export function parseWrk(text) {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text)
  if (!rps) throw codedError('EWRK', `wrk output has no "Requests/sec:" line:\n${text.slice(0, 500)}`)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  const out = {
    rps: Number(rps[1]),
    requests: Number(/^\s*(\d+) requests in/m.exec(text)?.[1] ?? 0),
    errors: Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0) + (socket ? socket.slice(1).reduce((a, n) => a + Number(n), 0) : 0),
  }
  for (const [p, key] of [['50', 'p50'], ['90', 'p90'], ['99', 'p99']]) {
    const m = new RegExp(`^\\s+${p}(?:\\.000)?%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text)
    if (m) out[key] = Number(m[1]) * UNIT_MS[m[2]]
  }
  return out
}

/** Runs wrk (pinned to cpus when given): parseWrk's figures and loadgenCpu, wrk's { user, system } seconds. */
export function runWrk({ url, threads, connections, durationS, cpus, host }) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${Math.max(1, Math.round(durationS))}s`, '--latency', '-H', `Host: ${host}`, url]
  const [cmd, argv] = wrkCommand(args, cpus)
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: (durationS + 30) * 1000 })
  if (r.status !== 0) throw codedError('EWRK', `wrk failed (${r.error?.message ?? 'exit ' + r.status}): ${r.stderr}`)
  return { ...parseWrk(r.stdout), loadgenCpu: parseTimes(r.stdout) }
}

/** runWrk without blocking, for loads run side by side: resolves to the same figures. */
export function runWrkAsync({ url, threads, connections, durationS, cpus, host }) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${Math.max(1, Math.round(durationS))}s`, '--latency', '-H', `Host: ${host}`, url]
  const [cmd, argv] = wrkCommand(args, cpus)
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    p.stdout.setEncoding('utf8').on('data', (d) => (out += d))
    p.stderr.setEncoding('utf8').on('data', (d) => (err += d))
    p.once('error', reject)
    p.once('close', (code) => {
      if (code !== 0) return reject(codedError('EWRK', `wrk failed (exit ${code}): ${err}`))
      try {
        resolve({ ...parseWrk(out), loadgenCpu: parseTimes(out) })
      } catch (e) {
        reject(e)
      }
    })
  })
}

/** Lua string literal. */
const lua = (s) => JSON.stringify(String(s)) // JSON escapes are valid Lua escapes for these ASCII strings

/**
 * The wrk script for a load spec (path, method, bodyBytes, headers, hosts,
 * newConnectionPerRequest): it shapes the requests and, when done, prints one
 * "BENCH-JSON {...}" line with the counts and the latency curve (µs) at
 * 0.1% steps to 99%, 0.01% to 99.9% and 0.001% to 100%.
 */
export function wrkScript(spec) {
  const lines = [`wrk.method = ${lua(spec.method ?? 'GET')}`, `wrk.path = ${lua(spec.path ?? '/')}`]
  if (spec.bodyBytes) lines.push(`wrk.body = string.rep("b", ${spec.bodyBytes})`)
  // wrk keeps its own "Host" entry: a "host" key would send a second Host header.
  for (const [k, v] of Object.entries(spec.headers ?? {})) lines.push(`wrk.headers[${lua(k.toLowerCase() === 'host' ? 'Host' : k)}] = ${lua(v)}`)
  if (spec.newConnectionPerRequest) lines.push('wrk.headers["Connection"] = "close"')
  if (spec.hosts) {
    lines.push(
      `local hosts = {${spec.hosts.map(lua).join(',')}}`,
      'local i = 0',
      'request = function()',
      '  i = i % #hosts + 1',
      '  local h = {}',
      '  for k, v in pairs(wrk.headers) do h[k] = v end',
      '  h["Host"] = hosts[i]',
      '  return wrk.format(nil, nil, h)',
      'end',
    )
  }
  lines.push(
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format(\'BENCH-JSON {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"points":[\',',
    '    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout))',
    '  local sep = ""',
    '  local function point(p)',
    '    io.write(sep .. "[" .. p .. "," .. latency:percentile(p) .. "]")',
    '    sep = ","',
    '  end',
    '  for k = 1, 990 do point(k / 10) end',
    '  for k = 9901, 9990 do point(k / 100) end',
    '  for k = 99901, 100000 do point(k / 1000) end',
    '  io.write("]}\\n")',
    'end',
  )
  return lines.join('\n') + '\n'
}

/**
 * Reads the BENCH-JSON line of a wrk run into { ok, errors, durationS, points }.
 * ok is every completed response with a status below 400 (wrk counts 4xx/5xx as status errors).
 */
export function parseWrkJson(text) {
  const line = text.split('\n').find((l) => l.startsWith('BENCH-JSON '))
  if (!line) throw codedError('EWRK', `wrk printed no BENCH-JSON line:\n${text.slice(-1000)}`)
  const r = JSON.parse(line.slice('BENCH-JSON '.length))
  return {
    ok: r.requests - r.status,
    errors: r.connect + r.read + r.write + r.status + r.timeout,
    durationS: r.durationUs / 1e6,
    points: r.points,
  }
}

/**
 * Rebuilds a µs histogram from a latency curve [[percentile, µs], ...] of
 * total values: each step gets the values between its percentile and the
 * one before, at its latency (exact at the curve's resolution).
 */
export function histogramFromCurve(points, total, h = newHistogram()) {
  let before = 0
  for (const [p, us] of points) {
    const upTo = Math.round((total * p) / 100)
    if (upTo > before) h.recordValueWithCount(Math.max(1, us), upTo - before)
    before = Math.max(before, upTo)
  }
  return h
}

/**
 * wrk as the saturation load generator (--loadgen=wrk): C with one thread
 * per load-generator core, so it is not the bottleneck where autocannon
 * would be. run(spec) has the shape of loadgen.mjs's run(); spec.overallRate
 * is not supported (wrk has no fixed-rate mode; those runs use the open-loop generator).
 */
export function wrkLoad({ threads, cpus, dir }) {
  let n = 0
  return {
    async run(spec) {
      if (spec.overallRate) throw codedError('EWRK', 'wrk cannot run at a fixed rate; the open-loop generator (lib/openloop.mjs) does')
      const script = join(dir, `wrk-${n++}.lua`)
      writeFileSync(script, wrkScript(spec))
      const args = [`-t${Math.min(threads, spec.connections)}`, `-c${spec.connections}`, `-d${Math.max(1, Math.round(spec.durationS))}s`, '--timeout', '10s', '-s', script, spec.url]
      const [cmd, argv] = wrkCommand(args, cpus)
      const h = start('wrk', cmd, argv)
      const code = await h.exited
      if (code !== 0) throw codedError('EWRK', `wrk exited (${code}):\n${h.output().slice(-1000)}`)
      const r = parseWrkJson(h.output())
      return { ok: r.ok, rps: r.ok / r.durationS, errors: r.errors, durationS: r.durationS, histogram: histogramFromCurve(r.points, r.ok), loadgenCpu: parseTimes(h.output()) }
    },
  }
}
