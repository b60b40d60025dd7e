// Parent side of the load generator: one or more long-lived autocannon
// processes (bench/loadgen-child.mjs), each pinned, sharing the connections;
// their µs histograms are merged into one distribution per run.
import { fileURLToPath } from 'node:url'
import { start } from './procs.mjs'
import { mergeEncoded, codedError } from './hdr.mjs'

const CHILD = fileURLToPath(new URL('../loadgen-child.mjs', import.meta.url))

export async function startLoadgen({ procs = 1, cpus } = {}) {
  const kids = []
  for (let i = 0; i < procs; i++) {
    const k = start(`loadgen${i}`, process.execPath, [CHILD], { cpus, ipc: true })
    await new Promise((resolve, reject) => {
      k.proc.once('message', (m) => (m.ready ? resolve() : reject(codedError('ELOADGEN', 'loadgen sent ' + JSON.stringify(m)))))
      k.proc.once('exit', (code) => reject(codedError('ELOADGEN', `loadgen exited (${code}):\n${k.output()}`)))
    })
    kids.push(k)
  }
  let nextId = 0
  const ask = (k, spec) =>
    new Promise((resolve, reject) => {
      const id = nextId++
      // autocannon stops itself after durationS; a child that does not answer well after is stuck
      const limitMs = (spec.durationS + 60) * 1000
      const timer = setTimeout(() => {
        k.proc.off('message', onMsg)
        reject(codedError('ELOADGEN', `${k.name} did not finish a ${spec.durationS} s run within ${limitMs / 1000} s`))
      }, limitMs)
      const onMsg = (m) => {
        if (m.id !== id) return
        clearTimeout(timer)
        k.proc.off('message', onMsg)
        m.error ? reject(codedError(m.error.code, m.error.message)) : resolve(m.result)
      }
      k.proc.on('message', onMsg)
      k.proc.send({ id, spec })
    })
  return {
    /**
     * Runs spec (url, path, connections, durationS, headers, method, bodyBytes,
     * hosts, reconnectRate, overallRate) split over the processes.
     * Returns { rps, ok, errors, durationS, histogram }.
     */
    async run(spec) {
      const n = kids.length
      const parts = kids.map((k, i) => {
        const share = (x) => (x ? Math.floor(x / n) + (i < x % n ? 1 : 0) : x)
        return ask(k, { ...spec, connections: Math.max(1, share(spec.connections)), overallRate: share(spec.overallRate) })
      })
      const results = await Promise.all(parts)
      const ok = results.reduce((s, r) => s + r.ok2xx, 0)
      const durationS = Math.max(...results.map((r) => r.durationS))
      return {
        ok,
        rps: ok / durationS,
        errors: results.reduce((s, r) => s + r.errors + r.timeouts + r.non2xx, 0),
        durationS,
        histogram: mergeEncoded(results.map((r) => r.histogram)),
      }
    },
    async stop() {
      await Promise.all(kids.map((k) => k.stop()))
    },
  }
}
