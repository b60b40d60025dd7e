// The harness's arithmetic on known inputs: .hgrm parsing, HDR merging,
// medians, wrk output parsing, fixed rates, options, and the report tables.
import t from 'tap'
// @ts-expect-error: the harness is plain ESM JavaScript without type declarations
import { newHistogram, encode, mergeEncoded, summarize, toHgrm, parseHgrm, hgrmPercentile, hgrmSummary, spread } from '../../bench/lib/hdr.mjs'
// @ts-expect-error: as above
import { parseWrk } from '../../bench/lib/wrk.mjs'
// @ts-expect-error: as above
import { SCENARIOS, fixedRate } from '../../bench/lib/scenarios.mjs'
// @ts-expect-error: as above
import { parseOptions, cpuRange } from '../../bench/lib/options.mjs'
// @ts-expect-error: as above
import { readmeTable, fullReport } from '../../bench/lib/report.mjs'
// @ts-expect-error: as above
import { machineLabel } from '../../bench/lib/machine.mjs'

/** HDR with 3 significant digits reports a bucket's top: equal within 0.2%. */
const near = (actual: number, expected: number) => Math.abs(actual - expected) <= Math.abs(expected) * 0.002

// An .hgrm as HdrHistogram writes it: 4 values, 1, 2, 3 and 10 ms.
const HGRM = `       Value     Percentile TotalCount 1/(1-Percentile)

       1.000 0.000000000000          1           1.00
       1.000 0.250000000000          1           1.33
       2.000 0.500000000000          2           2.00
       3.000 0.750000000000          3           4.00
      10.000 1.000000000000          4
#[Mean    =        4.000, StdDeviation   =        3.536]
#[Max     =       10.000, Total count    =            4]
#[Buckets =           14, SubBuckets     =         2048]
`

t.test('parseHgrm reads rows and percentiles come from the first row at or above', async (t) => {
  const rows = parseHgrm(HGRM)
  t.equal(rows.length, 5)
  t.same(rows[2], { value: 2, percentile: 0.5, count: 2 })
  t.equal(hgrmPercentile(rows, 50), 2)
  t.equal(hgrmPercentile(rows, 60), 3)
  t.equal(hgrmPercentile(rows, 99), 10)
  t.same(hgrmSummary(rows), { p50: 2, p90: 10, p99: 10, p999: 10 })
})

t.test('parseHgrm names the bad line', async (t) => {
  t.throws(() => parseHgrm('Value Percentile\n  1.0 0.5 3\n  x y z\n'), { code: 'EHGRM', message: /line 3/ })
  t.throws(() => parseHgrm('  1.0 1.5 3\n'), { code: 'EHGRM', message: /not a distribution row/ })
  t.throws(() => parseHgrm('#[Max = 1]\n'), { code: 'EHGRM', message: /no distribution rows/ })
})

t.test('merging encoded histograms adds counts; percentiles are in ms', async (t) => {
  const a = newHistogram()
  const b = newHistogram()
  for (let i = 1; i <= 100; i++) a.recordValue(i * 100) // 0.1 .. 10 ms
  for (let i = 0; i < 100; i++) b.recordValue(50_000) // 50 ms
  const m = mergeEncoded([encode(a), encode(b)])
  t.equal(m.totalCount, 200)
  const s = summarize(m)
  t.ok(near(s.p50, 10), `the 100th of 200 values is a's largest, 10 ms (got ${s.p50})`)
  t.ok(near(s.p90, 50), `p90 is b's 50 ms (got ${s.p90})`)
  t.ok(near(s.max, 50), `max 50 ms (got ${s.max})`)
  const only = summarize(mergeEncoded([encode(a)]))
  t.ok(near(only.p50, 5), `p50 of 0.1..10 ms is 5 ms (got ${only.p50})`)
  t.ok(near(only.p99, 9.9), `p99 is 9.9 ms (got ${only.p99})`)
  // written as .hgrm in ms and read back, the same percentiles
  const back = hgrmSummary(parseHgrm(toHgrm(m)))
  t.ok(near(back.p50, 10) && near(back.p90, 50) && near(back.p999, 50), `round trip: ${JSON.stringify(back)}`)
})

t.test('spread gives median, min and max', async (t) => {
  t.same(spread([3, 1, 2]), { median: 2, min: 1, max: 3 })
  t.same(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4 })
  t.same(spread([]), { median: 0, min: 0, max: 0 })
})

