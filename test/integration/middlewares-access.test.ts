// Who may reach what, end to end: basicAuth, digestAuth, ipAllowList,
// rateLimit and inFlightReq on the built pier with two worker threads and a
// real backend on 127.0.0.1.
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { Agent } from 'node:http'
import { freePort } from '../helpers/net.js'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { startBackend, get, type Backend } from '../helpers/backends.js'

const dir = mkdtempSync(join(tmpdir(), 'pier-mwa-'))
let echo: Backend
let slow: Backend
let pier: PierProcess
let port: number

const basic = (user: string, pass: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` })
const md5 = (s: string) => createHash('md5').update(s).digest('hex')
const host = (name: string) => `Host(\`${name}.test\`)`

t.before(async () => {
  echo = await startBackend('echo', (req, res) => {
    req.resume()
    req.on('end', () => res.end(JSON.stringify({ url: req.url, headers: req.headers })))
  })
  slow = await startBackend('slow', (req, res) => {
    req.resume()
    setTimeout(() => res.end('slow'), 400)
  })
  const usersFile = join(dir, 'users')
  writeFileSync(usersFile, '# from htpasswd -nbB\ndave:$2y$10$twFYl.5PGFPVaHwb//Z3puDe7BJeAbtGmHCQRePsPKJl3bzjYXn1C\n')
  const routes = join(dir, 'routes.yml')
  const svc = (b: Backend) => ({ loadBalancer: { servers: [{ url: b.url }] } })
  const r = (name: string, middlewares: string[], service = 'echo') => ({ rule: host(name), service, middlewares })
  writeFileSync(
    routes,
    JSON.stringify({
      http: {
        routers: {
          basic: r('basic', ['basic']),
          strip: r('strip', ['basic-strip']),
          digest: r('digest', ['digest']),
          local: r('local', ['local-only']),
          far: r('far', ['far-only']),
          far404: r('far404', ['far-404']),
          proxied: r('proxied', ['behind-proxy']),
          excluded: r('excluded', ['excluded']),
          limited: r('limited', ['limit']),
          'limited-too': r('limited-too', ['limit']),
          'limited-copy': r('limited-copy', ['limit-copy']),
          inflight: r('inflight', ['one-at-a-time'], 'slow'),
        },
        services: { echo: svc(echo), slow: svc(slow) },
        middlewares: {
          basic: { basicAuth: { users: ['bob:$apr1$gNMBMiJO$LbvLkhSPKodQzgp/hYSgH1', 'alice:$2y$05$8UUQXdINh/YwSUJu0N4TUuzSCDu1qcG5LIwAJJvTckD0GTmROuVXK'], usersFile, realm: 'staff', headerField: 'X-WebAuth-User' } },
          'basic-strip': { basicAuth: { users: ['bob:$apr1$gNMBMiJO$LbvLkhSPKodQzgp/hYSgH1'], removeHeader: true } },
          digest: { digestAuth: { users: [`mufasa:pier:${md5('mufasa:pier:Circle Of Life')}`], realm: 'pier' } },
          'local-only': { ipAllowList: { sourceRange: ['127.0.0.1/32', '::1'] } },
          'far-only': { ipAllowList: { sourceRange: ['10.0.0.0/8'] } },
          'far-404': { ipAllowList: { sourceRange: ['10.0.0.0/8'], rejectStatusCode: 404 } },
          'behind-proxy': { ipWhiteList: { sourceRange: ['10.0.0.0/8'], ipStrategy: { depth: 2 } } },
          excluded: { ipAllowList: { sourceRange: ['192.168.0.0/16'], ipStrategy: { excludedIPs: ['10.0.0.0/8'] } } },
          limit: { rateLimit: { average: 1, period: '10s', burst: 3 } },
          'limit-copy': { rateLimit: { average: 1, period: '10s', burst: 3 } },
          'one-at-a-time': { inFlightReq: { amount: 1 } },
        },
      },
    }),
  )
  port = await freePort()
  // The test client plays the proxy in front: ipStrategy reads X-Forwarded-For only from a trusted forwarder.
  pier = await startPier([`--entrypoints.web.address=127.0.0.1:${port}`, '--entrypoints.web.forwardedHeaders.trustedIPs=127.0.0.1', `--providers.file.filename=${routes}`, '--workers=2'])
})

t.teardown(async () => {
  await pier?.stop()
  await echo?.close()
  await slow?.close()
})

t.test('basicAuth: a challenge without credentials, the user to the backend with them', async (t) => {
  const none = await get(port, 'basic.test', '/')
  t.equal(none.status, 401)
  t.equal(none.headers['www-authenticate'], 'Basic realm="staff"')
  t.equal(none.body, '401 Unauthorized\n')
  for (const [user, pass] of [['bob', 'b0b$pass'], ['alice', 'wonder land'], ['dave', 'pass10']]) {
    const ok = await get(port, 'basic.test', '/', { headers: basic(user!, pass!) })
    t.equal(ok.status, 200, `${user} (${user === 'bob' ? 'apr1' : user === 'alice' ? 'bcrypt' : 'bcrypt from usersFile'})`)
    const seen = JSON.parse(ok.body)
    t.equal(seen.headers['x-webauth-user'], user, 'headerField carries the user')
    t.ok(seen.headers.authorization, 'Authorization is forwarded unless removeHeader')
  }
  const again = await get(port, 'basic.test', '/', { headers: basic('alice', 'wonder land') })
  t.equal(again.status, 200, 'a cached outcome still lets the user in')
  t.equal((await get(port, 'basic.test', '/', { headers: basic('alice', 'wonder') })).status, 401, 'wrong password')
  t.equal((await get(port, 'basic.test', '/', { headers: basic('mallory', 'wonder land') })).status, 401, 'unknown user')
  t.equal((await get(port, 'basic.test', '/', { headers: { Authorization: 'Basic !!' } })).status, 401, 'garbage')
  const spoof = await get(port, 'basic.test', '/', { headers: { ...basic('bob', 'b0b$pass'), 'X-WebAuth-User': 'admin' } })
  t.equal(JSON.parse(spoof.body).headers['x-webauth-user'], 'bob', 'a client cannot set the user header itself')
  const stripped = JSON.parse((await get(port, 'strip.test', '/', { headers: basic('bob', 'b0b$pass') })).body)
  t.notOk(stripped.headers.authorization, 'removeHeader')
})

t.test('digestAuth: challenge, answer, a replayed nonce count is stale', async (t) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const first = await get(port, 'digest.test', '/dir/index.html', { agent })
  t.equal(first.status, 401)
  const challenge = first.headers['www-authenticate'] as string
  t.match(challenge, /^Digest realm="pier", nonce="[^"]+", opaque="[^"]+", algorithm=MD5, qop="auth"$/)
  const nonce = /nonce="([^"]+)"/.exec(challenge)![1]!
  const opaque = /opaque="([^"]+)"/.exec(challenge)![1]!
  const answer = (nc: string, password = 'Circle Of Life') => {
    const ha1 = md5(`mufasa:pier:${password}`)
    const response = md5(`${ha1}:${nonce}:${nc}:0a4f113b:auth:${md5('GET:/dir/index.html')}`)
    return { Authorization: `Digest username="mufasa", realm="pier", nonce="${nonce}", uri="/dir/index.html", qop=auth, nc=${nc}, cnonce="0a4f113b", response="${response}", opaque="${opaque}"` }
  }
  t.equal((await get(port, 'digest.test', '/dir/index.html', { agent, headers: answer('00000001') })).status, 200)
  t.equal((await get(port, 'digest.test', '/dir/index.html', { agent, headers: answer('00000002') })).status, 200, 'the next count')
  const replay = await get(port, 'digest.test', '/dir/index.html', { agent, headers: answer('00000002') })
  t.equal(replay.status, 401, 'a count already seen')
  t.match(replay.headers['www-authenticate'], /stale=true$/)
  t.equal((await get(port, 'digest.test', '/dir/index.html', { agent, headers: answer('00000003', 'wrong') })).status, 401, 'a wrong password')
})

