// Parent side of the load generator: one or more long-lived processes
// (bench/loadgen-child.mjs: autocannon, or the open-loop generator at a
// fixed rate), each pinned, sharing the connections and the rate; their µs
// histograms are merged into one distribution per run, and their own CPU
// time is measured so the report can tell when the generator is the limit.
import { fileURLToPath } from 'node:url'
import { start } from './procs.mjs'
import { mergeEncoded, codedError } from './hdr.mjs'
import { treeCpu } from './cpu.mjs'
import { clock } from './metronome.mjs'

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
     * hosts, overallRate) split over the processes. At a fixed rate they
     * share one evenly spaced schedule: process i of n starts i / rate later.
     * Returns { rps, ok, errors, durationS, histogram, loadgenCpu } (+ service
     * and tickLag histograms and the waited count at a fixed rate);
     * loadgenCpu: { user, system } seconds.
     */
    async run(spec) {
      const n = kids.length
      const startAt = clock() + 500 // every child is ready by then
      const cpu0 = kids.map((k) => treeCpu(k.pid))
      const parts = kids.map((k, i) => {
        const share = (x) => (x ? Math.floor(x / n) + (i < x % n ? 1 : 0) : x)
        const paced = spec.overallRate ? { overallRate: share(spec.overallRate), startAt, phaseMs: (i * 1000) / spec.overallRate } : {}
        return ask(k, { ...spec, connections: Math.max(1, share(spec.connections)), ...paced })
      })
      const results = await Promise.all(parts)
      const cpu1 = kids.map((k) => treeCpu(k.pid))
      const ok = results.reduce((s, r) => s + r.ok2xx, 0)
      const durationS = Math.max(...results.map((r) => r.durationS))
      const merged = (key) => (results[0][key] ? mergeEncoded(results.map((r) => r[key])) : null)
      return {
        ok,
        rps: ok / durationS,
        errors: results.reduce((s, r) => s + r.errors + r.timeouts + r.non2xx, 0),
        durationS,
        histogram: merged('histogram'),
        ...(spec.overallRate ? { service: merged('service'), tickLag: merged('tickLag'), waited: results.reduce((a, r) => a + r.waited, 0) } : {}),
        loadgenCpu: {
          user: cpu1.reduce((a, c, i) => a + c.user - cpu0[i].user, 0),
          system: cpu1.reduce((a, c, i) => a + c.system - cpu0[i].system, 0),
        },
      }
    },
    async stop() {
      await Promise.all(kids.map((k) => k.stop()))
    },
  }
}
