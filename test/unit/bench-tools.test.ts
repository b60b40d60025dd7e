// The measuring tools of the harness on known input: /proc parsing, bash's
// times, HTTP response framing, connection spread from epoll fdinfo, the
// load-generator verdicts, the pier overhead verdict, perf and cpu-prof
// categories, and the README's generated regions (and that the committed
// README matches the committed results).
import t from 'tap'
import { readFileSync, existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
// @ts-expect-error: the harness is plain ESM JavaScript without type declarations
import { parseStat, parseProcStat, parseTimes, cpuList, perRequestUs, treeCpu, threadCpu } from '../../bench/lib/cpu.mjs'
// @ts-expect-error: as above
import { ResponseReader } from '../../bench/lib/response-reader.mjs'
// @ts-expect-error: as above
import { acceptedInodes, epollInodes, spreadNote, threadsPerRequest } from '../../bench/lib/threads.mjs'
// @ts-expect-error: as above
import { generatorLoad, generatorVerdict, generatorNotes, overheadVerdict, overheadSentence } from '../../bench/lib/limits.mjs'
// @ts-expect-error: as above
import { parsePerfReport, perfCategory, perfBreakdown, profileBreakdown, compareBreakdowns } from '../../bench/lib/breakdown.mjs'
// @ts-expect-error: as above
import { regionOf, replaceRegion, refreshReadme, region, REGIONS } from '../../bench/lib/readme.mjs'
// @ts-expect-error: as above
import { requestBuffers, schedule } from '../../bench/lib/openloop.mjs'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

t.test('parseStat reads ppid, user and system time past a comm with spaces and parentheses', async (t) => {
  const line = '4242 (node (x) y) S 17 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 11 0 12345 1000000 5000 18446744073709551615'
  t.same(parseStat(line, 100), { pid: 4242, comm: 'node (x) y', ppid: 17, user: 2.5, system: 0.75 })
  t.throws(() => parseStat('garbage', 100), { code: 'EPROCSTAT' })
  t.throws(() => parseStat('1 (x) S', 100), { code: 'EPROCSTAT', message: /without ppid/ })
  // and on this very process: every thread's time sums to at most the process's
  const me = treeCpu(process.pid)
  const threads = threadCpu(process.pid)
  t.ok(me.user + me.system > 0, 'this process has used CPU')
  t.ok(threads.length >= 1 && threads.some((x: { tid: number }) => x.tid === process.pid), 'its main thread is listed')
})

t.test('parseProcStat gives busy and total ticks per cpu; cpuList expands taskset lists', async (t) => {
  const stat = 'cpu  30 0 10 100 5 0 2 1 0 0\ncpu0 10 0 5 50 2 0 1 1 0 0\ncpu1 20 0 5 50 3 0 1 0 0 0\nintr 1 2\n'
  t.same(parseProcStat(stat), { 0: { busy: 17, total: 69 }, 1: { busy: 26, total: 79 } })
  t.same(cpuList('0'), [0])
  t.same(cpuList('1-3'), [1, 2, 3])
  t.same(cpuList('0,2-3'), [0, 2, 3])
})

t.test("parseTimes reads bash's children line; perRequestUs divides", async (t) => {
  t.same(parseTimes('Requests/sec: 5\n0m0.002s 0m0.000s\n1m2.500s 0m0.250s\n'), { user: 62.5, system: 0.25 })
  t.throws(() => parseTimes('Requests/sec: 5\n'), { code: 'ETIMES' })
  t.same(perRequestUs({ user: 1, system: 0.5 }, 100000), { user: 10, system: 5, total: 15 })
  t.equal(perRequestUs({ user: 1, system: 0 }, 0), null)
})

t.test('ResponseReader finds the end of responses split anywhere', async (t) => {
  const stream = Buffer.from(
    'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello' +
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nx-trailer: 1\r\n\r\n' +
      'HTTP/1.1 204 No Content\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    'latin1',
  )
  const expected = [[200, false], [404, false], [204, false], [200, true]]
  for (const step of [stream.length, 1, 7]) {
    const got: Array<[number, boolean]> = []
    const r = new ResponseReader((status: number, close: boolean) => got.push([status, close]))
    for (let i = 0; i < stream.length; i += step) r.push(stream.subarray(i, i + step))
    t.same(got, expected, `fed ${step} byte(s) at a time`)
    t.equal(r.end(), false, 'nothing cut short')
  }
  const toClose: Array<[number, boolean]> = []
  const r = new ResponseReader((status: number, close: boolean) => toClose.push([status, close]))
  r.push(Buffer.from('HTTP/1.0 200 OK\r\n\r\nbody until the close'))
  t.same(toClose, [], 'a body without length runs to the close')
  t.equal(r.end(), false)
  t.same(toClose, [[200, true]])
  const cut = new ResponseReader(() => {})
  cut.push(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'))
  t.equal(cut.end(), true, 'a close inside a body is a cut response')
  t.throws(() => new ResponseReader(() => {}).push(Buffer.from('SSH-2.0-x\r\n\r\n')), { code: 'EBADRESPONSE' })
  t.throws(() => new ResponseReader(() => {}).push(Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n')), { code: 'EBADRESPONSE', message: /chunk size/ })
})

t.test('open-loop requests and schedule', async (t) => {
  const [a, b] = requestBuffers({ method: 'POST', path: '/x', hosts: ['a.test', 'b.test'], bodyBytes: 3 }, '127.0.0.1:1')
  t.equal(a.toString('latin1'), 'POST /x HTTP/1.1\r\nhost: a.test\r\ncontent-length: 3\r\n\r\nbbb')
  t.match(b.toString('latin1'), /^POST \/x HTTP\/1\.1\r\nhost: b\.test\r\n/)
  const [c] = requestBuffers({ headers: { host: 'bench.local', 'x-a': '1' }, newConnectionPerRequest: true }, '127.0.0.1:1')
  t.equal(c.toString('latin1'), 'GET / HTTP/1.1\r\nhost: bench.local\r\nx-a: 1\r\nconnection: close\r\n\r\n')
  t.same(schedule(2000, 5), { intervalMs: 0.5, total: 10000 })
})

t.test('connections per event loop come from /proc/net/tcp and epoll fdinfo', async (t) => {
  const tcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0 100 0',
    '   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 26210 1 0 20 4',
    '   2: 0100007F:1F90 0100007F:C351 01 00000000:00000000 00:00000000 00000000     0        0 26211 1 0 20 4',
    '   3: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 26212 1 0 20 4',
  ].join('\n')
  t.same([...acceptedInodes(8080, [tcp, ''])], ['26210', '26211'], 'established, local port 8080 only (not the listener, not the client side)')
  const fdinfo = 'pos:\t0\nflags:\t02\nmnt_id:\t17\nino:\t1038\ntfd:       15 events:       19 data:                f  pos:0 ino:6662 sdev:f\ntfd:       22 events:       19 data:               16  pos:0 ino:6663 sdev:10\n'
  t.same(epollInodes(fdinfo), ['26210', '26211'])
  t.equal(spreadNote({ perLoop: [29, 21], total: 50 }, 2), '29 / 21 of 50 over 2 worker(s): the busiest loop holds 58% (even: 50%)')
  t.match(spreadNote({ perLoop: [50], total: 50 }, 2), /1 worker\(s\) got none/)
  const threads = threadsPerRequest(
    [{ tid: 2, main: false, user: 1, system: 0.5 }, { tid: 1, main: true, user: 0.1, system: 0 }, { tid: 3, main: false, user: 0.001, system: 0 }],
    100000,
  )
  t.same(threads.map((x: { tid: number }) => x.tid), [2, 1], 'threads under 1% of the work are left out')
  t.equal(threads[0].user, 10)
})

t.test('the generator is the limit when busy on its cores, and the notes say so', async (t) => {
  const lg = generatorLoad({ loadgenCpu: { user: 0.8, system: 0.15 }, ok: 100000, durationS: 1 }, 1)
  t.ok(Math.abs(lg.busy - 0.95) < 1e-9 && Math.abs(lg.cpuUs - 9.5) < 1e-9, JSON.stringify(lg))
  t.ok(Math.abs(lg.ceilingRps - 100000 / 0.95) < 1e-6)
  t.equal(generatorLoad({ loadgenCpu: null, ok: 1, durationS: 1 }, 1), null)
  t.match(generatorVerdict({ busy: 0.9 }), { bound: true, why: /busy 90% of its cores/ })
  t.match(generatorVerdict({ busy: 0.6, cpusBusy: 0.99 }), { bound: true, why: /cores were 99% busy \(the generator 60%/ })
  t.match(generatorVerdict({ busy: 0.4, cpusBusy: 0.99 }), { bound: false })
  const sc = {
    loadgen: 'wrk',
    targets: [
      { target: 'direct', rps: 95000, loadgen: { busy: 0.95, cpuUs: 10, ceilingRps: 100000 } },
      { target: 'pier', rps: 40000, loadgen: { busy: 0.4, cpuUs: 10, ceilingRps: 100000 } },
      { target: 'nginx', rps: 90000, loadgen: { busy: 0.9, cpuUs: 10, ceilingRps: 100000 } },
    ],
  }
  const notes = generatorNotes(sc)
  t.equal(notes.length, 2)
  t.match(notes[0], /^wrk is the limit for direct: .*95% of wrk's ceiling here, 100,000 req\/s/)
  t.match(notes[1], /^wrk is the limit for nginx too/)
  t.match(generatorNotes({ ...sc, targets: [{ ...sc.targets[0], loadgen: { busy: 0.3, cpuUs: 10, ceilingRps: 300000 } }] })[0], /^wrk is not the limit for direct/)
  t.match(
    generatorNotes({ ...sc, targets: [{ ...sc.targets[0], loadgen: { busy: 0.3, cpuUs: 10, ceilingRps: 300000, cpusBusy: 1 } }] })[0],
    /^wrk alone is not the limit for direct, its cores are: .*its cores 100%/,
    'a full shared core is named as the limit',
  )
})

t.test("pier's overhead verdict: met, not met, or the machine's noise", async (t) => {
  const direct = { p50: 0.1, p99: 0.3, generatorLagP99: 0.05 }
  t.match(overheadVerdict({ p50: 0.2, p99: 0.9, generatorLagP99: 0.06 }, direct), { verdict: 'met' })
  t.match(overheadVerdict({ p50: 0.2, p99: 1.5, generatorLagP99: 0.06 }, direct), { verdict: 'not met' })
  const noisy = overheadVerdict({ p50: 0.2, p99: 0.9, generatorLagP99: 3 }, direct)
  t.equal(noisy.verdict, 'noise')
  t.match(overheadSentence(noisy, 2000), /not measurable in this run, the generator's own lag p99 was 3\.00 ms/)
  t.equal(overheadVerdict(null, direct), null)
})

t.test('perf rows and cpu-prof frames fall into categories', async (t) => {
  const report = [
    '# Samples: 10',
    '',
    ' 50         \t[kernel.kallsyms]       \t[k] tcp_sendmsg_locked',
    ' 20         \t[JIT] tid 6254          \t[.] JS:*parseFields file:///w/pier/dist/upstream/head.js:129:28',
    ' 10         \t[JIT] tid 6254          \t[.] JS:*onStreamRead node:internal/stream_base_commons:168:22',
    ' 8          \tnode                    \t[.] Builtins_CallApiCallback',
    ' 5          \tnode                    \t[.] v8::internal::ScavengerCollector::CollectGarbage',
    ' 4          \tuws_linux_x64_115.node  \t[.] HttpResponseWrapper::res_cork<0>',
    ' 2          \tlibc.so.6               \t[.] _int_malloc',
    ' 1          \tnode                    \t[.] node::StreamBase::WriteString',
  ].join('\n')
  const rows = parsePerfReport(report)
  t.equal(rows.length, 8)
  t.same(rows[1], { samples: 20, dso: '[JIT] tid 6254', sym: 'JS:*parseFields file:///w/pier/dist/upstream/head.js:129:28' })
  t.same(rows.map(perfCategory), [
    'kernel',
    'JS: pier',
    'JS: Node internals (streams, net, events)',
    'V8 builtins and interpreter',
    'V8 GC',
    'uWS (native)',
    'libc, libstdc++, vdso',
    'Node C++ (bindings, stream base, TCP wrap)',
  ])
  const b = perfBreakdown(rows)
  t.equal(b[0].category, 'kernel')
  t.equal(b[0].share, 0.5)
  t.throws(() => parsePerfReport('x\ty\n'), { code: 'EPERF' })

  const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0, columnNumber: 0, scriptId: '0' })
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('onData', 'file:///w/pier/dist/worker/exchange.js') },
      { id: 4, callFrame: frame('writeLatin1String') },
      { id: 5, callFrame: frame('(garbage collector)') },
      { id: 6, callFrame: frame('onStreamRead', 'node:internal/stream_base_commons') },
    ],
    samples: [2, 3, 3, 4, 5, 6, 2],
    timeDeltas: [9000, 1000, 1000, 1000, 500, 500, 9000],
  }
  const p = profileBreakdown([profile])
  t.same(p.map((c: { category: string }) => c.category), ['JS: pier', 'native functions called from JS (uWS methods, Node bindings)', 'V8 GC', 'JS: Node internals (streams, net, events)'])
  t.equal(p[0].ms, 2)
  t.equal(p[0].share, 0.5)
  t.equal(p[0].top[0].where, 'dist/worker/exchange.js:1')

  const run = (user: number, kernel: number) => ({
    workers: 1,
    proc: { cpuUs: { user, system: 10, total: user + 10 } },
    perf: { usPerRequest: 20, categories: [{ category: 'kernel', share: kernel }, { category: 'JS: pier', share: 1 - kernel }] },
  })
  const cmp = compareBreakdowns({ ...run(12, 0.5), label: 'before' }, { ...run(9, 0.6), label: 'after' })
  t.match(cmp, /\| user \(\/proc\) \| 12\.0 \| 9\.0 \| -3\.0 \|/)
  t.match(cmp, /\| kernel \| 10\.0 \| 12\.0 \| \+2\.0 \|/)
  t.match(cmp, /\| JS: pier \| 10\.0 \| 8\.0 \| -2\.0 \|/)
})

t.test("the README's generated regions are rewritten between their markers only", async (t) => {
  const text = `# x\n\nbefore\n\n${region('scoreboard', 'old board')}\n\nmiddle\n\n${region('suite', 'old suite')}\n\nafter\n`
  t.equal(regionOf(text, 'suite').body.trim(), 'old suite')
  const replaced = replaceRegion(text, 'suite', 'new suite\n')
  t.match(replaced, /middle\n\n<!-- bench:suite:begin[^\n]*-->\n\nnew suite\n\n<!-- bench:suite:end -->\n\nafter\n$/)
  t.equal(replaceRegion(replaced, 'suite', 'new suite'), replaced, 'rewriting with the same table changes nothing')
  t.throws(() => regionOf('no markers', 'suite'), { code: 'EREADME', message: /no <!-- bench:suite:begin/ })
  t.throws(() => regionOf(text + region('suite', 'again'), 'suite'), { code: 'EREADME', message: /more than once/ })
  const minimal = { version: 2, date: '2026-12-01T00:00:00.000Z', mode: 'full', workers: 1, repeats: 1, connections: 50, rateConnections: 4, durationS: 1, machine: { cpu: 'CPU', cores: 2, arch: 'x64', kernel: 'k', node: 'v20', placement: 'p', versions: {} }, skipped: [], idle: [], scenarios: [{ name: 'rr-2', what: 'w', fixedRate: 1, failed: [], targets: [{ target: 'pier', rps: 1, rpsMin: 1, rpsMax: 1, p50: 1, p99: 1, fixed: { p99: 1 } }] }] }
  const { text: out, notes } = refreshReadme(text, { suite: minimal, scoreboard: null })
  t.match(out, /old board/, 'a region without results is left as it is')
  t.match(notes[0], /bench:scoreboard left as it is: no bench\/results\/scoreboard\.json/)
  t.notMatch(out, /old suite/)
  t.match(out, /Measured 2026-12-01 \(full run\) on CPU, 2 cores/)
})

t.test('the committed README shows what the committed results files hold', async (t) => {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8')
  const given: Record<string, unknown> = {}
  for (const r of REGIONS) {
    const file = `${ROOT}bench/results/${r.file}`
    given[r.name] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null
  }
  t.equal(refreshReadme(readme, given).text, readme, 'node bench/report-table.mjs --write changes nothing (run it after make bench)')
})
