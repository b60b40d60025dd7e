// ACME against a real ACME server (Debian's pebble): a router with a
// certResolver gets its certificate within seconds over http-01 while web
// redirects everything else to websecure; the certificate verifies against
// pebble's issuing root (Node tls, curl --cacert); acme.json is written in
// Traefik's shape with mode 0600; short-lived certificates are renewed with
// zero failed requests under a bounded load; a restart serves acme.json at once.
import t from 'tap'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { startBackend, get } from '../helpers/backends.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPebble } from '../helpers/pebble.js'
import { tlsGet } from '../helpers/tls.js'

const dir = t.testdir({})
const web = await freePort()
const websecure = await freePort()
// 45 s certificates: renewed a third of their life (15 s) before they end, room for an order on a loaded machine
const pebble = await startPebble(dir, { httpPort: web, tlsPort: websecure, validitySeconds: 45 })
t.teardown(() => pebble.stop())
const root = await pebble.issuingRoot()
writeFileSync(join(dir, 'root.pem'), root)
const backend = await startBackend('issued')
t.teardown(() => backend.close())

const dyn = join(dir, 'dyn.yml')
writeFileSync(
  dyn,
  [
    'http:',
    '  routers:',
    '    app:',
    '      rule: "Host(`app.pier.test`) || Host(`www.app.pier.test`)"',
    '      service: svc',
    '      tls: { certResolver: le }',
    '  services:',
    '    svc:',
    '      loadBalancer:',
    `        servers: [{ url: "${backend.url}" }]`,
    '',
  ].join('\n'),
)
const storage = join(dir, 'acme.json')
const args = [
  `--entrypoints.web.address=127.0.0.1:${web}`,
  `--entrypoints.websecure.address=127.0.0.1:${websecure}`,
  '--entrypoints.websecure.http.tls=true',
  '--entrypoints.web.http.redirections.entrypoint.to=websecure',
  '--certificatesresolvers.le.acme.email=ops@pier.test',
  `--certificatesresolvers.le.acme.storage=${storage}`,
  `--certificatesresolvers.le.acme.caserver=${pebble.directory}`,
  '--certificatesresolvers.le.acme.keytype=EC256',
  '--certificatesresolvers.le.acme.httpchallenge.entrypoint=web',
  `--providers.file.filename=${dyn}`,
  '--workers=2',
]
const env = { LEGO_CA_CERTIFICATES: pebble.serverCAFile, PIER_ACME_RETRY_MS: '1000' }
let pier: PierProcess = await startPier(args, { env })
t.teardown(() => pier.stop())
const verified = { ca: root, rejectUnauthorized: true }
const issued = async (host: string) => tlsGet(websecure, host, verified).catch(() => null)

t.test('a router with a certResolver gets its certificate within seconds, over http-01 while web redirects', async (t) => {
  const started = Date.now()
  const r = await waitFor(async () => {
    const x = await issued('app.pier.test')
    return x?.authorized && x.status === 200 && x
  }, 30000, `a certificate issued (pier: ${pier.logs().slice(-2000)}\npebble: ${pebble.logs().slice(-2000)})`)
  t.comment(`issued in ${Date.now() - started} ms`)
  t.equal(r.body, 'issued')
  t.match(r.peer.subjectaltname, /DNS:app\.pier\.test/)
  t.match(r.peer.subjectaltname, /DNS:www\.app\.pier\.test/)
  t.equal((await issued('www.app.pier.test'))?.authorized, true, 'one certificate for both names')
  const redirected = await get(web, 'app.pier.test', '/page')
  t.equal(redirected.status, 301)
  t.equal(redirected.headers.location, `https://app.pier.test:${websecure}/page`)
  t.match(pier.logs(), /ACME certificate obtained/)
})

t.test('curl verifies it against the issuing root', async (t) => {
  const { stdout } = await promisify(execFile)('curl', ['-sS', '--cacert', join(dir, 'root.pem'), '--resolve', `app.pier.test:${websecure}:127.0.0.1`, `https://app.pier.test:${websecure}/`, '-w', ' %{http_code} %{ssl_verify_result}'], { timeout: 10000 })
  t.equal(stdout, 'issued 200 0')
})

t.test("acme.json is Traefik's shape, mode 0600", async (t) => {
  t.equal(statSync(storage).mode & 0o777, 0o600)
  const data = JSON.parse(readFileSync(storage, 'utf8'))
  t.same(Object.keys(data), ['le'])
  t.match(data.le.Account, { Email: 'ops@pier.test', Registration: { body: { status: 'valid' }, uri: /^https:\/\/localhost:\d+\/my-account\// }, PrivateKey: /^[A-Za-z0-9+/]+=*$/, KeyType: 'P256' })
  const c = data.le.Certificates[0]
  t.same(c.domain, { main: 'app.pier.test', sans: ['www.app.pier.test'] })
  t.equal(c.Store, 'default')
  t.match(Buffer.from(c.certificate, 'base64').toString(), /^-----BEGIN CERTIFICATE-----/)
  t.match(Buffer.from(c.key, 'base64').toString(), /-----BEGIN (EC )?PRIVATE KEY-----/)
})

t.test('short-lived certificates are renewed with zero failed requests under a bounded load', async (t) => {
  const start = (await issued('app.pier.test'))!.peer
  const first = start.serialNumber
  const failures: string[] = []
  let served = 0
  const deadline = Date.now() + 50000
  let renewed = ''
  while (Date.now() < deadline && served < 20000 && !renewed) {
    const r = await tlsGet(websecure, 'app.pier.test', verified).catch((err: NodeJS.ErrnoException) => err)
    if (!(r instanceof Error) && r.authorized && r.status === 200) {
      served++
      if (r.peer.serialNumber !== first) renewed = r.peer.serialNumber
    } else failures.push(`${new Date().toISOString()} ${r instanceof Error ? r.code ?? r.message : `status ${r.status}`}`)
  }
  t.ok(renewed, `a new certificate served (${served} requests)`)
  t.same(failures, [], `no failed request (the first certificate valid until ${start.valid_to})`)
  // a fresh thread serves the new certificate as soon as it listens; the old one says it handed over just after
  await waitFor(() => /handed over to a fresh one/.test(pier.logs()), 5000, 'the old threads handing over')
  t.pass('fresh threads took the renewed certificate')
})

t.test('a restart serves the certificate acme.json holds at once', async (t) => {
  await pier.stop()
  const stored = JSON.parse(readFileSync(storage, 'utf8')).le.Certificates[0]
  pier = await startPier(args, { env })
  const r = await tlsGet(websecure, 'app.pier.test', { ...verified, rejectUnauthorized: false })
  const fromFile = new (await import('node:crypto')).X509Certificate(Buffer.from(stored.certificate, 'base64').toString()).serialNumber
  t.equal(r.peer.serialNumber.toUpperCase(), fromFile.toUpperCase(), 'the stored certificate, right after ready')
  t.match(pier.logs(), /ACME resolver ready .*certificates=1/)
  t.notMatch(pier.logs(), /ACME account registered/, 'the account key is kept')
})
