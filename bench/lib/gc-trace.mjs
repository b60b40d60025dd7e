// pier's garbage collections per run, read from node --trace-gc lines on its
// output: "[pid:0xISOLATE]  1234 ms: Scavenge 4.1 (5.6) -> 3.6 (6.6) MB, 0.83 / 0.00 ms ...".
// Each isolate (the primary, every worker thread) has its own address.

const LINE = /\[\d+:(0x[0-9a-f]+)\]\s+\d+ ms: (Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)[^,]*, ([\d.]+) \/ ([\d.]+) ms/

/** Counts GCs on proc's stdout; snapshot() returns the totals so far, per isolate. */
export function gcCounter(proc) {
  const isolates = new Map()
  let tail = ''
  proc.stdout.on('data', (d) => {
    const lines = (tail + d).split('\n')
    tail = lines.pop()
    for (const l of lines) {
      const m = LINE.exec(l)
      if (!m) continue
      let s = isolates.get(m[1])
      if (!s) isolates.set(m[1], (s = { scavenges: 0, majors: 0, pauses: [] }))
      if (m[2] === 'Scavenge') s.scavenges++
      else s.majors++
      s.pauses.push(Number(m[3]))
    }
  })
  // pauses only grows, so a snapshot keeps the array and its counts
  return () => new Map([...isolates].map(([k, v]) => [k, { scavenges: v.scavenges, majors: v.majors, pauses: v.pauses }]))
}

/** GCs between two snapshots, per isolate that collected, busiest first. */
export function gcBetween(before, after) {
  const out = []
  for (const [k, a] of after) {
    const b = before.get(k) ?? { scavenges: 0, majors: 0 }
    const p = a.pauses.slice(b.scavenges + b.majors, a.scavenges + a.majors)
    if (p.length) out.push({ isolate: k, scavenges: a.scavenges - b.scavenges, majors: a.majors - b.majors, ms: p.reduce((x, y) => x + y, 0), maxMs: Math.max(...p) })
  }
  return out.sort((x, y) => y.ms - x.ms)
}
