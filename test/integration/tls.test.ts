// HTTPS from certificate files: SNI among several certificates, the default
// certificate, the web -> websecure redirection, X-Forwarded-Proto/Port,
// TLS 1.1 refused, session resumption, a bad certificate named while the
// others keep being served, and certificates added and replaced at runtime
// without a restart, with zero failed requests under a bounded load.
import t from 'tap'
import { writeFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { startPier } from '../helpers/pier.js'
import { startBackend, get } from '../helpers/backends.js'
import { freePort, waitFor } from '../helpers/net.js'
import { makeCA, tlsGet, type Issued } from '../helpers/tls.js'

const dir = t.testdir({})
const ca = await makeCA()
const put = (name: string, text: string): string => {
  const p = join(dir, name)
  writeFileSync(`${p}.tmp`, text)
  renameSync(`${p}.tmp`, p)
  return p
}
const files = (name: string, c: Issued): { certFile: string; keyFile: string } => ({ certFile: put(`${name}.crt`, c.cert), keyFile: put(`${name}.key`, c.key) })
put('ca.pem', ca.cert)

const a = files('a', await ca.issue(['a.test']))
const b = await ca.issue(['b.test'])
const w = files('w', await ca.issue(['*.w.test']))
put('broken.crt', '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n')

const backend = await startBackend('hello')
t.teardown(() => backend.close())
const web = await freePort()
const websecure = await freePort()

const router = (name: string, host: string, extra = '') => `    ${name}:\n      rule: "Host(\`${host}\`)"\n      service: svc\n${extra}`
const dynamic = (certs: string[], routers: string[]) =>
  [
    'http:',
    '  routers:',
    ...routers,
    '  services:',
    '    svc:',
    '      loadBalancer:',
    `        servers: [{ url: "${backend.url}" }]`,
    'tls:',
    '  certificates:',
    ...certs,
    '',
  ].join('\n')
const certEntry = (f: { certFile: string; keyFile: string }) => `    - certFile: ${f.certFile}\n      keyFile: ${f.keyFile}`
const inline = (c: Issued) => `    - certFile: |\n${c.cert.trimEnd().replace(/^/gm, '        ')}\n      keyFile: |\n${c.key.trimEnd().replace(/^/gm, '        ')}`
const baseRouters = [router('a', 'a.test'), router('b', 'b.test'), router('w', 'x.w.test')]
const baseCerts = [certEntry(a), inline(b), certEntry(w), `    - certFile: ${join(dir, 'broken.crt')}\n      keyFile: ${a.keyFile}`]
const dyn = put('dyn.yml', dynamic(baseCerts, baseRouters))

const pier = await startPier([
  `--entrypoints.web.address=127.0.0.1:${web}`,
  `--entrypoints.websecure.address=127.0.0.1:${websecure}`,
  '--entrypoints.websecure.http.tls=true',
  '--entrypoints.web.http.redirections.entrypoint.to=websecure',
  `--providers.file.filename=${dyn}`,
  '--workers=1',
  '--log.level=DEBUG',
])
t.teardown(() => pier.stop())

const verified = { ca: ca.cert, rejectUnauthorized: true }

t.test('each name gets its certificate by SNI, verified against the CA', async (t) => {
  const ra = await waitFor(async () => {
    const r = await tlsGet(websecure, 'a.test', verified).catch(() => null)
    return r?.status === 200 && r
  }, 5000, 'a.test served')
  t.equal(ra.peer.subject.CN, 'a.test')
  t.equal(ra.body, 'hello')
  t.equal((await tlsGet(websecure, 'b.test', verified)).peer.subject.CN, 'b.test', 'inline PEM')
  t.equal((await tlsGet(websecure, 'x.w.test', verified)).peer.subject.CN, '*.w.test', 'wildcard')
  const seen = backend.seen.at(-1)!
  t.equal(seen.headers['x-forwarded-proto'], 'https')
  t.equal(seen.headers['x-forwarded-port'], String(websecure))
})

t.test('an unknown name and no SNI get the default certificate', async (t) => {
  const r = await tlsGet(websecure, 'nobody.test')
  t.equal(r.peer.subject.CN, 'TRAEFIK DEFAULT CERT')
  t.equal(r.status, 404, 'no router for that host')
  t.equal((await tlsGet(websecure, '', { host: 'a.test' })).peer.subject.CN, 'TRAEFIK DEFAULT CERT')
})

t.test('curl verifies with --cacert', async (t) => {
  // not execFileSync: the backend runs in this process
  const { stdout: out } = await promisify(execFile)('curl', ['-sS', '--cacert', join(dir, 'ca.pem'), '--resolve', `a.test:${websecure}:127.0.0.1`, `https://a.test:${websecure}/`, '-w', ' %{http_code} %{ssl_verify_result}'], { encoding: 'utf8', timeout: 10000 })
  t.equal(out, 'hello 200 0')
})

t.test('TLS 1.1 is refused, 1.2 and 1.3 are served', async (t) => {
  await t.rejects(tlsGet(websecure, 'a.test', { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }), { code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' }, 'the server answers with a protocol_version alert')
  t.equal((await tlsGet(websecure, 'a.test', { maxVersion: 'TLSv1.2' })).protocol, 'TLSv1.2')
  t.equal((await tlsGet(websecure, 'a.test')).protocol, 'TLSv1.3')
})

t.test('sessions resume', async (t) => {
  for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
    const first = await tlsGet(websecure, 'a.test', { maxVersion: v })
    t.ok(first.session, `${v} session handed out`)
    const again = await tlsGet(websecure, 'a.test', { maxVersion: v, session: first.session })
    t.ok(again.reused, `${v} resumed`)
  }
})

t.test('web redirects to websecure', async (t) => {
  const r = await get(web, 'a.test', '/x?y=1')
  t.equal(r.status, 301)
  t.equal(r.headers.location, `https://a.test:${websecure}/x?y=1`)
  const post = await get(web, `a.test:${web}`, '/form', { method: 'POST', body: 'x' })
  t.equal(post.status, 308, 'methods other than GET keep their method')
  t.equal(post.headers.location, `https://a.test:${websecure}/form`)
})

t.test('a bad certificate is named in one line, the others are served', async (t) => {
  t.match(pier.logs(), new RegExp(`certificate not served .*certificate=${join(dir, 'broken.crt').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} .*does not parse.*TLS_BAD_CERT`))
  t.equal((await tlsGet(websecure, 'a.test', verified)).status, 200)
})

t.test('a certificate added at runtime is served without new threads; a replaced one by fresh threads, with no failed request', async (t) => {
  const c = files('c', await ca.issue(['c.test']))
  const replacedThreads = () => (pier.logs().match(/handed over to a fresh one/g) ?? []).length
  const before = replacedThreads()
  put('dyn.yml', dynamic([...baseCerts, certEntry(c)], [...baseRouters, router('c', 'c.test')]))
  const rc = await waitFor(async () => {
    const r = await tlsGet(websecure, 'c.test', verified).catch(() => null)
    return r?.status === 200 && r
  }, 5000, 'c.test served')
  t.equal(rc.peer.subject.CN, 'c.test')
  t.match(pier.logs(), /certificates changed .*inPlace=true/)
  t.equal(replacedThreads(), before, 'no thread replaced for an addition')

  // Replace a.test's certificate while requests run on keep-alive and new connections.
  const a2 = await ca.issue(['a.test'], { cn: 'a.test renewed' })
  let failures = 0
  let done = 0
  let running = true
  const load = (async () => {
    const deadline = Date.now() + 15000
    while (running && Date.now() < deadline && done < 3000) {
      const r = await tlsGet(websecure, 'a.test', verified).catch(() => null)
      if (r?.status === 200) done++
      else failures++
    }
  })()
  put('a.crt', a2.cert)
  put('a.key', a2.key)
  // the file provider reloads on a change of its own file
  put('dyn.yml', dynamic([...baseCerts, certEntry(c)], [...baseRouters, router('c', 'c.test'), router('a2', 'a2.test')]))
  await waitFor(async () => (await tlsGet(websecure, 'a.test', verified)).peer.subject.CN === 'a.test renewed', 10000, 'the new certificate served')
  running = false
  await load
  t.equal(failures, 0, `no failed request (${done} served)`)
  await waitFor(() => replacedThreads() > before, 5000, 'fresh threads taking the changed certificate')
  t.equal((await tlsGet(websecure, 'c.test', verified)).peer.subject.CN, 'c.test', 'the others are still served')
})
