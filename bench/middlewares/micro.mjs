// CPU per request of each middleware kind, in process: a request runs
// through a one-middleware chain (real Flow, real Exchange over a stand-in
// uWS response) and a 200 answers it with a 2 KiB text body, N times; the
// same with an empty chain is the baseline subtracted. Shared machine: CPU
// time of this process, not wall time.
// Usage: node bench/middlewares/micro.mjs [requests=20000]
import { randomBytes, createHash } from 'node:crypto'
import { KINDS } from '../../dist/middlewares/kinds.js'
import { Flow } from '../../dist/middlewares/flow.js'
import { Exchange } from '../../dist/worker/exchange.js'
import { SharedState, sharedInput } from '../../dist/middlewares/shared-state.js'
import { canonicalJson, hashText } from '../../dist/table/middlewares.js'

const N = Number(process.argv[2] ?? 20_000)
const BODY = Buffer.from('pier micro benchmark body line. '.repeat(64))
const basic = (u, p) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`

// [label, type, options, extra request headers]
const CASES = [
  ['stripPrefix', 'stripPrefix', { prefixes: ['/api'] }],
  ['stripPrefixRegex', 'stripPrefixRegex', { regex: ['^/api/v[0-9]+'] }],
  ['addPrefix', 'addPrefix', { prefix: '/base' }],
  ['replacePath', 'replacePath', { path: '/fixed' }],
  ['replacePathRegex', 'replacePathRegex', { regex: '^/api/(.*)', replacement: '/v2/$1' }],
  ['redirectScheme (answers 302)', 'redirectScheme', { scheme: 'https' }],
  ['redirectRegex (no match)', 'redirectRegex', { regex: '^http://other/(.*)', replacement: 'https://x/$1' }],
  ['headers: custom request+response', 'headers', { customRequestHeaders: { 'X-Script-Name': 'app', 'X-Drop': '' }, customResponseHeaders: { 'X-Custom': 'yes', Server: '' } }],
  ['headers: security set', 'headers', { frameDeny: true, contentTypeNosniff: true, browserXssFilter: true, stsSeconds: 31536000, forceSTSHeader: true, referrerPolicy: 'no-referrer', contentSecurityPolicy: "default-src 'self'" }],
  ['headers: CORS response', 'headers', { accessControlAllowOriginList: ['https://a.test'], accessControlAllowMethods: ['GET'], addVaryHeader: true }, { origin: 'https://a.test' }],
  ['basicAuth apr1 (cached)', 'basicAuth', { users: ['bob:$apr1$gNMBMiJO$LbvLkhSPKodQzgp/hYSgH1'] }, { authorization: basic('bob', 'b0b$pass') }],
  ['basicAuth bcrypt (cached)', 'basicAuth', { users: ['dave:$2y$10$twFYl.5PGFPVaHwb//Z3puDe7BJeAbtGmHCQRePsPKJl3bzjYXn1C'] }, { authorization: basic('dave', 'pass10') }],
  ['basicAuth: no credentials (401)', 'basicAuth', { users: ['bob:$apr1$gNMBMiJO$LbvLkhSPKodQzgp/hYSgH1'] }],
  ['ipAllowList', 'ipAllowList', { sourceRange: ['10.0.0.0/8', '127.0.0.0/8'] }],
  ['ipAllowList, ipStrategy depth 1', 'ipAllowList', { sourceRange: ['10.0.0.0/8'], ipStrategy: { depth: 1 } }, { 'x-forwarded-for': '8.8.8.8, 10.1.2.3' }],
  ['rateLimit (under the limit)', 'rateLimit', { average: 100_000_000, burst: 100_000_000 }],
  ['inFlightReq', 'inFlightReq', { amount: 1000 }],
  ['compress gzip (2 KiB)', 'compress', { minResponseBodyBytes: 512 }, { 'accept-encoding': 'gzip' }],
  ['compress brotli (2 KiB)', 'compress', { minResponseBodyBytes: 512, encodings: ['br'] }, { 'accept-encoding': 'br' }],
  ['buffering (no body)', 'buffering', { maxRequestBodyBytes: 1 << 20, maxResponseBodyBytes: 1 << 20 }],
  ['contentType (body has a type)', 'contentType', {}],
  ['circuitBreaker', 'circuitBreaker', { expression: 'NetworkErrorRatio() > 0.5 || LatencyAtQuantileMS(50.0) > 100' }],
]

const shared = new SharedState(sharedInput(new Uint8Array(randomBytes(32))))
const env = { shared, dialTimeoutMs: 30000, headersTimeoutMs: 0 }
const ctx = { provider: 'bench', hasService: () => true, readFile: () => '' }

function middleware(type, options) {
  const k = KINDS.find((x) => x.schema.type === type)
  const compiled = JSON.parse(canonicalJson(k.compile(options, ctx)))
  return k.create(compiled, env, `${type}@bench`, hashText(JSON.stringify(compiled)))
}

/** uWS's response, standing in: every write succeeds; end() settles the request. */
class Res {
  done = null
  cork(cb) { cb(); return this }
  writeStatus() { return this }
  writeHeader() { return this }
  write() { return true }
  tryEnd(chunk, total) { this.sent += chunk.length; if (this.sent >= total) this.finish(); return [true, this.sent >= total] }
  end() { this.finish(); return this }
  endWithoutBody() { this.finish(); return this }
  finish() { const d = this.done; this.done = null; d?.() }
  getWriteOffset() { return this.sent }
  onWritable() {}
  onAborted() {}
  onData() {}
  pause() {}
  resume() {}
  close() {}
  sent = 0
}

function request(extra) {
  const headers = { host: 'app.test', 'user-agent': 'bench', accept: '*/*', ...extra }
  const entries = Object.entries(headers)
  return { getHeader: (n) => headers[n] ?? '', forEach: (cb) => { for (const [k, v] of entries) cb(k, v) } }
}

const sink = { closing: false, begin() {}, done() {}, record() {} }
const fake = { table: { routerNames: ['r'], serviceOf: () => 0 }, chains: null }
const terminal = {
  pass(flow) {
    // The backend's answer, arriving through the chain.
    flow.onHeaders(200, 'OK', ['content-type', 'text/plain', 'content-length', String(BODY.length)], BODY.length)
    flow.onData(BODY)
    flow.onComplete([])
  },
}
const fctx = { terminal, log: { error() {} }, ep: 0, https: false, sink, logging: false }

let settled = false
const settle = () => (settled = true)

/** One request through chain: true when it ended at once, else a promise of its end. */
function once(chain, req) {
  const res = new Res()
  settled = false
  res.done = settle
  const x = new Exchange(res, fake.table, 0, 'GET', 0, 0, -1, 0, null, sink)
  const flow = new Flow(fctx, res, req, x, fake, 0, 0, '127.0.0.1', chain, 'GET', 'app.test', '/api/v1/users', 'q=1')
  flow.next()
  flow.release()
  if (settled) return true
  return new Promise((resolve) => (res.done = resolve))
}

/** CPU ns per request over n requests; awaits only requests that went asynchronous (compress, buffering). */
async function cpuPer(chain, req, n) {
  const c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    const r = once(chain, req)
    if (r !== true) await r
  }
  const c = process.cpuUsage(c0)
  return ((c.user + c.system) * 1000) / n
}

const ROUNDS = 6
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const plain = request({})
await cpuPer([], plain, 20_000)
const bases = []
console.log(`bench/middlewares/micro: ${N} requests per case in ${ROUNDS} rounds, each against an empty chain run just before (2 KiB responses)`)
console.log('| middleware | µs CPU per request above an empty chain (median of rounds) |')
console.log('|---|---:|')
for (const [label, type, options, extra = {}] of CASES) {
  const chain = [middleware(type, options)]
  const req = request(extra)
  await cpuPer(chain, req, 2000)
  const diffs = []
  for (let r = 0; r < ROUNDS; r++) {
    const base = await cpuPer([], plain, N / ROUNDS)
    bases.push(base)
    diffs.push((await cpuPer(chain, req, N / ROUNDS)) - base)
  }
  console.log(`| ${label} | ${(median(diffs) / 1000).toFixed(2)} |`)
}
console.log(`empty chain (flow, exchange, the answer itself): ${(median(bases) / 1000).toFixed(2)} µs CPU per request`)

// What the caches spare: one check of each hash kind, cold.
const { checkSecret } = await import('../../dist/middlewares/htpasswd.js')
for (const [label, pass, hash] of [
  ['apr1', 'b0b$pass', '$apr1$gNMBMiJO$LbvLkhSPKodQzgp/hYSgH1'],
  ['bcrypt cost 10', 'pass10', '$2y$10$twFYl.5PGFPVaHwb//Z3puDe7BJeAbtGmHCQRePsPKJl3bzjYXn1C'],
]) {
  const t0 = process.cpuUsage()
  for (let i = 0; i < 5; i++) await checkSecret(Buffer.from(pass), hash)
  const c = process.cpuUsage(t0)
  console.log(`one uncached ${label} check: ${((c.user + c.system) / 5 / 1000).toFixed(1)} ms CPU`)
}
console.log(`load average ${(await import('node:os')).loadavg()[0].toFixed(1)} (shared machine)`)
void createHash
