// accessLog.fields.headers: which header fields JSON lines carry, named as Traefik names them.
import t from 'tap'
import { canonicalHeaderKey, headerPlan, HeaderPlan } from '../../src/accesslog/header-capture.js'
import { jsonWithFields, type AccessLogFields } from '../../src/accesslog/fields.js'
import type { AccessLogEntry } from '../../src/accesslog/format.js'

const fields = (defaultMode: 'keep' | 'drop' | 'redact', names: Record<string, 'keep' | 'drop' | 'redact'> = {}): AccessLogFields => ({ defaultMode: 'keep', names: {}, headers: { defaultMode, names }, queryParameters: 'keep' })

/** A uWS HttpRequest as far as capture reads it: forEach over lower-cased names. */
const request = (headers: [string, string][]) => ({ forEach: (cb: (k: string, v: string) => void) => headers.forEach(([k, v]) => cb(k, v)) }) as never

t.test('Go canonical header keys', async (t) => {
  const cases: [string, string][] = [
    ['user-agent', 'User-Agent'], ['x-forwarded-for', 'X-Forwarded-For'], ['authorization', 'Authorization'], ['x-b3-traceid', 'X-B3-Traceid'],
    ['content-md5', 'Content-Md5'], ['dnt', 'Dnt'], ['x--y', 'X--Y'], ['bad name', 'bad name'], ['-lead', '-Lead'],
  ]
  for (const [lower, want] of cases) t.equal(canonicalHeaderKey(lower), want, lower)
})

t.test('a plan only when JSON lines keep or redact some header', async (t) => {
  const cases: { name: string; format: 'json' | 'common' | 'genericCLF'; f: AccessLogFields | undefined; plan: boolean }[] = [
    { name: 'no fields section: the fixed JSON formatter (User-Agent, Referer)', format: 'json', f: undefined, plan: false },
    { name: 'headers default drop, nothing named', format: 'json', f: fields('drop'), plan: false },
    { name: 'headers default drop, names all drop', format: 'json', f: fields('drop', { Authorization: 'drop' }), plan: false },
    { name: 'headers default drop, one kept', format: 'json', f: fields('drop', { 'X-Request-Id': 'keep' }), plan: true },
    { name: 'headers default drop, one redacted', format: 'json', f: fields('drop', { Authorization: 'redact' }), plan: true },
    { name: 'headers default keep', format: 'json', f: fields('keep'), plan: true },
    { name: 'headers default redact', format: 'json', f: fields('redact'), plan: true },
    { name: 'common format reads only User-Agent and Referer', format: 'common', f: fields('keep'), plan: false },
  ]
  for (const c of cases) t.equal(headerPlan(c.format, c.f) !== null, c.plan, c.name)
})

t.test('request capture: wanted names only, Host never, repeats joined', async (t) => {
  const hdrs: [string, string][] = [['host', 'app.local'], ['user-agent', 'curl/8'], ['authorization', 'Bearer s3cret'], ['x-tag', 'a'], ['x-tag', 'b'], ['cookie', 'c=1']]
  const keepAll = new HeaderPlan(fields('keep').headers).request(request(hdrs)).fields
  t.same(keepAll, [['request_User-Agent', 'curl/8'], ['request_Authorization', 'Bearer s3cret'], ['request_X-Tag', 'a,b'], ['request_Cookie', 'c=1']])
  const some = new HeaderPlan(fields('drop', { 'x-tag': 'keep', Authorization: 'redact' }).headers).request(request(hdrs)).fields
  t.same(some, [['request_Authorization', 'Bearer s3cret'], ['request_X-Tag', 'a,b']], 'values kept until the line: redaction is the formatter\'s')
  const dropOne = new HeaderPlan(fields('keep', { COOKIE: 'drop' }).headers).request(request(hdrs)).fields
  t.notOk(dropOne.some(([n]) => n === 'request_Cookie'), 'names compare in any case')
})

t.test('JSON lines: kept headers as sent, redacted ones REDACTED, dropped ones absent, downstream_ too', async (t) => {
  const f = fields('drop', { 'User-Agent': 'keep', Authorization: 'redact', 'Content-Type': 'keep', 'X-Secret': 'redact' })
  const plan = headerPlan('json', f)!
  const captured = plan.request(request([['user-agent', 'curl/8'], ['authorization', 'Bearer s3cret'], ['cookie', 'c=1']]))
  captured.header('downstream_', 'Content-Type', 'text/plain')
  captured.header('downstream_', 'X-Secret', 'v')
  captured.header('downstream_', 'Server', 'x')
  const e: AccessLogEntry = {
    count: 1, clientIp: '127.0.0.1', method: 'GET', path: '/', protocol: 'HTTP/1.1', status: 200, size: 2, router: 'r', service: 's', upstream: 'http://127.0.0.1:1',
    durationMs: 1, startMs: Date.now(), userAgent: 'curl/8', referer: '', entryPoint: 'web', host: 'app.local', attempts: 0, headers: captured.fields,
  }
  const o = JSON.parse(jsonWithFields(f)(e))
  t.equal(o['request_User-Agent'], 'curl/8')
  t.equal(o.request_Authorization, 'REDACTED')
  t.equal(o.request_Cookie, undefined)
  t.equal(o['downstream_Content-Type'], 'text/plain')
  t.equal(o['downstream_X-Secret'], 'REDACTED')
  t.equal(o.downstream_Server, undefined)
  t.notOk(JSON.stringify(o).includes('s3cret'), 'the secret is nowhere in the line')
})

