// A long-lived load-generator process (pinned by the parent with taskset) that
// runs a load on request over IPC: autocannon at saturation, the open-loop
// generator (lib/openloop.mjs) at a fixed rate. Latency goes into our own µs
// histogram: autocannon's own one has 1 ms resolution, too coarse for sub-ms proxies.
import autocannon from 'autocannon'
import { connect } from 'node:net'
import { newHistogram, encode } from './lib/hdr.mjs'
import { runOpenLoop } from './lib/openloop.mjs'

/** Adapts our histogram to the calls autocannon's run loop makes (values in ms). */
function latencyRecorder(h) {
  return {
    __custom: true, // tells autocannon not to encode it; we send it ourselves
    recordValue: (ms) => h.recordValue(Math.max(1, Math.round(ms * 1000))),
    recordValueWithExpectedInterval: (ms) => h.recordValue(Math.max(1, Math.round(ms * 1000))),
    reset: () => h.reset(),
    destroy: () => {},
  }
}

function run(spec) {
  const h = newHistogram()
  const opts = {
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationS,
    method: spec.method ?? 'GET',
    headers: spec.headers ?? {},
    timeout: 10,
    skipAggregateResult: true,
    histograms: { latencies: latencyRecorder(h) },
  }
  if (spec.path) opts.url = spec.url.replace(/\/$/, '') + spec.path
  if (spec.bodyBytes) opts.body = Buffer.alloc(spec.bodyBytes, 'b')
  if (spec.hosts) opts.requests = spec.hosts.map((host) => ({ headers: { host } }))
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, r) => {
      if (err) return reject(err)
      resolve({
        ok2xx: r['2xx'],
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        durationS: r.duration,
        histogram: encode(h),
      })
    })
  })
}

/**
 * A new TCP connection per request (`Connection: close`, the server closes, so
 * TIME_WAIT stays on its side). autocannon's reconnectRate drops every response
 * it reconnects after from its counts, so this loop does it instead; latency
 * runs from connect() to the end of the response.
 */
function runNewConnections(spec) {
  const h = newHistogram()
  const { hostname, port } = new URL(spec.url)
  const head = [`GET ${spec.path ?? '/'} HTTP/1.1`, 'connection: close']
  const headers = { host: `${hostname}:${port}`, ...spec.headers }
  for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`)
  const request = Buffer.from(head.join('\r\n') + '\r\n\r\n')
  let ok = 0
  let errors = 0
  const t0 = performance.now()
  const endAt = t0 + spec.durationS * 1000
  const one = () =>
    new Promise((resolve) => {
      const began = performance.now()
      let first = ''
      const sock = connect(Number(port), hostname, () => sock.write(request))
      sock.setTimeout(10_000, () => sock.destroy(new Error('timeout')))
      sock.on('data', (d) => {
        if (first.length < 12) first += d.toString('latin1', 0, 12)
      })
      sock.on('error', () => {
        errors++
        resolve()
      })
      sock.on('end', () => {
        if (first.startsWith('HTTP/1.1 200')) {
          ok++
          h.recordValue(Math.max(1, Math.round((performance.now() - began) * 1000)))
        } else errors++
        sock.destroy()
        resolve()
      })
    })
  const loop = async () => {
    while (performance.now() < endAt) await one()
  }
  return Promise.all(Array.from({ length: spec.connections }, loop)).then(() => ({
    ok2xx: ok,
    non2xx: 0,
    errors,
    timeouts: 0,
    durationS: (performance.now() - t0) / 1000,
    histogram: encode(h),
  }))
}

process.on('message', async ({ id, spec }) => {
  try {
    const runner = spec.overallRate ? runOpenLoop : spec.newConnectionPerRequest ? runNewConnections : run
    process.send({ id, result: await runner(spec) })
  } catch (err) {
    process.send({ id, error: { code: err.code ?? 'ELOADGEN', message: String(err.message ?? err) } })
  }
})
process.on('disconnect', () => process.exit(0))
process.send({ ready: true })
