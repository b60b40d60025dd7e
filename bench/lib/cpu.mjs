// CPU time from /proc: user and system seconds of a process tree (every
// thread of every process under a pid), of each thread of one process, and
// how busy given cpus were. The steadier figure on a shared machine: CPU
// per request moves far less than requests per second when others load it.
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { treePids } from './procs.mjs'
import { codedError } from './hdr.mjs'

/** Clock ticks per second of /proc's utime and stime (USER_HZ; 100 on Linux, asked once). */
export const CLK_TCK = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isInteger(n) && n > 0 ? n : 100
  } catch {
    return 100 // getconf missing: Linux's USER_HZ is 100 on every architecture Node runs on
  }
})()

/**
 * One /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat line: { pid, comm,
 * ppid, user, system } with times in seconds. comm may hold spaces and
 * parentheses, so the fields are read after the last ')'.
 */
export function parseStat(text, tck = CLK_TCK) {
  const close = text.lastIndexOf(')')
  const open = text.indexOf('(')
  if (open < 0 || close < open) throw codedError('EPROCSTAT', `not a /proc stat line: "${text.slice(0, 80)}"`)
  const f = text.slice(close + 2).trim().split(' ')
  // after comm: state(0) ppid(1) ... utime(11) stime(12), fields 14 and 15 of proc(5)
  const [ppid, utime, stime] = [f[1], f[11], f[12]].map(Number)
  if (![ppid, utime, stime].every(Number.isFinite)) throw codedError('EPROCSTAT', `stat line without ppid/utime/stime: "${text.slice(0, 120)}"`)
  return { pid: Number(text.slice(0, open)), comm: text.slice(open + 1, close), ppid, user: utime / tck, system: stime / tck }
}

const readOr = (path, fallback) => {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    if (err.code === 'ENOENT' || err.code === 'ESRCH') return fallback // exited meanwhile
    throw err
  }
}

/** User and system seconds of every process in the tree under pid (a process's stat sums its threads). */
export function treeCpu(pid) {
  let user = 0
  let system = 0
  for (const p of treePids(pid)) {
    const text = readOr(`/proc/${p}/stat`, null)
    if (!text) continue
    const s = parseStat(text)
    user += s.user
    system += s.system
  }
  return { user, system }
}

/** Every thread of one process: [{ tid, comm, user, system }] (seconds). */
export function threadCpu(pid) {
  let tids = []
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch (err) {
    if (err.code !== 'ENOENT') throw err
  }
  const out = []
  for (const tid of tids) {
    const text = readOr(`/proc/${pid}/task/${tid}/stat`, null)
    if (!text) continue
    const s = parseStat(text)
    out.push({ tid: s.pid, comm: s.comm, user: s.user, system: s.system })
  }
  return out
}

/** /proc/stat's per-cpu lines: { cpu: { busy, total } } in ticks (idle and iowait are not busy). */
export function parseProcStat(text) {
  const out = {}
  for (const line of text.split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line)
    if (!m) continue
    const v = m[2].trim().split(/\s+/).map(Number)
    // user nice system idle iowait irq softirq steal (guest time is inside user already)
    const total = v.slice(0, 8).reduce((a, b) => a + (b || 0), 0)
    out[m[1]] = { busy: total - v[3] - (v[4] || 0), total }
  }
  return out
}

/** The cpus of a taskset list such as "0", "1-3" or "0,2". */
export function cpuList(spec) {
  const out = []
  for (const part of String(spec).split(',')) {
    const [a, b = a] = part.split('-').map(Number)
    for (let c = a; c <= b; c++) out.push(c)
  }
  return out
}

/**
 * Starts measuring; the returned function gives what was spent since:
 * spent: { user, system } seconds of each pid's tree (by the keys of pids),
 * busy: how busy each named set of cpus was (0..1, every process on them,
 * others' too; null without /proc/stat figures for them).
 */
export function cpuMeter(pids, cpuSets = {}) {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, treeCpu(pid)]))
  const stat0 = parseProcStat(readFileSync('/proc/stat', 'utf8'))
  return () => {
    const stat1 = parseProcStat(readFileSync('/proc/stat', 'utf8'))
    const spent = {}
    for (const [k, pid] of Object.entries(pids)) {
      const now = treeCpu(pid)
      spent[k] = { user: now.user - before[k].user, system: now.system - before[k].system }
    }
    const busy = {}
    for (const [k, cpus] of Object.entries(cpuSets)) {
      let b = 0
      let total = 0
      for (const c of cpus) {
        if (!stat0[c] || !stat1[c]) continue
        b += stat1[c].busy - stat0[c].busy
        total += stat1[c].total - stat0[c].total
      }
      busy[k] = total > 0 ? b / total : null
    }
    return { spent, busy }
  }
}

/** µs per request of { user, system } seconds over n requests: { user, system, total }, null when n is 0. */
export function perRequestUs(cpu, n) {
  if (!cpu || !n) return null
  const user = (cpu.user * 1e6) / n
  const system = (cpu.system * 1e6) / n
  return { user, system, total: user + system }
}

/**
 * Reads bash's `times` output (two lines, the shell's then its children's
 * user and system times, e.g. "0m1.234s 0m0.567s"): the children's { user, system } in seconds.
 */
export function parseTimes(text) {
  const rows = [...text.matchAll(/^(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/gm)]
  if (rows.length < 2) throw codedError('ETIMES', `no children's times in "${text.slice(-200)}"`)
  const [, um, us, sm, ss] = rows[rows.length - 1]
  return { user: Number(um) * 60 + Number(us), system: Number(sm) * 60 + Number(ss) }
}
