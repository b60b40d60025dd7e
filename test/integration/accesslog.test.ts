// Access log lines written by the real built pier, in both formats.
import t from 'tap'
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPier } from '../helpers/pier.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startBackend, get } from '../helpers/backends.js'

const CLF = /^(\S+) - - \[(\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000)\] "(\S+) (\S+) (HTTP\/1\.[01])" (\d{3}) (\d+) ("[^"]*") ("[^"]*") (\d+) ("[^"]*") ("[^"]*") (\d+)ms$/

for (const format of ['common', 'json'] as const) {
  t.test(`${format} access log`, async (t) => {
    const backend = await startBackend('hello')
    const dir = mkdtempSync(join(tmpdir(), 'pier-accesslog-'))
    const routes = join(dir, 'routes.yml')
    const file = join(dir, 'access.log')
    writeFileSync(routes, JSON.stringify({ http: { routers: { app: { rule: 'Host(`app.local`)', service: 'app' } }, services: { app: { loadBalancer: { servers: [{ url: backend.url }] } } } } }))
    const web = await freePort()
    const pier = await startPier([`--entrypoints.web.address=127.0.0.1:${web}`, `--providers.file.filename=${routes}`, '--workers=2', '--accesslog=true', `--accesslog.filepath=${file}`, `--accesslog.format=${format}`])
    t.teardown(async () => {
      await pier.stop()
      await backend.close()
    })
    await waitFor(async () => (await get(web, 'app.local', '/ready')).status === 200, 10_000, 'route')
    const N = 50
    const sentFrom = Date.now()
    for (let i = 0; i < N; i++) {
      const r = await get(web, i % 5 === 4 ? 'other.local' : 'app.local', `/p/${i}?a=1`, { headers: { 'user-agent': 'pier-test/1', referer: 'http://ref.local/' } })
      t.equal(r.status, i % 5 === 4 ? 404 : 200)
    }
    const lines = await waitFor(() => {
      const l = existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(0, -1) : []
      return l.filter((x) => x.includes('/p/')).length >= N ? l : undefined
    }, 10_000, `${N} lines`)
    t.equal(lines.filter((x) => x.includes('/p/')).length, N, 'one line per request')
    t.ok(lines.some((x) => x.includes('/ready')), 'warm-up requests logged too')
    const counts = new Set<number>()
    for (const line of lines.filter((x) => x.includes('/p/'))) {
      if (format === 'common') {
        const m = CLF.exec(line)
        t.ok(m, `parses: ${line}`)
        if (!m) continue
        const i = Number(/\/p\/(\d+)/.exec(m[4])![1])
        t.same([m[1], m[3], m[4], m[6], m[8], m[9]], ['127.0.0.1', 'GET', `/p/${i}?a=1`, i % 5 === 4 ? '404' : '200', '"http://ref.local/"', '"pier-test/1"'])
        if (i % 5 !== 4) t.same([m[7], m[11], m[12]], ['5', '"app@file"', `"${backend.url}"`])
        counts.add(Number(m[10]))
        const at = Date.parse(m[2].replace(/^(\d\d)\/(\w{3})\/(\d{4}):(\d\d:\d\d:\d\d) \+0000$/, '$2 $1 $3 $4 UTC'))
        t.ok(at >= Math.floor(sentFrom / 1000) * 1000 && at <= Date.now(), `time of the request: ${m[2]}`)
      } else {
        const o = JSON.parse(line)
        const i = Number(/\/p\/(\d+)/.exec(o.RequestPath)![1])
        t.match(o, { ClientHost: '127.0.0.1', RequestMethod: 'GET', RequestPath: `/p/${i}?a=1`, RequestProtocol: 'HTTP/1.1', DownstreamStatus: i % 5 === 4 ? 404 : 200, 'request_User-Agent': 'pier-test/1', entryPointName: 'web' })
        if (i % 5 !== 4) t.match(o, { RouterName: 'app@file', ServiceName: 'app@file', ServiceURL: backend.url, DownstreamContentSize: 5 })
        t.type(o.Duration, 'number')
        const at = Date.parse(o.StartUTC)
        t.ok(at >= sentFrom - 1 && at <= Date.now(), `StartUTC is when the request came: ${o.StartUTC}`)
        counts.add(o.RequestCount)
      }
    }
    t.equal(counts.size, N, 'RequestCount is unique per line')
  })
}

