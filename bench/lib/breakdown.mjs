// Where a proxy's CPU goes, by category: from `perf report` (every sample of
// every thread, kernel included) and from V8's .cpuprofile files (the
// JavaScript view). Pure functions over the tools' output, so they can be
// tested on known input; bench/breakdown/run.mjs runs the tools.
import { codedError } from './hdr.mjs'

/**
 * Rows of `perf report --stdio --no-children --sort dso,sym -F sample,dso,sym -t '\t'`:
 * [{ samples, dso, sym }]; comment and blank lines are skipped.
 */
export function parsePerfReport(text) {
  const rows = []
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue
    const [samples, dso, sym] = line.split('\t').map((x) => x.trim())
    const n = Number(samples)
    if (!Number.isFinite(n) || dso === undefined) throw codedError('EPERF', `not a perf report row: "${line.slice(0, 120)}"`)
    rows.push({ samples: n, dso, sym: (sym ?? '').replace(/^\[[.k]\]\s*/, '') })
  }
  return rows
}

const GC = /^v8::internal::(Heap|Scavenger|ScavengerCollector|MarkCompact|MinorMarkCompact|MinorMarkSweep|Sweeper|ConcurrentMarking|MarkingVisitor|MarkingBarrier|IncrementalMarking|Evacuat|MemoryAllocator|PagedSpace|NewSpace|SemiSpace|LargeObjectSpace|GCTracer|LocalHeap|Page|MemoryChunk|RememberedSet|SlotSet|ArrayBufferSweeper|\w*(Marking|Scaveng|Sweep|Evacuat|Compact)\w*)\b/

