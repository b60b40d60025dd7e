// Middlewares on a TLS entrypoint: redirectScheme sends plain HTTP to https
// and lets https through; Strict-Transport-Security goes only on HTTPS; the
// backend hears X-Forwarded-Proto https. A client's X-Forwarded-Proto never
// counts.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startPier } from '../helpers/pier.js'
import { startBackend, get } from '../helpers/backends.js'
import { freePort, waitFor } from '../helpers/net.js'
import { makeCA, tlsGet } from '../helpers/tls.js'

const dir = t.testdir({})
const ca = await makeCA()
const cert = await ca.issue(['app.test'])
writeFileSync(join(dir, 'app.crt'), cert.cert)
writeFileSync(join(dir, 'app.key'), cert.key)
const backend = await startBackend('echo', (req, res) => res.end(JSON.stringify(req.headers)))
t.teardown(() => backend.close())
const [web, websecure] = [await freePort(), await freePort()]
const dyn = join(dir, 'dyn.yml')
writeFileSync(
  dyn,
  JSON.stringify({
    http: {
      routers: {
        plain: { rule: 'Host(`app.test`)', service: 'svc', entryPoints: ['web'], middlewares: ['to-https', 'sts'] },
        secure: { rule: 'Host(`app.test`)', service: 'svc', entryPoints: ['websecure'], middlewares: ['to-https', 'sts'], tls: {} },
      },
      services: { svc: { loadBalancer: { servers: [{ url: backend.url }] } } },
      middlewares: {
        'to-https': { redirectScheme: { scheme: 'https', port: String(websecure), permanent: true } },
        sts: { headers: { stsSeconds: 31536000, stsIncludeSubdomains: true } },
      },
    },
    tls: { certificates: [{ certFile: join(dir, 'app.crt'), keyFile: join(dir, 'app.key') }] },
  }),
)
const pier = await startPier([
  `--entrypoints.web.address=127.0.0.1:${web}`,
  `--entrypoints.websecure.address=127.0.0.1:${websecure}`,
  '--entrypoints.websecure.http.tls=true',
  `--providers.file.filename=${dyn}`,
  '--workers=1',
])
t.teardown(() => pier.stop())

t.test('plain HTTP is redirected; HTTPS passes, with Strict-Transport-Security', async (t) => {
  const plain = await waitFor(async () => {
    const r = await get(web, 'app.test', '/x?y=1', { headers: { 'X-Forwarded-Proto': 'https' } })
    return r.status === 301 && r
  }, 5000, 'the plain router redirecting')
  t.equal(plain.headers.location, `https://app.test:${websecure}/x?y=1`, "a client's X-Forwarded-Proto: https does not stop it")
  t.notOk('strict-transport-security' in plain.headers, 'no STS over plain HTTP')
  const secure = await tlsGet(websecure, 'app.test', { path: '/x', host: `app.test:${websecure}`, ca: ca.cert, rejectUnauthorized: true })
  t.equal(secure.status, 200, 'already on https at that port: no redirect')
  t.match(secure.headers, /strict-transport-security: max-age=31536000; includeSubDomains/i)
  t.equal(JSON.parse(secure.body)['x-forwarded-proto'], 'https')
})
