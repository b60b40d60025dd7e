// Compares pier's upstream client with undici's Pool.dispatch behind the
// same one-thread uWS front, plus the backend direct, with wrk on loopback.
// Prints req/s, latency percentiles, and the CPU time the serving process
// (front, or backend when direct) spent per request: on a busy shared
// machine req/s swings with the neighbours, CPU per request much less, and
// 1e6 / (µs per request) estimates one core's ceiling. Asserts nothing.
//   npx tsc -p . && node bench/client/run.mjs [--duration 8] [--connections 50] [--rounds 1]
//   FRONT_NODE_ARGS=--cpu-prof node bench/client/run.mjs   (profile the fronts)
import { spawn, execFile, execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { freePort } from '../lib/procs.mjs'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '1' },
  },
})
const here = (f) => fileURLToPath(new URL(f, import.meta.url))
const children = []


/** Starts a node script and resolves once it prints "ready". */
function start(script, args) {
  const extra = (process.env.FRONT_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const child = spawn(process.execPath, [...(script.endsWith('front.mjs') ? extra : []), here(script), ...args.map(String)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(child)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready in 10 s`)), 10_000)
    child.stdout.on('data', (d) => {
      if (String(d).includes('ready')) {
        clearTimeout(timer)
        resolve(child)
      }
    })
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)))
  })
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.removeAllListeners('exit')
    child.once('exit', () => resolve())
    child.kill('SIGINT')
    setTimeout(() => child.kill('SIGKILL'), 3000).unref()
  })
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim())

/** CPU seconds (user + system) used so far by a process. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

/** Runs wrk against port and adds the CPU time pid used per request. */
async function measure(port, seconds, pid) {
  const before = cpuSeconds(pid)
  const r = await wrk(port, seconds)
  r.cpuUsPerReq = ((cpuSeconds(pid) - before) * 1e6) / r.requests
  return r
}

function wrk(port, seconds) {
  const args = ['-t1', `-c${values.connections}`, `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/bench?x=1`]
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { timeout: (Number(seconds) + 30) * 1000 }, (err, out) => {
      if (err) return reject(err)
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1])
      const pct = (p) => /** wrk prints e.g. "99%    2.10ms" */ {
        const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out)
        if (!m) return NaN
        return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]]
      }
      const errors = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? '0'
      const sockErr = /Socket errors:.*/.exec(out)?.[0] ?? ''
      const requests = Number(/(\d+) requests in/.exec(out)?.[1])
      resolve({ rps, requests, p50: pct(50), p99: pct(99), errors: Number(errors), sockErr })
    })
  })
}

async function check(port) {
  const res = await fetch(`http://127.0.0.1:${port}/check`)
  const body = await res.text()
  if (res.status !== 200 || body !== 'Hello from the backend!\n') throw new Error(`front on ${port} answered ${res.status} ${JSON.stringify(body)}`)
}

const rows = []
const row = (name, r) => {
  rows.push({
    path: name,
    'req/s': Math.round(r.rps),
    'p50 ms': r.p50.toFixed(2),
    'p99 ms': r.p99.toFixed(2),
    'CPU µs/req': r.cpuUsPerReq.toFixed(1),
    'non-2xx': r.errors,
    'socket errors': r.sockErr || '-',
  })
}

try {
  const backendPort = await freePort()
  const backend = await start('backend.mjs', [backendPort])
  await wrk(backendPort, 2)
  for (let round = 0; round < Number(values.rounds); round++) {
    row('backend direct', await measure(backendPort, values.duration, backend.pid))
    for (const mode of ['pier', 'undici']) {
      const port = await freePort()
      const front = await start('front.mjs', [mode, port, backendPort])
      await check(port)
      await wrk(port, 2) // warm-up: JIT and connection pool
      row(`uWS front + ${mode === 'pier' ? "pier's upstream client" : 'undici Pool.dispatch'}`, await measure(port, values.duration, front.pid))
      await stop(front)
    }
  }
  console.log(`wrk -t1 -c${values.connections} -d${values.duration}s, one uWS backend, one-thread front, loopback (node ${process.version})`)
  console.table(rows)
} finally {
  await Promise.all(children.map(stop))
}
