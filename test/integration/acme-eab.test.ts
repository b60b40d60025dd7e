// ACME with external account binding (pebble requiring EAB), and a failing
// order retried with backoff (a domain pebble's policy refuses): 1 s, 2 s,
// 4 s... apart, never in a loop, while the other router gets its certificate.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startPier } from '../helpers/pier.js'
import { startBackend } from '../helpers/backends.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPebble } from '../helpers/pebble.js'
import { tlsGet } from '../helpers/tls.js'

const dir = t.testdir({})
const web = await freePort()
const websecure = await freePort()
const hmac = 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W'
const pebble = await startPebble(dir, { httpPort: web, tlsPort: websecure, eab: { 'kid-1': hmac }, blocklist: ['blocked.pier.test'] })
t.teardown(() => pebble.stop())
const root = await pebble.issuingRoot()
const backend = await startBackend('bound')
t.teardown(() => backend.close())
const dyn = join(dir, 'dyn.yml')
const router = (name: string, host: string) => `    ${name}:\n      rule: "Host(\`${host}\`)"\n      service: svc\n      tls: { certResolver: le }`
writeFileSync(dyn, ['http:', '  routers:', router('ok', 'eab.pier.test'), router('blocked', 'blocked.pier.test'), '  services:', '    svc:', '      loadBalancer:', `        servers: [{ url: "${backend.url}" }]`, ''].join('\n'))
const pier = await startPier(
  [
    `--entrypoints.web.address=127.0.0.1:${web}`,
    `--entrypoints.websecure.address=127.0.0.1:${websecure}`,
    '--entrypoints.websecure.http.tls',
    `--certificatesresolvers.le.acme.storage=${join(dir, 'acme.json')}`,
    `--certificatesresolvers.le.acme.caserver=${pebble.directory}`,
    '--certificatesresolvers.le.acme.keytype=EC384',
    '--certificatesresolvers.le.acme.eab.kid=kid-1',
    `--certificatesresolvers.le.acme.eab.hmacencoded=${hmac}`,
    `--certificatesresolvers.le.acme.cacertificates=${pebble.serverCAFile}`,
    '--certificatesresolvers.le.acme.httpchallenge.entrypoint=web',
    `--providers.file.filename=${dyn}`,
    '--workers=1',
  ],
  { env: { PIER_ACME_RETRY_MS: '1000' } },
)
t.teardown(() => pier.stop())

t.test('an account bound with EAB orders a certificate (EC384, CA trusted by caCertificates)', async (t) => {
  const r = await waitFor(async () => {
    const x = await tlsGet(websecure, 'eab.pier.test', { ca: root, rejectUnauthorized: true }).catch(() => null)
    return x?.authorized && x
  }, 30000, `a certificate (pier: ${pier.logs().slice(-1500)})`)
  t.equal(r.body, 'bound')
  t.equal(r.peer.asn1Curve ?? r.peer.nistCurve, 'secp384r1')
})

t.test('a refused order is retried with backoff, not in a loop', async (t) => {
  const attempts = () => [...pier.logs().matchAll(/ACME order failed; retrying later .*domains=blocked\.pier\.test attempt=(\d+) retryInSeconds=(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])])
  await waitFor(() => attempts().length >= 3, 20000, 'three failed attempts')
  const seen = attempts()
  t.same(seen.slice(0, 3), [[1, 1], [2, 2], [3, 4]], 'waits double')
  const times = [...pier.logs().matchAll(/^(\S+) ERROR ACME order failed.*domains=blocked\.pier\.test/gm)].map((m) => Date.parse(m[1]!))
  t.ok(times[2]! - times[1]! >= 1900, `the third attempt waited (${times[2]! - times[1]!} ms)`)
})