t.test('filters and fields honoured end to end; pier log in a file, worker lines included', async (t) => {
  const backend = await startBackend('hello')
  const dir = mkdtempSync(join(tmpdir(), 'pier-accesslog-'))
  const routes = join(dir, 'routes.yml')
  const file = join(dir, 'access.log')
  const logFile = join(dir, 'pier.log')
  writeFileSync(routes, JSON.stringify({ http: { routers: { app: { rule: 'Host(`app.local`)', service: 'app' } }, services: { app: { loadBalancer: { servers: [{ url: backend.url }] } } } } }))
  const web = await freePort()
  const pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${web}`, `--providers.file.filename=${routes}`, '--workers=2', '--log.level=DEBUG', `--log.filePath=${logFile}`,
    `--accesslog.filepath=${file}`, '--accesslog.format=json', '--accesslog.filters.statusCodes=404,500-599',
    '--accesslog.fields.names.ClientHost=drop', '--accesslog.fields.headers.names.User-Agent=keep', '--accesslog.fields.queryParameters.defaultMode=drop',
  ], { ready: false })
  t.teardown(async () => {
    await pier.stop()
    await backend.close()
  })
  await waitFor(() => existsSync(logFile) && /pier ready/.test(readFileSync(logFile, 'utf8')), 15_000, 'pier ready, in its log file')
  t.notMatch(pier.logs(), /pier ready/, 'not on stderr')
  t.match(readFileSync(logFile, 'utf8'), /route table swapped.*worker=\d/, "worker threads' lines reach the file")
  await waitFor(async () => (await get(web, 'app.local', '/ready')).status === 200, 10_000, 'route')
  for (let i = 0; i < 10; i++) await get(web, i % 2 ? 'app.local' : 'nope.local', `/q/${i}?secret=1`, { headers: { 'user-agent': 'pier-test/1' } })
  const lines = await waitFor(() => {
    const l = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []
    return l.length >= 5 ? l : undefined
  }, 10_000, 'five lines')
  await new Promise((r) => setTimeout(r, 300))
  const all = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  t.equal(all.length, 5, 'only the 404s are logged')
  t.ok(all.every((o) => o.DownstreamStatus === 404 && o.ClientHost === undefined && /^\/q\/\d+$/.test(o.RequestPath) && o['request_User-Agent'] === 'pier-test/1'), JSON.stringify(all[0]))
  t.ok(lines.length >= 5)
})

t.test('fields.headers: request_ and downstream_ fields kept, redacted or dropped, with and without a middleware chain', async (t) => {
  const backend = await startBackend('hello', (req, res) => {
    req.resume()
    res.setHeader('content-type', 'text/plain')
    res.setHeader('x-backend-secret', 'backend-s3cret')
    res.setHeader('x-internal', 'dropped')
    res.end('hi')
  })
  const dir = mkdtempSync(join(tmpdir(), 'pier-accesslog-'))
  const routes = join(dir, 'routes.yml')
  const file = join(dir, 'access.log')
  const lb = { loadBalancer: { servers: [{ url: backend.url }] } }
  writeFileSync(routes, JSON.stringify({
    http: {
      routers: { plain: { rule: 'Host(`plain.local`)', service: 'app' }, chained: { rule: 'Host(`chained.local`)', service: 'app', middlewares: ['tag'] } },
      middlewares: { tag: { headers: { customResponseHeaders: { 'X-Tagged': 'yes' } } } },
      services: { app: lb },
    },
  }))
  const web = await freePort()
  const pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${web}`, `--providers.file.filename=${routes}`, '--workers=1', `--accesslog.filepath=${file}`, '--accesslog.format=json',
    '--accesslog.fields.headers.defaultMode=drop', '--accesslog.fields.headers.names.X-Request-Id=keep', '--accesslog.fields.headers.names.Authorization=redact',
    '--accesslog.fields.headers.names.Content-Type=keep', '--accesslog.fields.headers.names.X-Backend-Secret=redact', '--accesslog.fields.headers.names.X-Tagged=keep',
  ])
  t.teardown(async () => {
    await pier.stop()
    await backend.close()
  })
  const headers = { 'x-request-id': 'req-42', authorization: 'Bearer client-s3cret', cookie: 'session=c00kie' }
  for (const host of ['plain.local', 'chained.local']) await waitFor(async () => (await get(web, host, '/', { headers })).status === 200, 10_000, host)
  const lines = await waitFor(() => {
    const l = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((x) => JSON.parse(x)) : []
    const by = (r: string) => l.find((o) => o.RouterName === r && o.DownstreamStatus === 200)
    return by('plain@file') && by('chained@file') ? [by('plain@file'), by('chained@file')] : undefined
  }, 10_000, 'a line per router')
  for (const o of lines) {
    t.equal(o['request_X-Request-Id'], 'req-42', `${o.RouterName}: kept request header`)
    t.equal(o.request_Authorization, 'REDACTED', `${o.RouterName}: redacted request header`)
    t.equal(o.request_Cookie, undefined, `${o.RouterName}: dropped request header absent`)
    t.equal(o['request_User-Agent'], undefined, `${o.RouterName}: headers default drop`)
    t.equal(o['downstream_Content-Type'], 'text/plain', `${o.RouterName}: kept response header`)
    t.equal(o['downstream_X-Backend-Secret'], 'REDACTED', `${o.RouterName}: redacted response header`)
    t.equal(o['downstream_X-Internal'], undefined, `${o.RouterName}: dropped response header absent`)
    const text = JSON.stringify(o)
    t.notOk(/s3cret|c00kie/.test(text), `${o.RouterName}: no secret in the line`)
  }
  t.equal(lines[1]['downstream_X-Tagged'], 'yes', "a middleware's response header is downstream")
})
