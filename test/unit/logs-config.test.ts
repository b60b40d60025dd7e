// Traefik's log options, honoured: accessLog filters (any one keeps a line)
// and fields (keep/drop, headers keep/drop/redact, query parameters),
// genericCLF, and pier's own log in a rotated, compressed file.
import t from 'tap'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { parseStaticConfig } from '../../src/config/parse.js'
import { lineFilter, parseStatusCodes } from '../../src/accesslog/filters.js'
import { AccessLogBuffer } from '../../src/accesslog/buffer.js'
import type { AccessLogFields } from '../../src/accesslog/fields.js'
import { LogFile } from '../../src/log-file.js'
import { waitFor } from '../helpers/net.js'

t.test('filters: status ranges, retries, duration; any one keeps the line', async (t) => {
  t.same(parseStatusCodes(['200', ' 300-302 ', '500-599']), [[200, 200], [300, 302], [500, 599]])
  t.throws(() => parseStatusCodes(['2xx']), /"2xx" is not a status code or range/)
  t.throws(() => parseStatusCodes(['500-400']), /is not a status code or range/)
  t.equal(lineFilter(undefined), null)
  t.equal(lineFilter({ statusCodes: [], retryAttempts: false, minDurationMs: 0 }), null, 'an empty filters section keeps every line')
  const keep = lineFilter({ statusCodes: [[400, 499]], retryAttempts: true, minDurationMs: 100 })!
  t.same([keep(404, 1, 0), keep(200, 1, 0), keep(200, 150, 0), keep(200, 1, 1), keep(500, 100, 0)], [true, false, true, true, false])
})

function lines(opts: { format: 'common' | 'json' | 'genericCLF'; fields?: AccessLogFields; filters?: Parameters<typeof lineFilter>[0] }, push: (b: AccessLogBuffer) => void): string[] {
  let out = ''
  const b = new AccessLogBuffer({ ...opts, onBatch: (l) => (out += l) })
  push(b)
  b.flush()
  return out.split('\n').filter(Boolean)
}
const sample = (b: AccessLogBuffer, status = 200, attempts = 0) =>
  b.push('192.0.2.7', 'GET', '/a/b?token=secret', 'HTTP/1.1', status, 12, 'r@file', 's@file', 'http://10.0.0.2:80', 3.5, Date.UTC(2026, 11, 1), 'curl/8', 'https://ref.example/', 'web', 'app.test', attempts)

t.test('fields: dropped fields leave JSON, read "-" in common; query parameters can be dropped', async (t) => {
  const fields: AccessLogFields = { defaultMode: 'keep', names: { clienthost: 'drop', clientaddr: 'drop', requestpath: 'keep' }, headers: { defaultMode: 'drop', names: { 'user-agent': 'redact' } }, queryParameters: 'drop' }
  const [json] = lines({ format: 'json', fields }, (b) => sample(b))
  const o = JSON.parse(json!)
  t.equal(o.ClientHost, undefined)
  t.equal(o.ClientAddr, undefined)
  t.equal(o.RequestPath, '/a/b', 'query dropped')
  t.equal(o.DownstreamStatus, 200)
  t.equal(o.RetryAttempts, 0)
  t.equal(o.RouterName, 'r@file')
  const only = JSON.parse(lines({ format: 'json', fields: { ...fields, defaultMode: 'drop', names: { downstreamstatus: 'keep' } } }, (b) => sample(b))[0]!)
  t.same(Object.keys(only), ['DownstreamStatus', 'request_User-Agent', 'level', 'msg', 'time'], 'defaultMode drop keeps only what is named')
  t.equal(only['request_User-Agent'], 'REDACTED')
  t.equal(o['request_Referer'], undefined, 'headers dropped by default once a fields section exists')
  const [clf] = lines({ format: 'common', fields }, (b) => sample(b))
  t.equal(clf, '- - - [01/Dec/2026:00:00:00 +0000] "GET /a/b HTTP/1.1" 200 12 "-" "REDACTED" 1 "r@file" "http://10.0.0.2:80" 3ms')
  const [generic] = lines({ format: 'genericCLF' }, (b) => sample(b))
  t.equal(generic, '192.0.2.7 - - [01/Dec/2026:00:00:00 +0000] "GET /a/b?token=secret HTTP/1.1" 200 12 "https://ref.example/" "curl/8"', 'genericCLF: no count, router, server, duration')
})