t.test('parseWrk reads requests/s and latency percentiles in ms', async (t) => {
  const out = `Running 8s test @ http://127.0.0.1:8080/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   303.51us  150.62us   5.94ms   93.10%
    Req/Sec   165.13k    10.34k  176.70k    85.00%
  Latency Distribution
     50%  285.00us
     75%  311.00us
     90%  352.00us
     99%    1.02ms
  1314497 requests in 8.00s, 143.15MB read
Requests/sec: 164310.79
Transfer/sec:     17.89MB
`
  const w = parseWrk(out)
  t.equal(w.rps, 164310.79)
  t.ok(near(w.p50, 0.285) && near(w.p90, 0.352) && near(w.p99, 1.02), JSON.stringify(w))
  t.throws(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused'), { code: 'EWRK' })
})

t.test('the fixed rate is the nominal one, or half the slowest target', async (t) => {
  const s = SCENARIOS.find((x: { name: string }) => x.name === '1-backend')
  t.equal(fixedRate(s, [60000, 50000, 10000]), 2000)
  t.equal(fixedRate(s, [60000, 3000]), 1500)
  t.equal(fixedRate(s, [60000, 0]), 2000, 'a target with no throughput does not set the rate')
})

t.test('options: defaults adapt to the machine; bad input is named', async (t) => {
  const two = parseOptions([], { cores: 2, arch: 'x64' })
  t.equal(two.workers, 1)
  t.same(two.cpus, { loadgen: '0', proxy: '1', loadgenCount: 1 })
  t.equal(two.durationS, 10)
  t.equal(two.connections, 50)
  const pi = parseOptions(['--quick'], { cores: 4, arch: 'arm64' })
  t.equal(pi.mode, 'quick')
  t.equal(pi.connections, 32)
  t.equal(pi.workers, 2)
  t.same(cpuRange(4), { loadgen: '0-1', proxy: '2-3', loadgenCount: 2 })
  t.equal(parseOptions([], { cores: 1, arch: 'x64' }).cpus, null, 'one core: nothing to pin')
  const smoke = parseOptions(['--smoke'], { cores: 2, arch: 'x64' })
  t.same(smoke.targets, ['direct', 'pier', 'nginx'])
  t.equal(smoke.latest, false)
  t.throws(() => parseOptions(['--targets=pier,apache']), { code: 'EUSAGE', message: /unknown apache/ })
  t.throws(() => parseOptions(['--repeats=zero']), { code: 'EUSAGE', message: /--repeats needs a positive number/ })
  t.throws(() => parseOptions(['--quick', '--smoke']), { code: 'EUSAGE' })
  t.throws(() => parseOptions(['fast']), { code: 'EUSAGE', message: /unexpected argument "fast"/ })
})

t.test('machine labels are file-name safe', async (t) => {
  t.equal(machineLabel({ arch: 'arm64', cores: 4, cpu: 'Cortex-A72 @ 1.5GHz' }), 'arm64-4c-cortex-a72')
  t.equal(machineLabel({ arch: 'x64', cores: 2, cpu: 'Intel(R) Xeon(R) CPU E5-2680' }), 'x64-2c-intel-xeon-e5-2680')
})

t.test('report tables carry every target and scenario', async (t) => {
  const target = (name: string, rps: number) => ({
    target: name, rps, rpsMin: rps - 1, rpsMax: rps + 1, ratioDirect: rps / 100000, ratioNginx: rps / 50000,
    p50: 0.5, p90: 1, p99: 2, p999: 4, errors: 0, rssMB: 40, idleRssMB: 30,
    cpuUs: { user: 10, system: 5.25, total: 15.25 },
    loadgen: { busy: name === 'direct' ? 0.97 : 0.5, cpuUs: 9.5, ceilingRps: name === 'direct' ? 103000 : 110000, cpusBusy: 0.99 },
    fixed: { rate: 2000, rps: 2000, p50: 0.2, p90: 0.3, p99: name === 'pier' ? 0.9 : 0.5, p999: 1.5, serviceP50: 0.1, serviceP99: 0.4, generatorLagP99: 0.08, waited: 3, cpuUs: { user: 20, system: 30, total: 50 }, errors: 0 },
    server: name === 'pier' ? { p50: 0.1, p90: 0.2, p99: 0.4, p999: 0.8 } : null,
    ...(name === 'pier' ? { threads: [{ tid: 7, main: false, user: 9, system: 5 }, { tid: 1, main: true, user: 0.5, system: 0 }], connections: { perLoop: [50], total: 50 } } : {}),
  })
  const results = {
    version: 2, date: '2026-11-25T20:00:00.000Z', mode: 'full', workers: 1, repeats: 3, connections: 50, rateConnections: 4, durationS: 10, method: 'm',
    machine: { cpu: 'AMD EPYC', cores: 2, arch: 'x64', kernel: 'Linux 6.1', node: 'v20.20.2', placement: 'load generator on cpu 0', loadgen: 'autocannon', versions: { pier: 'pier 0.1.0 abc1234', nginx: '1.22.1' } },
    skipped: [{ target: 'traefik', reason: 'no traefik binary on PATH' }],
    idle: [{ target: 'pier', workers: 2, rssMB: 61.2 }],
    scenarios: [{
      name: '1-backend', what: 'w', loadgen: 'autocannon', fixedRate: 2000, pierOverheadP99Ms: 0.4,
      pierOverhead: { p99Ms: 0.4, p50Ms: 0.05, generatorLagP99Ms: 0.08, verdict: 'met' },
      failed: [], targets: [target('direct', 100000), target('pier', 55000), target('nginx', 50000)],
    }],
  }
  const table = readmeTable(results)
  t.match(table, /^Measured 2026-11-25 \(full run, pier 0\.1\.0 abc1234\) on AMD EPYC, 2 cores/, 'the machine and the commit measured are named')
  t.match(table, /\| pier \| 55,000 \(2\.00 ms\) \|/)
  t.match(table, /CPU µs per request at saturation/)
  t.match(table, /\| pier \| 10\.0 \+ 5\.3 \|/)
  t.match(table, /1-backend @2,000\/s/)
  t.match(table, /paced evenly/)
  t.match(table, /\| pier p99 − direct p99 \| 0\.40 \|/)
  t.match(table, /limit in: 1-backend direct \(autocannon: the generator was busy 97% of its cores\)/)
  t.match(table, /Idle RSS with 2 workers: pier 61 MB/)
  t.match(table, /Not run: traefik \(no traefik binary on PATH\)/)
  const full = fullReport(results)
  t.match(full, /\| pier \| 55,000 \(54,999-55,001\) \| 0\.55 \| 1\.10 \| 0\.50 \| 1\.00 \| 2\.00 \| 4\.00 \| 10\.0 \+ 5\.3 \| 50% \| 0 \| 30 \/ 40 \| 0\.10 \/ 0\.40 \|/)
  t.match(full, /\| pier \| 2,000 \| 0\.20 \| 0\.30 \| 0\.90 \| 1\.50 \| 0\.40 \| 0\.08 \| 3 \| 20\.0 \+ 30\.0 \| 0 \|/)
  t.match(full, /autocannon is the limit for direct: the generator was busy 97% of its cores \(97% of autocannon's ceiling here, 103,000 req\/s/)
  t.match(full, /pier's threads, user \+ sys µs\/request: 7 9\.0 \+ 5\.0, main 0\.5 \+ 0\.0; client connections per event loop: 50 of 50 over 1 worker\(s\)/)
  t.match(full, /pier's p99 minus direct's at 2,000 req\/s: 0\.40 ms \(p50: 0\.05 ms\); target < 1 ms: met\./)
  t.match(full, /!\[1-backend at saturation\]\(1-backend\.svg\)/)
  // a results file from before CPU figures and even pacing still renders, and says how its fixed rate was paced
  const old = { ...results, version: 1, scenarios: [{ ...results.scenarios[0], pierOverhead: undefined, targets: results.scenarios[0].targets.map((x) => ({ ...x, cpuUs: undefined, loadgen: undefined })) }] }
  const oldTable = readmeTable(old)
  t.notMatch(oldTable, /CPU µs per request/)
  t.match(oldTable, /per-second pacing, which sends each second's requests in a burst/)
})

t.test('CPU profile self times leave idle out and sum per function', async (t) => {
  // @ts-expect-error: the harness is plain ESM JavaScript without type declarations
  const { selfTimes } = await import('../../bench/lib/cpuprofile.mjs')
  const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0, scriptId: '0' })
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4] },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('match', 'file:///w/main/dist/table/reader.js', 41) },
      { id: 4, callFrame: frame('(garbage collector)') },
    ],
    samples: [2, 3, 3, 4, 2],
    timeDeltas: [5000, 1000, 2000, 1000, 9000],
  }
  const top = selfTimes([profile, profile])
  t.same(top.map((f: { fn: string }) => f.fn), ['match', '(garbage collector)'])
  t.equal(top[0].ms, 6)
  t.equal(top[0].where, 'dist/table/reader.js:42')
  t.ok(Math.abs(top[0].share - 0.75) < 1e-9)
  t.equal(top[0].caller, '(root)')
})

