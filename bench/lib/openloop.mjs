// Open-loop load at a fixed rate: request k is due at t0 + k / rate, evenly
// spaced (a metronome thread wakes the loop on time), whatever the server
// does. A due request goes out on any idle connection of the pool, or waits
// for one; its latency runs from when it was due, not from when it went out,
// so a server that stalls is charged for every request it held back
// (no coordinated omission). Also recorded: the service time (from the
// actual send), the generator's own lag (how late its loop saw each tick)
// and how many requests waited for a connection, so the generator's part
// of the figure can be told from the server's.
import { connect } from 'node:net'
import { ResponseReader } from './response-reader.mjs'
import { startMetronome, clock } from './metronome.mjs'
import { newHistogram, encode } from './hdr.mjs'

const TIMEOUT_MS = 10_000
const us = (ms) => Math.max(1, Math.round(ms * 1000))

/** The request bytes of spec, one Buffer per host when spec.hosts cycles through hosts. */
export function requestBuffers(spec, authority) {
  const hosts = spec.hosts ?? [spec.headers?.host ?? authority]
  const extra = Object.entries(spec.headers ?? {}).filter(([k]) => k.toLowerCase() !== 'host')
  const body = spec.bodyBytes ? Buffer.alloc(spec.bodyBytes, 'b') : null
  return hosts.map((host) => {
    const lines = [`${spec.method ?? 'GET'} ${spec.path ?? '/'} HTTP/1.1`, `host: ${host}`, ...extra.map(([k, v]) => `${k}: ${v}`)]
    if (body) lines.push(`content-length: ${body.length}`)
    if (spec.newConnectionPerRequest) lines.push('connection: close')
    const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1')
    return body ? Buffer.concat([head, body]) : head
  })
}

/** When request k is due: t0 + k * intervalMs, for total requests over durationS at rate. */
export function schedule(rate, durationS) {
  const intervalMs = 1000 / rate
  return { intervalMs, total: Math.max(1, Math.round(rate * durationS)) }
}

/**
 * Runs spec at spec.overallRate for spec.durationS over spec.connections
 * connections (a new one per request with newConnectionPerRequest).
 * spec.startAt (absolute ms, clock()'s origin) and spec.phaseMs let several
 * processes share one evenly spaced schedule. Resolves with counts (waited:
 * requests that found every connection busy when due), the due-to-done
 * histogram (µs), the service-time and generator-lag histograms.
 */
export async function runOpenLoop(spec) {
  let failed = null
  let onFail = (err) => (failed = err)
  const metronome = await startMetronome((err) => onFail(err))
  if (failed) throw failed
  const { hostname, port } = new URL(spec.url)
  const requests = requestBuffers(spec, `${hostname}:${port}`)
  const { intervalMs, total } = schedule(spec.overallRate, spec.durationS)
  const latency = newHistogram()
  const service = newHistogram()
  const tickLag = newHistogram()
  const counts = { ok2xx: 0, non2xx: 0, errors: 0, timeouts: 0, waited: 0 }
  const due = [] // due times of requests waiting for an idle connection
  let dueHead = 0
  let counted = 0 // due[i] for i < counted are counted in counts.waited if they waited
  let next = 0 // the next request to become due
  let sent = 0
  let lastEnd = 0
  // a start already past (a slow thread start) is moved on: the schedule never begins in a burst
  const t0 = Math.max(spec.startAt ?? 0, clock() + 20) + (spec.phaseMs ?? 0)

  return new Promise((resolve, reject) => {
    let finished = false
    const slots = []
    const finish = (err) => {
      if (finished) return
      finished = true
      metronome.stop()
      clearTimeout(deadline)
      for (const s of slots) s.sock?.destroy()
      if (err) return reject(err)
      resolve({
        ...counts,
        durationS: Math.max(lastEnd - t0, total * intervalMs) / 1000,
        histogram: encode(latency),
        service: encode(service),
        tickLag: encode(tickLag),
      })
    }
    const settle = () => {
      if (next === total && dueHead === due.length && slots.every((s) => !s.busy)) finish()
    }

    const pump = () => {
      if (finished) return
      const now = clock()
      while (next < total && t0 + next * intervalMs <= now) due.push(t0 + next++ * intervalMs)
      for (const s of slots) {
        if (dueHead === due.length) break
        if (!s.busy) send(s, due[dueHead++])
      }
      counts.waited += Math.max(0, due.length - Math.max(dueHead, counted))
      counted = due.length
      if (dueHead > 4096 && dueHead === due.length) {
        counted = 0
        due.length = 0
        dueHead = 0
      }
      settle()
    }

    const send = (s, dueAt) => {
      s.busy = true
      s.dueAt = dueAt
      s.sentAt = clock()
      const bytes = requests[sent++ % requests.length]
      if (s.sock) s.sock.write(bytes)
      else open(s, bytes)
    }

    const free = (s) => {
      s.busy = false
      pump()
    }

    const drop = (s, kind) => {
      const sock = s.sock
      s.sock = null
      s.reader.reset()
      sock?.destroy()
      if (s.busy) {
        counts[kind]++
        free(s)
      }
    }

    const open = (s, first) => {
      const sock = connect(Number(port), hostname)
      s.sock = sock
      sock.setNoDelay(true)
      sock.setTimeout(TIMEOUT_MS, () => s.sock === sock && drop(s, 'timeouts'))
      if (first) sock.once('connect', () => sock.write(first))
      sock.on('data', (d) => {
        try {
          s.reader.push(d)
        } catch {
          if (s.sock === sock) drop(s, 'errors')
        }
      })
      sock.on('error', () => s.sock === sock && drop(s, 'errors'))
      sock.on('close', () => {
        if (s.sock !== sock) return
        const cut = s.reader.end()
        s.sock = null
        if (s.busy && cut) {
          counts.errors++
          free(s)
        }
      })
      return sock
    }

    const onResponse = (s, status, close) => {
      const end = clock()
      lastEnd = end
      latency.recordValue(us(end - s.dueAt))
      service.recordValue(us(end - s.sentAt))
      if (status >= 200 && status < 300) counts.ok2xx++
      else counts.non2xx++
      if (close || spec.newConnectionPerRequest) {
        const sock = s.sock
        s.sock = null
        sock?.destroy()
      }
      free(s)
    }

    for (let i = 0; i < Math.max(1, spec.connections); i++) {
      const s = { sock: null, busy: false, dueAt: 0, sentAt: 0 }
      s.reader = new ResponseReader((status, close) => onResponse(s, status, close))
      slots.push(s)
      // keep-alive connections are opened ahead of t0, so the first requests do not pay the connect
      if (!spec.newConnectionPerRequest) open(s, null)
    }
    onFail = finish
    metronome.tick({ t0, intervalMs, total }, (k) => {
      tickLag.recordValue(us(clock() - (t0 + k * intervalMs)))
      pump()
    })
    // bounded: the schedule, then the request timeout for the last ones
    const deadline = setTimeout(() => {
      for (const s of slots) if (s.busy) counts.timeouts++
      finish()
    }, t0 - clock() + total * intervalMs + TIMEOUT_MS + 1000)
  })
}