t.test('filters in the buffer: filtered lines still take a RequestCount number', async (t) => {
  const got = lines({ format: 'json', filters: { statusCodes: [[500, 599]], retryAttempts: true, minDurationMs: 0 } }, (b) => {
    sample(b, 200)
    sample(b, 502)
    sample(b, 200, 1)
    sample(b, 404)
  })
  t.same(got.map((l) => [JSON.parse(l).RequestCount, JSON.parse(l).DownstreamStatus]), [[2, 502], [3, 200]])
})

t.test('static keys: v2/v3 and v1 spellings, files too', async (t) => {
  const c = parseStaticConfig([
    '--accesslog.filters.statuscodes=200,500-599', '--accesslog.filters.retryattempts', '--accessLog.filters.minDuration=10ms',
    '--accesslog.fields.defaultmode=drop', '--accesslog.fields.names.ClientHost=keep', '--accesslog.fields.headers.defaultmode=keep',
    '--accesslog.fields.headers.names.Authorization=redact', '--accesslog.fields.queryParameters.defaultMode=drop', '--accesslog.format=genericCLF',
    '--log.filepath=/var/log/pier.log', '--log.maxsize=5', '--log.maxbackups=3', '--log.maxage=7', '--log.compress', '--log.nocolor',
  ], {})
  t.same(c.accessLog, {
    format: 'genericCLF', bufferingSize: 0,
    filters: { statusCodes: [[200, 200], [500, 599]], retryAttempts: true, minDurationMs: 10 },
    fields: { defaultMode: 'drop', names: { clienthost: 'keep' }, headers: { defaultMode: 'keep', names: { Authorization: 'redact' } }, queryParameters: 'drop' },
  })
  t.same(c.log, { level: 'INFO', format: 'common', maxSize: 5, maxBackups: 3, maxAge: 7, compress: true, filePath: '/var/log/pier.log' })
  t.same(parseStaticConfig(['--accesslog.fields'], {}).accessLog?.fields, { defaultMode: 'keep', names: {}, headers: { defaultMode: 'drop', names: {} }, queryParameters: 'keep' }, "a fields section takes Traefik's defaults: headers dropped")
  t.equal(parseStaticConfig(['--traefikLog.filePath=/tmp/t.log'], {}).log.filePath, '/tmp/t.log')
  t.equal(parseStaticConfig(['--accessLogsFile=/tmp/a.log'], {}).accessLog?.filePath, '/tmp/a.log')
  const dir = t.testdir({ 'traefik.toml': '[accessLog]\n  [accessLog.filters]\n    statusCodes = ["200", "300-302"]\n    retryAttempts = true\n  [accessLog.fields]\n    defaultMode = "keep"\n    [accessLog.fields.names]\n      "ClientUsername" = "drop"\n' })
  t.match(parseStaticConfig([`--configFile=${join(dir, 'traefik.toml')}`], {}).accessLog, { filters: { statusCodes: [[200, 200], [300, 302]], retryAttempts: true }, fields: { names: { clientusername: 'drop' } } })
  t.throws(() => parseStaticConfig(['--accesslog.filters.statuscodes=2xx'], {}), /bad value "2xx" for --accesslog\.filters\.statuscodes/)
  t.throws(() => parseStaticConfig(['--accesslog.fields.names.ClientHost=redact'], {}), /expected keep or drop/)
})

t.test('the log file rotates beyond maxSize: compressed backups, maxBackups kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pier-logfile-'))
  const file = join(dir, 'pier.log')
  writeFileSync(file, 'an older line\n')
  const f = new LogFile({ filePath: file, maxSize: 1, maxBackups: 2, maxAge: 0 })
  const line = `${'x'.repeat(1023)}\n`
  for (let i = 0; i < 4 * 1024 + 10; i++) f.write(line)
  const gz = () => readdirSync(dir).filter((n) => n.endsWith('.log.gz'))
  await waitFor(() => gz().length === 2 && !readdirSync(dir).some((n) => /^pier-.*\.log$/.test(n)), 5000, 'rotated files compressed and pruned')
  t.ok(readdirSync(dir).every((n) => n === 'pier.log' || /^pier-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log\.gz$/.test(n)), readdirSync(dir).join(' '))
  const newest = gz().sort().pop()!
  t.equal(gunzipSync(readFileSync(join(dir, newest))).length, 1024 * 1024, 'a backup holds a whole MB of lines')
  t.ok(readFileSync(file).length < 1024 * 1024, 'the live file started again')
  f.close()
  t.ok(existsSync(file))
})
