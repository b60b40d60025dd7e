import t from 'tap'
import { mkdtempSync, readFileSync, openSync, readSync, closeSync, constants, renameSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AccessLogBuffer } from '../../src/accesslog/buffer.js'
import { AccessLogWriter } from '../../src/accesslog/writer.js'
import { RequestCounter } from '../../src/accesslog/request-count.js'
import { Worker } from 'node:worker_threads'
import { createLogger } from '../../src/log.js'
import { waitFor } from '../helpers/net.js'

const log = createLogger({ level: 'ERROR', format: 'common' })
const START = Date.UTC(2026, 10, 25, 18, 4, 5, 250)
// Traefik's common format: client - user [time] "method path proto" status size "referer" "agent" count "router" "server" durationms
const CLF = /^(\S+) - (\S+) \[([^\]]+)\] "(\S+) (\S+) (\S+)" (\d{3}) (\d+) ("(?:[^"\\]|\\.)*") ("(?:[^"\\]|\\.)*") (\d+) ("(?:[^"\\]|\\.)*") ("(?:[^"\\]|\\.)*") (\d+)ms$/

function pushSample(b: AccessLogBuffer, i: number): void {
  b.push('192.0.2.7', 'GET', `/items/${i}?q="x"`, 'HTTP/1.1', 200, 1234, 'whoami@docker', 'whoami@docker', 'http://172.17.0.2:80', 3.7, START, 'curl/8.5.0', '', 'web', 'whoami.local')
}

async function writeAndRead(format: 'common' | 'json', n: number): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pier-accesslog-'))
  const file = join(dir, 'access.log')
  const writer = await AccessLogWriter.open({ filePath: file, log })
  const buf = new AccessLogBuffer({ format, onBatch: (lines, count) => writer.write(lines, count) })
  for (let i = 0; i < n; i++) pushSample(buf, i)
  buf.flush()
  await writer.close()
  t.equal(writer.written, n)
  return readFileSync(file, 'utf8').split('\n').slice(0, -1)
}

t.test('common format lines parse as Traefik CLF, numbered from 1', async (t) => {
  const lines = await writeAndRead('common', 3)
  t.equal(lines.length, 3)
  lines.forEach((line, i) => {
    const m = CLF.exec(line)
    t.ok(m, `parses: ${line}`)
    if (!m) return
    t.equal(m[1], '192.0.2.7')
    t.equal(m[3], '25/Nov/2026:18:04:05 +0000')
    t.same([m[4], m[5], m[6]], ['GET', `/items/${i}?q=\\"x\\"`, 'HTTP/1.1'], 'quote in the path is escaped')
    t.same([m[7], m[8]], ['200', '1234'])
    t.same([m[9], m[10]], ['"-"', '"curl/8.5.0"'])
    t.equal(m[11], String(i + 1), 'RequestCount')
    t.same([m[12], m[13], m[14]], ['"whoami@docker"', '"http://172.17.0.2:80"', '3'])
  })
})

t.test('json lines carry Traefik field names', async (t) => {
  const [line] = await writeAndRead('json', 1)
  const o = JSON.parse(line)
  t.match(o, {
    ClientHost: '192.0.2.7', RequestMethod: 'GET', RequestPath: '/items/0?q="x"', RequestProtocol: 'HTTP/1.1',
    DownstreamStatus: 200, DownstreamContentSize: 1234, RouterName: 'whoami@docker', ServiceName: 'whoami@docker',
    ServiceURL: 'http://172.17.0.2:80', ServiceAddr: '172.17.0.2:80', Duration: 3_700_000, RequestCount: 1,
    StartUTC: '2026-11-25T18:04:05.250Z', entryPointName: 'web', RequestHost: 'whoami.local', 'request_User-Agent': 'curl/8.5.0', level: 'info',
  })
  t.equal(o.request_Referer, null, 'an empty field is null')
})

t.test('buffer hands over batches after flushMs, or at once when large', async (t) => {
  const batches: string[] = []
  const counts: number[] = []
  const buf = new AccessLogBuffer({ format: 'common', onBatch: (l, n) => (batches.push(l), counts.push(n)), flushMs: 50, maxBatchChars: 2000 })
  pushSample(buf, 1)
  pushSample(buf, 2)
  t.equal(batches.length, 0, 'nothing yet')
  await waitFor(() => batches.length === 1, 2000, 'timed flush')
  t.equal(batches[0].split('\n').length - 1, 2)
  t.equal(counts[0], 2, 'the batch says how many lines it holds')
  for (let i = 0; i < 20; i++) pushSample(buf, i)
  t.ok(batches.length >= 2, 'a large batch is handed over without waiting')
  buf.flush()
  t.equal(batches.join('').split('\n').length - 1, 22, 'no line lost or repeated')
  t.equal(counts.reduce((a, b) => a + b), 22)
  t.throws(() => new AccessLogBuffer({ format: 'xml' as 'json', onBatch: () => {} }), { code: 'ACCESSLOG_BAD_FORMAT' })
})

