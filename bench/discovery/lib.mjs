// Shared by the discovery benches: the real engine (dockerode), the built pier
// on a free loopback port, HTTP probes through it, and cleanup by label.
import { execFileSync, spawn } from 'node:child_process'
import { request, Agent } from 'node:http'
import { fileURLToPath } from 'node:url'
import Docker from 'dockerode'
import { freePort } from '../lib/procs.mjs'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const IMAGE = 'pier-whoami:test'
export const docker = new Docker({ socketPath: '/var/run/docker.sock' })

export function ensureEngine() {
  execFileSync('sh', ['scripts/docker-up.sh'], { cwd: ROOT, stdio: 'inherit' })
  execFileSync('sh', ['scripts/whoami-image.sh'], { cwd: ROOT, stdio: 'inherit' })
}


/** Starts node dist/cli.js with args; resolves once it logs "pier ready". */
export async function startPier(args) {
  const proc = spawn(process.execPath, [`${ROOT}dist/cli.js`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout.setEncoding('utf8').on('data', (d) => (out += d))
  proc.stderr.setEncoding('utf8').on('data', (d) => (out += d))
  const deadline = Date.now() + 20000
  while (!/pier ready/.test(out)) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`pier did not start:\n${out}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  return {
    logs: () => out,
    stop: () => new Promise((r) => (proc.exitCode !== null ? r() : (proc.once('exit', r), proc.kill('SIGTERM')))),
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 })

/** Status of GET / through pier for a Host. */
export function status(port, host) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent, timeout: 2000 }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    })
    req.on('error', () => resolve(0))
    req.on('timeout', () => req.destroy())
    req.end()
  })
}

export async function removeLabelled(label) {
  const list = await docker.listContainers({ all: true, filters: { label: [label] } })
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })))
}

export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

export function closeAgent() {
  agent.destroy()
}

/** Runs cleanup once on SIGINT/SIGTERM (a bench stopped by timeout leaves no containers), then exits. */
export function cleanupOnSignal(cleanup) {
  const handler = (sig) => {
    Promise.resolve(cleanup()).finally(() => process.exit(sig === 'SIGINT' ? 130 : 143))
  }
  process.once('SIGINT', handler)
  process.once('SIGTERM', handler)
}

/**
 * pier on a free port with the Docker provider, seeing only containers
 * labelled pier.bench=tag (named <container>.bench); they and pier are
 * cleaned up on SIGINT/SIGTERM.
 */
export async function startDiscoveryPier(tag, extraArgs) {
  ensureEngine()
  let pier
  cleanupOnSignal(async () => {
    await pier?.stop()
    await removeLabelled(`pier.bench=${tag}`)
  })
  const port = await freePort()
  pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${port}`,
    '--providers.docker',
    `--providers.docker.constraints=Label(\`pier.bench\`,\`${tag}\`)`,
    '--providers.docker.defaultRule=Host(`{{ normalize .Name }}.bench`)',
    ...extraArgs,
  ])
  return { pier, port }
}
