// How a multi-threaded proxy spreads its work: CPU time per thread, and how
// many client connections each event loop holds. Every event loop (one per
// uWS worker thread, the main thread's, ...) has an epoll instance of its
// own, whose /proc/<pid>/fdinfo lists the inodes it watches; /proc/net/tcp
// names the inodes of the connections accepted on the proxy's port. So the
// kernel's SO_REUSEPORT spread can be read from outside, without the
// proxy's help (Node names none of its threads, so they are told by tid).
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { threadCpu } from './cpu.mjs'

const ESTABLISHED = '01'

/** Inodes (decimal strings) of the established connections whose local port is port, from /proc/net/tcp{,6} text. */
export function acceptedInodes(port, tcpTexts) {
  const out = new Set()
  for (const text of tcpTexts) {
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f.length < 10) continue
      const local = f[1]
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && f[3] === ESTABLISHED) out.add(f[9])
    }
  }
  return out
}

/** The inodes (decimal strings) an epoll instance watches, from its fdinfo text ("tfd: ... ino:<hex> ..."). */
export function epollInodes(fdinfo) {
  return [...fdinfo.matchAll(/^tfd:.*\bino:([0-9a-f]+)/gm)].map((m) => String(parseInt(m[1], 16)))
}

const readTcp = () =>
  ['/proc/net/tcp', '/proc/net/tcp6'].map((f) => {
    try {
      return readFileSync(f, 'utf8')
    } catch {
      return '' // no IPv6 on this kernel
    }
  })

/**
 * Client connections on port per event loop of process pid (and its
 * children: cluster-style proxies): counts of the loops holding any, largest
 * first, and total. Read while the load runs, when every connection is open.
 */
export function connectionsPerLoop(pids, port) {
  const accepted = acceptedInodes(port, readTcp())
  const counts = []
  for (const pid of pids) {
    let fds = []
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch (err) {
      if (err.code === 'ENOENT') continue
      throw err
    }
    for (const fd of fds) {
      let link = ''
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`)
      } catch {
        continue // closed since the listing
      }
      if (link !== 'anon_inode:[eventpoll]') continue
      let info = ''
      try {
        info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8')
      } catch {
        continue
      }
      const n = epollInodes(info).filter((ino) => accepted.has(ino)).length
      if (n > 0) counts.push(n)
    }
  }
  counts.sort((a, b) => b - a)
  return { perLoop: counts, total: accepted.size }
}

/** Starts measuring the threads of pid; the returned function gives each thread's { tid, comm, user, system } seconds since, busiest first. */
export function threadMeter(pid) {
  const before = new Map(threadCpu(pid).map((t) => [t.tid, t]))
  return () =>
    threadCpu(pid)
      .map((t) => {
        const b = before.get(t.tid) ?? { user: 0, system: 0 }
        return { tid: t.tid, comm: t.comm, main: t.tid === pid, user: t.user - b.user, system: t.system - b.system }
      })
      .sort((a, b) => b.user + b.system - (a.user + a.system))
}

/**
 * Per-request CPU of each thread that did at least 1% of the process's
 * work: [{ tid, main, user, system }] in µs per request, busiest first.
 */
export function threadsPerRequest(threads, requests) {
  const total = threads.reduce((a, t) => a + t.user + t.system, 0)
  if (!requests || total <= 0) return []
  return threads
    .filter((t) => t.user + t.system >= total * 0.01)
    .map((t) => ({ tid: t.tid, main: t.main, user: (t.user * 1e6) / requests, system: (t.system * 1e6) / requests }))
}

/**
 * How evenly connections spread over workers' event loops: a sentence with
 * the largest loop's share against the even share. SO_REUSEPORT hashes each
 * connection's addresses, so some unevenness is chance (for 50 connections
 * over 2 loops, 30/20 or closer about 9 times in 10).
 */
export function spreadNote(connections, workers) {
  if (!connections) return null
  const { perLoop, total } = connections
  if (!total) return 'no client connections seen'
  const held = perLoop.reduce((a, n) => a + n, 0)
  const missing = workers - perLoop.length
  const largest = perLoop[0] ?? 0
  const even = 100 / workers
  return (
    `${perLoop.join(' / ')} of ${total} over ${workers} worker(s): the busiest loop holds ${Math.round((largest / held) * 100)}% (even: ${Math.round(even)}%)` +
    (missing > 0 ? `; ${missing} worker(s) got none` : '')
  )
}