t.test('reopen: a write in flight ends whole in the old file, later lines go to the new one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pier-accesslog-'))
  const file = join(dir, 'access.log')
  const writer = await AccessLogWriter.open({ filePath: file, log })
  const first = 'first\n'.repeat(200_000)
  writer.write(first, 200_000)
  renameSync(file, `${file}.1`)
  const reopened = writer.reopen()
  writer.write('second\n', 1)
  await reopened
  writer.write('third\n', 1)
  await writer.close()
  const old = readFileSync(`${file}.1`, 'utf8')
  const now = readFileSync(file, 'utf8')
  t.ok(old.startsWith(first), 'the batch in flight is whole in the old file')
  t.ok(now.endsWith('third\n'), 'after the reopen, the new file')
  t.equal((old + now).split('\n').length - 1, 200_002, 'no line lost or torn')
  t.equal(writer.written, 200_002)
})

t.test('bufferingSize holds lines until enough arrive (or a second passes)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pier-accesslog-'))
  const file = join(dir, 'access.log')
  const writer = await AccessLogWriter.open({ filePath: file, bufferingSize: 5, log })
  writer.write('a\nb\n', 2)
  await new Promise((r) => setTimeout(r, 100))
  t.equal(readFileSync(file, 'utf8'), '', 'held')
  await waitFor(() => readFileSync(file, 'utf8') === 'a\nb\n', 3000, 'held lines written after the hold time')
  writer.write('c\nd\ne\nf\ng\n', 5)
  await waitFor(() => readFileSync(file, 'utf8').endsWith('g\n'), 500, 'five lines written at once')
  await writer.close()
})

t.test('a stalled output drops lines instead of blocking', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pier-accesslog-'))
  const fifo = join(dir, 'stalled')
  execFileSync('mkfifo', [fifo])
  // A reader that does not read yet: writes fill the pipe (64 KiB) and then stall.
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
  const writer = await AccessLogWriter.open({ filePath: fifo, maxQueuedChars: 256 * 1024, log })
  const line = 'x'.repeat(99) + '\n'
  const batch = line.repeat(100)
  const batches = 500 // 5 MB, far past the pipe and the queue bound
  const t0 = performance.now()
  let ticks = 0
  const tick = setInterval(() => ticks++, 1)
  for (let i = 0; i < batches; i++) {
    writer.write(batch, 100)
    if (i % 50 === 0) await new Promise((r) => setImmediate(r))
  }
  const spent = performance.now() - t0
  await new Promise((r) => setTimeout(r, 50))
  clearInterval(tick)
  t.ok(ticks > 0, 'the event loop kept running')
  t.ok(writer.dropped > 0, `dropped ${writer.dropped} lines`)
  t.ok(spent < 5000, `write() never waited for the disk (${spent.toFixed(0)} ms for ${batches} batches)`)
  // Drain the pipe so the stalled write finishes, then every line is either written or counted as dropped.
  const drained = Buffer.alloc(1 << 16)
  let got = 0
  const closing = writer.close()
  await waitFor(
    async () => {
      try {
        got += readSync(reader, drained)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err
      }
      return Promise.race([closing.then(() => true), new Promise((r) => setTimeout(() => r(false), 5))])
    },
    10_000,
    'writer to finish once the reader drains',
  )
  try {
    for (;;) {
      const n = readSync(reader, drained)
      if (n <= 0) break
      got += n
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err
  }
  closeSync(reader)
  t.equal(writer.written + writer.dropped, batches * 100, 'every line written or counted as dropped')
  t.equal(got, writer.written * line.length, 'what was read is what was written')
})

t.test('RequestCount: one counter shared by threads numbers every line once', async (t) => {
  const shared = new SharedArrayBuffer(8)
  const perThread = 20_000
  // Each thread runs the built module (make build runs before the tests), as pier's workers do.
  const module = new URL('../../dist/accesslog/request-count.js', import.meta.url).href
  const code = `
    const { workerData, parentPort } = require('node:worker_threads')
    import(${JSON.stringify(module)}).then(({ RequestCounter }) => {
      const counter = new RequestCounter(workerData)
      const got = new Float64Array(${perThread})
      for (let i = 0; i < ${perThread}; i++) got[i] = counter.next()
      parentPort.postMessage(got)
    })`
  const counter = new RequestCounter(shared)
  const threads = [0, 1].map(() => new Worker(code, { eval: true, workerData: shared }))
  const mine: number[] = []
  for (let i = 0; i < perThread; i++) mine.push(counter.next())
  const theirs = await Promise.all(threads.map((w) => new Promise<Float64Array>((r) => w.once('message', r))))
  const all = [...mine, ...theirs.flatMap((a) => [...a])].sort((a, b) => a - b)
  t.equal(all.length, 3 * perThread)
  t.ok(all.every((n, i) => n === i + 1), 'numbers 1..N, none twice, none skipped')
  t.equal(new RequestCounter(new SharedArrayBuffer(8)).next(), 1, 'a fresh counter starts at 1')
  const words = new Uint32Array(2)
  words[0] = 0xffffffff
  const wrapped = new RequestCounter(words.buffer as unknown as SharedArrayBuffer)
  t.same([wrapped.next(), wrapped.next()], [2 ** 32, 2 ** 32 + 1], 'the low word carries into the high word')
})
