// Child processes for the harness: spawn (optionally pinned with taskset),
// readiness, RSS of a whole process tree, and stopping by pid.
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { codedError } from './hdr.mjs'

/**
 * Spawns cmd with args; cpus (e.g. "1" or "0-1") pins it with taskset.
 * Output is kept (last 64 KiB) for error messages.
 */
export function start(name, cmd, args, { cpus, env, cwd, ipc } = {}) {
  const [file, argv] = cpus ? ['taskset', ['-c', cpus, cmd, ...args]] : [cmd, args]
  const proc = spawn(file, argv, {
    env: { ...process.env, ...env },
    cwd,
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const keep = (d) => {
    out += d
    if (out.length > 65536) out = out.slice(-65536)
  }
  proc.stdout.setEncoding('utf8').on('data', keep)
  proc.stderr.setEncoding('utf8').on('data', keep)
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal)))
  proc.once('error', (err) => keep(`\n${name}: ${err.message}\n`))
  return {
    name,
    proc,
    pid: proc.pid,
    output: () => out,
    alive: () => proc.exitCode === null && proc.signalCode === null,
    exited,
    /** Resolves when the output matches re; rejects if the process exits first or time runs out. */
    async waitForOutput(re, ms = 15000) {
      const deadline = Date.now() + ms
      while (!re.test(out)) {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          throw codedError('EEXITED', `${name} exited (${proc.exitCode ?? proc.signalCode}) before printing ${re}:\n${out.slice(-2000)}`)
        }
        if (Date.now() > deadline) throw codedError('ESTARTTIMEOUT', `${name} did not print ${re} within ${ms} ms:\n${out.slice(-2000)}`)
        await sleep(20)
      }
    },
    /** SIGTERM, then SIGKILL after graceMs; resolves when the process has exited. */
    async stop(graceMs = 3000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Every pid in the tree under pid (pid included), from /proc. */
export function treePids(pid) {
  const children = new Map()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (!children.has(ppid)) children.set(ppid, [])
      children.get(ppid).push(Number(d))
    } catch (err) {
      if (err.code !== 'ENOENT' && err.code !== 'ESRCH') throw err // the process just exited: not in the tree
    }
  }
  const all = []
  const queue = [pid]
  while (queue.length) {
    const p = queue.shift()
    all.push(p)
    queue.push(...(children.get(p) ?? []))
  }
  return all
}

/** Resident memory of the process tree in MB (taskset execs in place, so the pid is the target's). */
export function treeRssMB(pid) {
  let kb = 0
  for (const p of treePids(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))
      if (m) kb += Number(m[1])
    } catch (err) {
      if (err.code !== 'ENOENT' && err.code !== 'ESRCH') throw err
    }
  }
  return kb / 1024
}

/** Samples treeRssMB every everyMs until stop() and returns the maximum. */
export function rssSampler(pid, everyMs = 200) {
  let max = treeRssMB(pid)
  const t = setInterval(() => (max = Math.max(max, treeRssMB(pid))), everyMs)
  return () => {
    clearInterval(t)
    return Math.max(max, treeRssMB(pid))
  }
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** Resolves once port accepts a connection (nginx, HAProxy and Caddy print nothing when ready). */
export async function listening(port, proc, ms = 30_000) {
  const deadline = Date.now() + ms
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)))
      s.on('error', () => resolve(false))
    })
    if (ok) return
    if (!proc.alive() || Date.now() > deadline) throw new Error(`${proc.name} is not listening on ${port}:\n${proc.output().slice(-2000)}`)
    await sleep(50)
  }
}