t.test('wrk scripts shape the requests and its curve rebuilds a histogram', async (t) => {
  // @ts-expect-error: the harness is plain ESM JavaScript without type declarations
  const { wrkScript, parseWrkJson, histogramFromCurve } = await import('../../bench/lib/wrk.mjs')
  const lua = wrkScript({ method: 'POST', path: '/x', bodyBytes: 1024, headers: { host: 'bench.local' }, hosts: ['a.b', 'c"d'] })
  t.match(lua, /wrk\.method = "POST"/)
  t.match(lua, /wrk\.body = string\.rep\("b", 1024\)/)
  t.match(lua, /local hosts = \{"a\.b","c\\"d"\}/)
  t.match(lua, /wrk\.headers\["Host"\] = "bench\.local"/, 'Host replaces wrk\'s own entry')
  t.notMatch(lua, /wrk\.headers\["host"\]/, 'no second Host header')
  const r = parseWrkJson('Running 1s test\nBENCH-JSON {"requests":100,"durationUs":2000000,"connect":1,"read":2,"write":0,"status":3,"timeout":4,"points":[[50,100],[90,200],[100,1000]]}\n')
  t.same({ ok: r.ok, errors: r.errors, durationS: r.durationS }, { ok: 97, errors: 10, durationS: 2 })
  const h = histogramFromCurve(r.points, 100)
  t.equal(h.totalCount, 100)
  t.equal(h.getValueAtPercentile(50), 100)
  t.equal(h.getValueAtPercentile(60), 200)
  t.ok(Math.abs(h.getValueAtPercentile(99) - 1000) <= 1)
  t.throws(() => parseWrkJson('Requests/sec: 5\n'), { code: 'EWRK' })
})
