// tls.options as pier honours them: sniStrict refuses unknown names, a
// router's minVersion VersionTLS13 refuses TLS 1.2 for its host only, an
// option pier cannot enforce disables the routers using it, a default
// certificate from tls.stores.default; and headless Chromium loading a page
// through pier over HTTPS with the test root trusted by its SPKI hash.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startPier } from '../helpers/pier.js'
import { startBackend } from '../helpers/backends.js'
import { freePort, waitFor } from '../helpers/net.js'
import { makeCA, spkiHash, tlsGet } from '../helpers/tls.js'
import { chromium } from 'playwright-core'
import { keepScreenshot } from '../helpers/browser.js'
import { WebSocket } from 'ws'
import { startWsBackend } from '../helpers/ws.js'

const dir = t.testdir({})
const ca = await makeCA()
const put = (name: string, text: string): string => (writeFileSync(join(dir, name), text), join(dir, name))
const strict = await ca.issue(['strict.test'])
const modern = await ca.issue(['modern.test'])
const fallback = await ca.issue(['fallback.test'], { cn: 'my default' })

const page = '<!doctype html><title>pier over https</title><h1 id="t">served over HTTPS by pier</h1>'
const backend = await startBackend('', (req, res) => {
  res.setHeader('content-type', 'text/html')
  res.end(page.replace('</h1>', ` (${req.headers['x-forwarded-proto']})</h1>`))
})
t.teardown(() => backend.close())
const echo = await startWsBackend((ws) => ws.on('message', (m) => ws.send(`echo ${m}`)))
t.teardown(() => echo.close())
const port = await freePort()
const apiPort = await freePort()
const cert = (c: { cert: string; key: string }, n: string) => `    - certFile: ${put(`${n}.crt`, c.cert)}\n      keyFile: ${put(`${n}.key`, c.key)}`
const dyn = put(
  'dyn.yml',
  [
    'http:',
    '  routers:',
    '    strict:',
    '      rule: "Host(`strict.test`)"',
    '      service: svc',
    '      tls: {}',
    '    modern:',
    '      rule: "Host(`modern.test`)"',
    '      service: svc',
    '      tls: { options: modern }',
    '    ws:',
    '      rule: "Host(`strict.test`) && Path(`/ws`)"',
    '      service: echo',
    '      tls: {}',
    '    pinned:',
    '      rule: "Host(`pinned.test`)"',
    '      service: svc',
    '      tls: { options: old }',
    '  services:',
    '    echo:',
    '      loadBalancer:',
    `        servers: [{ url: "${echo.url}" }]`,
    '    svc:',
    '      loadBalancer:',
    `        servers: [{ url: "${backend.url}" }]`,
    'tls:',
    '  certificates:',
    cert(strict, 'strict'),
    cert(modern, 'modern'),
    '  stores:',
    '    default:',
    '      defaultCertificate:',
    `        certFile: ${put('fallback.crt', fallback.cert)}`,
    `        keyFile: ${put('fallback.key', fallback.key)}`,
    '  options:',
    '    default:',
    '      sniStrict: true',
    '    modern:',
    '      minVersion: VersionTLS13',
    '    old:',
    '      maxVersion: VersionTLS12',
    '',
  ].join('\n'),
)
const pier = await startPier([`--entrypoints.websecure.address=127.0.0.1:${port}`, '--entrypoints.websecure.http.tls', `--entrypoints.traefik.address=127.0.0.1:${apiPort}`, '--api.insecure', `--providers.file.filename=${dyn}`, '--workers=2'])
t.teardown(() => pier.stop())
const verified = { ca: ca.cert, rejectUnauthorized: true }
await waitFor(async () => (await tlsGet(port, 'strict.test', verified).catch(() => null))?.status === 200, 5000, 'served')

t.test('sniStrict refuses unknown names and clients without SNI', async (t) => {
  await t.rejects(tlsGet(port, 'unknown.test'), 'unknown name refused')
  await t.rejects(tlsGet(port, '', { host: 'strict.test' }), 'no SNI refused')
  t.equal((await tlsGet(port, 'strict.test', verified)).status, 200)
})

t.test('minVersion VersionTLS13 for one router refuses TLS 1.2 for its host only', async (t) => {
  t.equal((await tlsGet(port, 'modern.test', verified)).protocol, 'TLSv1.3')
  await t.rejects(tlsGet(port, 'modern.test', { maxVersion: 'TLSv1.2' }), 'TLS 1.2 refused')
  t.equal((await tlsGet(port, 'strict.test', { ...verified, maxVersion: 'TLSv1.2' })).protocol, 'TLSv1.2', 'other hosts keep TLS 1.2')
})

t.test('an option pier cannot enforce disables the router, with the reason', async (t) => {
  const res = await fetch(`http://127.0.0.1:${apiPort}/api/http/routers/pinned@file`)
  const r = (await res.json()) as { status: string; error: string[] }
  t.equal(r.status, 'disabled')
  t.match(r.error.join('\n'), /tls\.options old@file: maxVersion VersionTLS12 cannot be enforced/)
  const eps = (await (await fetch(`http://127.0.0.1:${apiPort}/api/entrypoints`)).json()) as Array<{ name: string; http: unknown }>
  t.same(eps.find((e) => e.name === 'websecure')?.http, { tls: {} }, 'the entrypoint shows its TLS')
})

t.test('turning sniStrict off serves the default certificate of tls.stores.default, without a restart', async (t) => {
  writeFileSync(dyn, readFileSync(dyn, 'utf8').replace('      sniStrict: true\n', '      sniStrict: false\n'))
  const r = await waitFor(async () => (await tlsGet(port, 'unknown.test').catch(() => null))?.peer.subject.CN === 'my default', 10000, 'the default certificate served')
  t.ok(r)
  t.equal((await tlsGet(port, 'strict.test', verified)).status, 200)
})

t.test('a WebSocket over TLS (wss) through pier, X-Forwarded-Proto wss', async (t) => {
  const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { servername: 'strict.test', headers: { host: 'strict.test' }, ca: ca.cert })
  t.teardown(() => ws.terminate())
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)))
  ws.send('hi')
  const [reply] = await new Promise<[Buffer]>((resolve) => ws.once('message', (...a) => resolve(a as [Buffer])))
  t.equal(String(reply), 'echo hi')
  t.equal(echo.seen.at(-1)?.headers['x-forwarded-proto'], 'wss')
  // Large messages go whole, in one frame, toward a TLS client (the plain-socket workaround in the Bridge does not apply).
  const big = 'x'.repeat(300_000)
  ws.send(big)
  const [back] = await new Promise<[Buffer]>((resolve) => ws.once('message', (...a) => resolve(a as [Buffer])))
  t.equal(String(back), `echo ${big}`, 'a 300 KB message echoed whole over wss')
})

t.test('headless Chromium loads a page through pier over HTTPS', async (t) => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--host-resolver-rules=MAP strict.test 127.0.0.1', `--ignore-certificate-errors-spki-list=${spkiHash(strict.cert)}`],
  })
  t.teardown(() => browser.close())
  const p = await browser.newPage()
  const resp = await p.goto(`https://strict.test:${port}/`)
  t.equal(resp?.status(), 200)
  t.equal(await p.textContent('#t'), 'served over HTTPS by pier (https)')
  const sec = await resp!.securityDetails()
  t.equal(sec?.subjectName, 'strict.test')
  t.match(sec?.protocol, /TLS 1\.3/)
  await keepScreenshot(p, 'tls-chromium')
})
