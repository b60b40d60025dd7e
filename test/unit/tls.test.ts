// The pure parts of HTTPS: tls.options compiled for uWS, router placement on
// TLS and plain entrypoints, snapshot additions, certificate checks, renewal
// and retry timing, the redirect, and acme.json in Traefik's shape.
import t from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import { writeFileSync, statSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { compileOptions, TLS13_ONLY_CIPHERS } from '../../src/tls/options.js'
import { place } from '../../src/table/placement.js'
import { additions, type TlsSnapshot } from '../../src/tls/snapshot.js'
import { loadCertificate, nameCovers, CertError } from '../../src/tls/certificate.js'
import { selfSigned, defaultCertificate } from '../../src/tls/self-signed.js'
import { renewAt, retryDelay } from '../../src/tls/acme/schedule.js'
import { redirectLocation, redirectStatus } from '../../src/worker/redirect.js'
import { decodeResolver, readStorage, writeResolver } from '../../src/tls/acme/storage.js'

t.test('tls.options: what uWS honours, what it cannot, what it honours more strictly', async (t) => {
  t.same(compileOptions({}), { options: { sniStrict: false }, errors: [], warnings: [] })
  t.same(compileOptions({ minVersion: 'VersionTLS13', sniStrict: true }).options, { sniStrict: true, ciphers: TLS13_ONLY_CIPHERS })
  t.same(compileOptions({ cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'] }).options, { sniStrict: false, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })
  t.same(compileOptions({ cipherSuites: ['TLS_AES_256_GCM_SHA384'] }).options?.ciphers, TLS13_ONLY_CIPHERS, 'only TLS 1.3 suites: no TLS 1.2')
  t.match(compileOptions({ minVersion: 'VersionTLS10' }).warnings, [/never accepts less than TLS 1\.2/])
  t.match(compileOptions({ maxVersion: 'VersionTLS12' }).errors, [/maxVersion VersionTLS12 cannot be enforced/])
  t.match(compileOptions({ minVersion: 'TLS12' }).errors, [/minVersion "TLS12" is not one of/])
  t.match(compileOptions({ cipherSuites: ['TLS_FOO'] }).errors, [/cipher suite "TLS_FOO" is unknown/])
  t.match(compileOptions({ curvePreferences: ['CurveP521', 'CurveP384'] }).errors, [/cannot exclude X25519, CurveP256/])
  t.same(compileOptions({ curvePreferences: ['X25519', 'secp256r1', 'CurveP384', 'CurveP521'] }).errors, [], 'a superset is honoured')
  t.match(compileOptions({ clientAuth: { caFiles: ['x'] } }).errors, [/clientAuth .* not supported/])
  t.match(compileOptions({ disableSessionTickets: true }).errors, [/session tickets/])
  t.same(compileOptions({ alpnProtocols: ['http/1.1', 'acme-tls/1'] }).errors, [])
})

t.test('placement: TLS routers on TLS entrypoints, plain ones on plain entrypoints', async (t) => {
  const kinds = new Map([
    ['web', { secure: false }],
    ['websecure', { secure: true }],
    ['tlsdefault', { secure: true, tls: { certResolver: 'le' } }],
  ])
  const all = ['web', 'websecure', 'tlsdefault']
  t.same(place({ rule: 'Host(`a`)', service: 's' }, all, kinds), { entryPoints: ['web', 'tlsdefault'], tls: { certResolver: 'le' }, skipped: [] }, 'plain router: web, and where http.tls makes it TLS')
  t.same(place({ rule: 'Host(`a`)', service: 's', tls: {} }, all, kinds), { entryPoints: ['websecure', 'tlsdefault'], tls: {}, skipped: [] })
  t.match(place({ rule: 'Host(`a`)', service: 's', tls: {}, entryPoints: ['web'] }, all, kinds), { entryPoints: [], skipped: [/entrypoint web serves plain HTTP/] })
  t.match(place({ rule: 'Host(`a`)', service: 's', entryPoints: ['websecure', 'web'] }, all, kinds), { entryPoints: ['web'], skipped: [/entrypoint websecure serves TLS only/] })
  t.same(place({ rule: 'Host(`a`)', service: 's' }, all, kinds, ['web']).entryPoints, ['web'], 'v1 defaultEntryPoints')
  t.same(place({ rule: 'Host(`a`)', service: 's', entryPoints: ['nope'] }, all, kinds).entryPoints, ['nope'], 'unknown names are left to the compiler')
})

t.test('snapshot additions: names only added go in place, anything else needs fresh threads', async (t) => {
  const e = (name: string, cert = `${name}.crt`) => ({ name, cert, key: `${name}.key` })
  const snap = (names: ReturnType<typeof e>[], fallback: TlsSnapshot['fallback'] = { cert: 'd.crt', key: 'd.key' }): TlsSnapshot => ({ version: 1, fallback, names })
  t.same(additions(snap([e('a')]), snap([e('a'), e('b')])), [e('b')])
  t.same(additions(snap([e('a')]), snap([e('a')])), [])
  t.equal(additions(snap([e('a')]), snap([e('a', 'a2.crt')])), undefined, 'a replaced certificate')
  t.equal(additions(snap([e('a'), e('b')]), snap([e('a')])), undefined, 'a removed name')
  t.equal(additions(snap([e('a')]), snap([e('a')], null)), undefined, 'sniStrict turned on')
})

t.test('certificates: names, wildcards and clear errors', async (t) => {
  const c = await selfSigned('x', ['A.example.com', '*.w.example.com'])
  t.same(c.names, ['a.example.com', '*.w.example.com'])
  t.ok(nameCovers('*.w.example.com', 'x.w.example.com'))
  t.notOk(nameCovers('*.w.example.com', 'y.x.w.example.com'), 'one label only')
  t.notOk(nameCovers('*.w.example.com', 'w.example.com'))
  const other = await selfSigned('y', ['b.example.com'])
  const code = (f: () => unknown): string => {
    try {
      f()
    } catch (err) {
      if (err instanceof CertError) return err.code
      throw err
    }
    return 'none'
  }
  t.equal(code(() => loadCertificate('nothing', c.key)), 'TLS_BAD_CERT')
  t.equal(code(() => loadCertificate(c.cert, 'nothing')), 'TLS_BAD_KEY')
  t.equal(code(() => loadCertificate(c.cert, other.key)), 'TLS_KEY_MISMATCH')
  const enc = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }) as string
  t.equal(code(() => loadCertificate(c.cert, enc)), 'TLS_BAD_KEY')
  const d = await defaultCertificate()
  t.match(d.names[0], /^[0-9a-f]{16}\.[0-9a-f]{16}\.traefik\.default$/)
})

t.test('renewal and retry timing', async (t) => {
  const day = 86_400_000
  const from = new Date(0)
  t.equal(renewAt(from, new Date(90 * day), 2160), 60 * day, '90-day certificates: 30 days before')
  t.equal(renewAt(from, new Date(365 * day), 2160), 335 * day, 'at most 30 days before')
  t.equal(renewAt(from, new Date(30_000), 2160), 20_000, 'short-lived: a third of the life before the end')
  t.equal(renewAt(from, new Date(90 * day), 24), 90 * day - 8 * 3_600_000, 'a third of certificatesDuration')
  t.same([1, 2, 3, 30].map((n) => retryDelay(n)), [60_000, 120_000, 240_000, day], 'doubling, capped at a day')
})

t.test('redirect status and Location', async (t) => {
  const r = { scheme: 'https', port: 443, permanent: true, priority: 1 }
  t.equal(redirectLocation(r, 'a.test', '/x?y'), 'https://a.test/x?y', 'default port left out')
  t.equal(redirectLocation({ ...r, port: 8443 }, 'a.test:8080', '/'), 'https://a.test:8443/')
  t.equal(redirectLocation(r, '[::1]:80', '/'), 'https://[::1]/')
  t.same([redirectStatus('GET', true), redirectStatus('POST', true), redirectStatus('GET', false), redirectStatus('PUT', false)], ['301 Moved Permanently', '308 Permanent Redirect', '302 Found', '307 Temporary Redirect'])
})

t.test("acme.json: Traefik's file is read, and written back in its shape with mode 0600", async (t) => {
  const dir = t.testdir({})
  const cert = await selfSigned('app.example.com', ['app.example.com', 'www.app.example.com'])
  const accountKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
  // as Traefik v2/v3 writes it: Go's []byte fields are base64
  const traefik = {
    le: {
      Account: {
        Email: 'ops@example.com',
        Registration: { body: { status: 'valid', contact: ['mailto:ops@example.com'] }, uri: 'https://acme.example/acct/1' },
        PrivateKey: accountKey.export({ type: 'pkcs1', format: 'der' }).toString('base64'),
        KeyType: '4096',
      },
      Certificates: [{ domain: { main: 'app.example.com', sans: ['www.app.example.com'] }, certificate: Buffer.from(cert.cert).toString('base64'), key: Buffer.from(cert.key).toString('base64'), Store: 'default' }],
    },
    other: { Account: null, Certificates: null },
  }
  const file = join(dir, 'acme.json')
  writeFileSync(file, JSON.stringify(traefik, null, 2))
  const d = decodeResolver((await readStorage(file)).le)
  t.equal(d.account?.email, 'ops@example.com')
  t.equal(d.account?.registration?.uri, 'https://acme.example/acct/1')
  t.same(d.certificates[0]?.domain, { main: 'app.example.com', sans: ['www.app.example.com'] })
  t.same(loadCertificate(d.certificates[0]!.certificate, d.certificates[0]!.key).names, ['app.example.com', 'www.app.example.com'])
  await writeResolver(file, 'le', d)
  t.equal(statSync(file).mode & 0o777, 0o600)
  const back = JSON.parse(readFileSync(file, 'utf8'))
  t.same(back.le, traefik.le, 'byte for byte what Traefik wrote')
  t.same(back.other, traefik.other, "another resolver's section is kept")
})