t.test('ipAllowList and ipWhiteList', async (t) => {
  t.equal((await get(port, 'local.test', '/')).status, 200, 'loopback is in the range')
  const far = await get(port, 'far.test', '/')
  t.equal(far.status, 403)
  t.equal(far.body, 'Forbidden')
  t.equal((await get(port, 'far404.test', '/')).status, 404, 'rejectStatusCode')
  t.equal((await get(port, 'proxied.test', '/', { headers: { 'X-Forwarded-For': '10.1.2.3, 172.16.0.1' } })).status, 200, 'depth 2: the address before the last proxy')
  t.equal((await get(port, 'proxied.test', '/', { headers: { 'X-Forwarded-For': '10.1.2.3' } })).status, 403, 'depth 2 with one address: none')
  t.equal((await get(port, 'excluded.test', '/', { headers: { 'X-Forwarded-For': '192.168.1.1, 10.0.0.5' } })).status, 200, 'excludedIPs skips the proxy')
  t.equal((await get(port, 'excluded.test', '/', { headers: { 'X-Forwarded-For': '8.8.8.8, 10.0.0.5' } })).status, 403)
})

t.test('rateLimit: one budget for both worker threads', async (t) => {
  // Fresh connections spread over both threads; a budget per thread would let up to 6 through.
  const statuses: number[] = []
  for (let i = 0; i < 12; i++) statuses.push((await get(port, 'limited.test', '/')).status)
  t.same(statuses.filter((s) => s === 200).length, 3, `burst 3 at 1 per 10 s: ${statuses.join(' ')}`)
  const refused = await get(port, 'limited.test', '/')
  t.equal(refused.status, 429)
  t.match(refused.headers['retry-after'], /^\d+$/)
  t.ok(Number(refused.headers['retry-after']) >= 1 && Number(refused.headers['retry-after']) <= 10)
  t.match(refused.headers['x-retry-in'], /^\d+(\.\d+)?(ms|s)$/)
  t.equal((await get(port, 'limited-too.test', '/')).status, 429, 'another router using the same middleware draws on its budget')
  t.equal((await get(port, 'limited-copy.test', '/')).status, 200, 'another middleware with the same options has its own')
})

t.test('inFlightReq: one request at a time per Host, the next after it ends', async (t) => {
  const results = await Promise.all([0, 1, 2].map(() => get(port, 'inflight.test', '/')))
  t.same(results.map((r) => r.status).sort(), [200, 429, 429])
  t.equal((await get(port, 'inflight.test', '/')).status, 200, 'counted out when its response ended')
})
