// Node's side of scripts/swarm-lab.sh, for the swarm tests and bench/swarm:
// bring a multi-node lab up, talk to its nodes with the docker CLI, run pier
// (its own offline image) as a container on the lab's overlay network on the
// manager, reach it from the host, and take everything down again.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const SCRIPT = fileURLToPath(new URL('./swarm-lab.sh', import.meta.url))
export const WHOAMI = 'pier-whoami:test'

/** Runs a command; rejects with its stderr. SIGKILL on timeout: a docker CLI may wait on forever. */
export function run(cmd, args, { timeoutMs = 120_000, env } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: ROOT, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 32 << 20, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(new Error(`${cmd} ${args.join(' ')} failed: ${stderr.trim() || err.message}`), { stdout, stderr }))
      else resolve({ stdout: stdout.trim(), stderr: stderr.trim() })
    })
  })
}

/** A lab name no earlier run used: at most 8 lower-case letters and digits. */
export function labName(prefix = 'ps') {
  return `${prefix}${(Date.now() % 36 ** 4).toString(36)}${(process.pid % 36 ** 2).toString(36)}`.slice(0, 8)
}

/**
 * Brings up a lab of `nodes` nodes (node 1 the manager), with the whoami image
 * on every node, pier's image on node 1 and one attachable overlay network.
 * `owner`: the pid whose death lets the next bring-up reap it (default: this process).
 */
export async function startLab({ name = labName(), nodes = 3, pierImage = `pier-swarm:${name}`, owner = process.pid } = {}) {
  const started = Date.now()
  const up = await run('bash', [SCRIPT, 'up', name, String(nodes)], { env: { PIER_SWARM_OWNER: String(owner) } })
  const lab = parseLabFile(readFileSync(up.stdout.split('\n').at(-1), 'utf8'))
  const upMs = Date.now() - started
  const nodeList = Array.from({ length: nodes }, (_, i) => ({ index: i + 1, ip: lab[`NODE${i + 1}_IP`], sock: lab[`NODE${i + 1}_SOCK`] }))
  const docker = (node, ...args) => run('docker', ['-H', `unix://${nodeList[node - 1].sock}`, ...args]).then((r) => r.stdout)
  const network = `${name}net`
  const result = {
    name,
    hostIp: lab.HOST_IP,
    nodes: nodeList,
    network,
    pierImage,
    /** Bring-up and image times, ms. */
    timings: { upMs, imagesMs: 0 },
    docker,
    manager: (...args) => docker(1, ...args),
    stopNode: (i) => run('bash', [SCRIPT, 'stop-node', name, String(i)]),
    startNode: (i) => run('bash', [SCRIPT, 'start-node', name, String(i)]),
    /** Tears everything down; resolves with what was left behind ('' when nothing). */
    down: async () => {
      try {
        await run('bash', [SCRIPT, 'down', name], { timeoutMs: 120_000 })
        return ''
      } catch (err) {
        return err.stderr?.trim() || err.message
      }
    },
    runPier: (container, args, ports) => runPier(result, container, args, ports),
  }
  try {
    const t = Date.now()
    await run('bash', [SCRIPT, 'images', name, pierImage], { timeoutMs: 600_000 })
    result.timings.imagesMs = Date.now() - t
    await docker(1, 'network', 'create', '--driver', 'overlay', '--attachable', network)
  } catch (err) {
    await result.down()
    throw err
  }
  return result
}

/**
 * pier as a container on node 1 (the manager) on the lab network, the node's
 * socket mounted read-only, its web and API entrypoints published on the
 * node's address. Resolves once pier logs that it is ready.
 */
async function runPier(lab, container, args, { web, api }) {
  const n1 = lab.nodes[0]
  await lab.manager('run', '-d', '--name', container, '--no-healthcheck', '--network', lab.network,
    '-v', '/var/run/docker.sock:/var/run/docker.sock:ro', '-p', `${n1.ip}:${web}:80`, '-p', `${n1.ip}:${api}:8080`, lab.pierImage, ...args)
  const logs = async () => {
    const r = await run('docker', ['-H', `unix://${n1.sock}`, 'logs', container]).catch((err) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? err.message }))
    return `${r.stdout}\n${r.stderr}`
  }
  const deadline = Date.now() + 30_000
  while (!/pier ready/.test(await logs())) {
    if (Date.now() > deadline) throw new Error(`pier ${container} did not start:\n${await logs()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return { ip: n1.ip, web, api, logs, stop: () => lab.manager('rm', '-f', container) }
}

function parseLabFile(text) {
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
}

/** GET http://ip:port/path with a Host header: status, body and the whoami that answered. */
export function get(ip, port, host, path = '/', agent = undefined, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port, path, headers: { host }, agent: agent ?? false, timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, who: /^I'm (\S+)/m.exec(body)?.[1] }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${host}${path} timed out`)))
    req.on('error', reject)
    req.end()
  })
}

/** n sequential requests on one keep-alive connection (so one worker's round robin): who answered, in order. */
export async function whoSequence(ip, port, host, n) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    const out = []
    for (let i = 0; i < n; i++) {
      const r = await get(ip, port, host, '/', agent)
      out.push(r.who ?? r.status)
    }
    return out
  } finally {
    agent.destroy()
  }
}

/** pier's API as JSON. */
export async function api(ip, port, path) {
  const r = await get(ip, port, 'api', path)
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body}`)
  return JSON.parse(r.body)
}

/**
 * Bounded load through pier: `concurrency` keep-alive loops of GETs until
 * stop() is called, `maxMs` passes or `maxRequests` are sent. Resolves with
 * the counts: ok, failures by status or error code, answers per whoami, and
 * the slowest answer (ms). A request gets `timeoutMs` (a shared, busy machine
 * can stall any process for a second or two; a request pier loses never ends).
 */
export function load(ip, port, host, { concurrency = 4, maxMs = 60_000, maxRequests = 200_000, timeoutMs = 10_000 } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const stats = { sent: 0, ok: 0, failures: {}, who: {}, slowestMs: 0 }
  const end = Date.now() + maxMs
  let stopped = false
  const fail = (why) => (stats.failures[why] = (stats.failures[why] ?? 0) + 1)
  const loop = async () => {
    while (!stopped && Date.now() < end && stats.sent < maxRequests) {
      stats.sent++
      const t0 = Date.now()
      try {
        const r = await get(ip, port, host, '/', agent, timeoutMs)
        stats.slowestMs = Math.max(stats.slowestMs, Date.now() - t0)
        if (r.status === 200 && r.who) {
          stats.ok++
          stats.who[r.who] = (stats.who[r.who] ?? 0) + 1
        } else fail(String(r.status))
      } catch (err) {
        fail(err.code ?? err.message)
      }
    }
  }
  const done = Promise.all(Array.from({ length: concurrency }, loop)).then(() => (agent.destroy(), stats))
  return {
    stats,
    stop: () => {
      stopped = true
      return done
    },
  }
}

/** Polls fn until it returns a truthy value, or rejects after ms. */
export async function waitFor(fn, ms, what, every = 50) {
  const deadline = Date.now() + ms
  let last
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last.message ?? last}` : ''}`)
    await new Promise((r) => setTimeout(r, every))
  }
}