/** The category of one perf sample row (dso and symbol). */
export function perfCategory({ dso, sym }) {
  if (dso.startsWith('[kernel') || (dso === '[unknown]' && sym.startsWith('0xffff'))) return 'kernel'
  if (/uws_.*\.node$/.test(dso)) return 'uWS (native)'
  if (dso.startsWith('[JIT]') || /^perf-\d+\.map$/.test(dso)) {
    if (/file:\/\/\S*\/dist\//.test(sym)) return 'JS: pier'
    if (/\bnode:/.test(sym)) return 'JS: Node internals (streams, net, events)'
    if (/node_modules\//.test(sym)) return 'JS: dependencies'
    return 'JS: other (V8 stubs, inline caches)'
  }
  if (/^(node|nodejs)$/.test(dso) || /\/node$/.test(dso)) {
    if (/^Builtins_/.test(sym)) return 'V8 builtins and interpreter'
    if (GC.test(sym)) return 'V8 GC'
    if (/^(v8::|V8|cppgc::|heap::)/.test(sym)) return 'V8 runtime and API'
    if (/^uv_|^uv__/.test(sym)) return 'libuv'
    if (/^node::/.test(sym)) return 'Node C++ (bindings, stream base, TCP wrap)'
    return 'node binary, other'
  }
  if (/^libuv\.so/.test(dso)) return 'libuv'
  if (/^(libc|libstdc\+\+|libm|libpthread|libgcc_s|ld-linux)[-.]/.test(dso) || dso === '[vdso]') return 'libc, libstdc++, vdso'
  return 'other'
}

/**
 * Samples by category: [{ category, samples, share, top: [{ sym, dso, samples }] }],
 * largest first, top the five largest symbols of each.
 */
export function perfBreakdown(rows) {
  const total = rows.reduce((a, r) => a + r.samples, 0)
  const by = new Map()
  for (const r of rows) {
    const c = perfCategory(r)
    if (!by.has(c)) by.set(c, { category: c, samples: 0, rows: [] })
    const e = by.get(c)
    e.samples += r.samples
    e.rows.push(r)
  }
  return [...by.values()]
    .map((e) => ({
      category: e.category,
      samples: e.samples,
      share: total ? e.samples / total : 0,
      top: e.rows.sort((a, b) => b.samples - a.samples).slice(0, 5).map((r) => ({ sym: r.sym, dso: r.dso, samples: r.samples })),
    }))
    .sort((a, b) => b.samples - a.samples)
}

/** The category of one .cpuprofile call frame (JavaScript view: native code shows as (program)). */
export function profileCategory(cf) {
  const fn = cf.functionName
  if (fn === '(garbage collector)') return 'V8 GC'
  if (fn === '(program)') return 'native, outside JavaScript (uWS, libuv, V8, kernel)'
  if (fn === '(root)') return 'other'
  if (!cf.url) return 'native functions called from JS (uWS methods, Node bindings)'
  if (/\/dist\//.test(cf.url)) return 'JS: pier'
  if (cf.url.startsWith('node:')) return 'JS: Node internals (streams, net, events)'
  if (/node_modules\//.test(cf.url)) return 'JS: dependencies'
  return 'JS: other'
}

/**
 * Self time by category over parsed .cpuprofile files (idle left out):
 * [{ category, ms, share, top: [{ fn, where, ms }] }], largest first.
 */
export function profileBreakdown(profiles) {
  const by = new Map()
  let totalMs = 0
  for (const p of profiles) {
    const nodes = new Map(p.nodes.map((n) => [n.id, n]))
    p.samples.forEach((id, i) => {
      const cf = nodes.get(id).callFrame
      if (cf.functionName === '(idle)') return
      const ms = (p.timeDeltas[i] ?? 0) / 1000
      const c = profileCategory(cf)
      if (!by.has(c)) by.set(c, { category: c, ms: 0, fns: new Map() })
      const e = by.get(c)
      e.ms += ms
      const key = `${cf.functionName || '(anonymous)'}\t${cf.url ? cf.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/') + ':' + (cf.lineNumber + 1) : ''}`
      e.fns.set(key, (e.fns.get(key) ?? 0) + ms)
      totalMs += ms
    })
  }
  return [...by.values()]
    .map((e) => ({
      category: e.category,
      ms: e.ms,
      share: totalMs ? e.ms / totalMs : 0,
      top: [...e.fns.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, ms]) => {
        const [fn, where] = k.split('\t')
        return { fn, where, ms }
      }),
    }))
    .sort((a, b) => b.ms - a.ms)
}

const f1 = (x) => (x == null ? 'n/a' : x.toFixed(1))

/** A markdown table of one breakdown: share, µs per request (share × usPerRequest), top entries. */
export function breakdownTable(rows, usPerRequest, topOf) {
  const out = ['| category | share | µs/request | largest |', '|---|---:|---:|---|']
  for (const r of rows) out.push(`| ${r.category} | ${(r.share * 100).toFixed(1)}% | ${f1(usPerRequest == null ? null : r.share * usPerRequest)} | ${r.top.slice(0, 3).map(topOf).join('; ')} |`)
  return out.join('\n')
}

/**
 * Before and after, per category (µs per request): a markdown table from two
 * saved breakdown results (bench/breakdown/run.mjs --out), one section per view.
 */
export function compareBreakdowns(a, b) {
  const out = [`Before: ${a.label}. After: ${b.label}.`, '']
  const line = (name, x, y) => `| ${name} | ${f1(x)} | ${f1(y)} | ${x != null && y != null ? (y - x >= 0 ? '+' : '') + (y - x).toFixed(1) : 'n/a'} |`
  out.push('| per request | before µs | after µs | change |', '|---|---:|---:|---:|')
  out.push(line('user (/proc)', a.proc.cpuUs.user, b.proc.cpuUs.user), line('system (/proc)', a.proc.cpuUs.system, b.proc.cpuUs.system), line('total (/proc)', a.proc.cpuUs.total, b.proc.cpuUs.total))
  for (const view of ['perf', 'cpuProf']) {
    if (!a[view]?.categories || !b[view]?.categories) continue
    out.push('', `${view === 'perf' ? 'perf, every sample' : 'cpu-prof, JavaScript view'}:`, '', '| category | before µs | after µs | change |', '|---|---:|---:|---:|')
    const names = [...new Set([...a[view].categories, ...b[view].categories].map((c) => c.category))]
    const us = (r, name) => {
      const c = r[view].categories.find((x) => x.category === name)
      return c && r[view].usPerRequest != null ? c.share * r[view].usPerRequest : 0
    }
    for (const n of names) out.push(line(n, us(a, n), us(b, n)))
  }
  return out.join('\n') + '\n'
}
