// Where pier's CPU time goes: self time per function from the .cpuprofile
// files node --cpu-prof writes (one per thread: the primary and each worker).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Self time per function over one or more parsed profiles, largest first:
 * [{ fn, where, ms, share, caller }] (caller: the function that called it
 * most, by samples), share of the busy samples: "(idle)" (a thread
 * waiting for work) is left out; "(garbage collector)" and "(program)" stay.
 */
export function selfTimes(profiles) {
  const byFn = new Map()
  const callers = new Map()
  let totalMs = 0
  const label = (cf) => `${cf.functionName || '(anonymous)'}\t${cf.url ? cf.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/') + ':' + (cf.lineNumber + 1) : ''}`
  for (const p of profiles) {
    const nodes = new Map(p.nodes.map((n) => [n.id, n]))
    const parent = new Map()
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n)
    // timeDeltas[i] is the time before samples[i]; attribute it to that sample's function
    p.samples.forEach((id, i) => {
      const us = p.timeDeltas[i] ?? 0
      const cf = nodes.get(id).callFrame
      if (cf.functionName === '(idle)') return
      const key = label(cf)
      byFn.set(key, (byFn.get(key) ?? 0) + us / 1000)
      const up = parent.get(id)
      if (up) {
        if (!callers.has(key)) callers.set(key, new Map())
        const m = callers.get(key)
        const c = label(up.callFrame).replace('\t', ' ').trim()
        m.set(c, (m.get(c) ?? 0) + us)
      }
      totalMs += us / 1000
    })
  }
  return [...byFn.entries()]
    .map(([key, ms]) => {
      const [fn, where] = key.split('\t')
      const top = [...(callers.get(key) ?? new Map()).entries()].sort((a, b) => b[1] - a[1])[0]
      return { fn, where, ms, share: totalMs ? ms / totalMs : 0, caller: top?.[0] ?? '' }
    })
    .sort((a, b) => b.ms - a.ms)
}

/** Reads every .cpuprofile in dir; [] when there are none. */
export function readProfiles(dir) {
  let files = []
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
  } catch (err) {
    if (err.code !== 'ENOENT') throw err
  }
  return files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')))
}
