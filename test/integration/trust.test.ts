// Whom pier believes about the client, end to end: X-Forwarded-* from an
// untrusted client are dropped (no spoofed X-Forwarded-For, -Prefix or
// -Tls-Client-Cert reaches a backend or a middleware), kept from a trusted
// forwarder; X-Real-Ip is always the client pier sees; a PROXY v2 header is
// believed only from a trusted peer, and then its source is the client
// everywhere (headers, ClientIP rules).
import t from 'tap'
import { connect } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'
import { get, startBackend } from '../helpers/backends.js'

const SPOOF = {
  'x-forwarded-for': '1.2.3.4',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-port': '8443',
  'x-forwarded-prefix': '/admin',
  'x-forwarded-tls-client-cert': 'MIIB...',
  'x-real-ip': '9.9.9.9',
}

/** One request on a raw socket, PROXY v2 header first; resolves with the response text. */
function viaProxyProtocol(port: number, source: [number, number, number, number], host: string, path = '/'): Promise<string> {
  const sig = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a])
  // version 2, PROXY command; TCP over IPv4; 12 bytes: source, destination, source port, destination port
  const header = Buffer.concat([sig, Buffer.from([0x21, 0x11, 0x00, 0x0c, ...source, 127, 0, 0, 1, 0x15, 0xb3, port >> 8, port & 0xff])])
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(Buffer.concat([header, Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)])))
    let out = ''
    s.setEncoding('utf8').on('data', (d: string) => (out += d))
    s.on('end', () => resolve(out))
    s.on('error', reject)
  })
}

t.test('forwarded headers and PROXY protocol, trusted and not', async (t) => {
  const echo = await startBackend('echo', (req, res) => {
    req.resume()
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(req.headers))
  })
  t.teardown(() => echo.close())
  const dir = t.testdir({})
  const routes = join(dir, 'routes.yml')
  writeFileSync(routes, `
http:
  routers:
    app: { rule: "Host(\`app.test\`)", service: echo }
    guarded: { rule: "Host(\`guarded.test\`)", service: echo, middlewares: [lan] }
    secure: { rule: "Host(\`secure.test\`)", service: echo, middlewares: [https] }
    proxied: { rule: "Host(\`proxied.test\`) && ClientIP(\`203.0.113.0/24\`)", service: echo }
  middlewares:
    lan: { ipAllowList: { sourceRange: [10.0.0.0/8], ipStrategy: { depth: 1 } } }
    https: { redirectScheme: { scheme: https, permanent: true } }
  services:
    echo: { loadBalancer: { servers: [{ url: "${echo.url}" }] } }
`)
  const [open, trusted, notAppend, pp, ppElsewhere] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()])
  const pier = await startPier([
    `--entrypoints.open.address=127.0.0.1:${open}`,
    `--entrypoints.trusted.address=127.0.0.1:${trusted}`, '--entrypoints.trusted.forwardedHeaders.trustedIPs=127.0.0.1/32,::1',
    `--entrypoints.notappend.address=127.0.0.1:${notAppend}`, '--entrypoints.notappend.forwardedHeaders.insecure', '--entrypoints.notappend.forwardedHeaders.notAppendXForwardedFor',
    `--entrypoints.pp.address=127.0.0.1:${pp}`, '--entrypoints.pp.proxyProtocol.trustedIPs=127.0.0.1',
    `--entrypoints.ppelsewhere.address=127.0.0.1:${ppElsewhere}`, '--entrypoints.ppelsewhere.proxyProtocol.trustedIPs=10.0.0.0/8',
    `--providers.file.filename=${routes}`, '--workers=2',
  ])
  t.teardown(() => pier.stop())
  const seen = async (port: number) => JSON.parse((await get(port, 'app.test', '/', { headers: SPOOF })).body) as Record<string, string>

  const plain = await seen(open)
  t.match(plain, { 'x-forwarded-for': '127.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'app.test', 'x-forwarded-port': String(open), 'x-real-ip': '127.0.0.1' }, 'an untrusted client\'s values are replaced')
  t.equal(plain['x-forwarded-prefix'], undefined, 'and the headers pier does not set are dropped')
  t.equal(plain['x-forwarded-tls-client-cert'], undefined)

  const kept = await seen(trusted)
  t.match(kept, { 'x-forwarded-for': '1.2.3.4, 127.0.0.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example', 'x-forwarded-port': '8443', 'x-forwarded-prefix': '/admin', 'x-forwarded-tls-client-cert': 'MIIB...' }, 'a trusted forwarder\'s are kept, its X-Forwarded-For appended to')
  t.equal(kept['x-real-ip'], '127.0.0.1', 'X-Real-Ip is always the client pier sees')
  t.equal((await seen(notAppend))['x-forwarded-for'], '1.2.3.4', 'notAppendXForwardedFor: as it came')

  t.equal((await get(open, 'guarded.test', '/', { headers: { 'x-forwarded-for': '10.1.2.3' } })).status, 403, 'a spoofed X-Forwarded-For does not pass an allow list')
  t.equal((await get(trusted, 'guarded.test', '/', { headers: { 'x-forwarded-for': '10.1.2.3' } })).status, 200, 'a trusted forwarder\'s does')
  t.equal((await get(open, 'secure.test', '/', { headers: { 'x-forwarded-proto': 'https' } })).status, 301, 'a client cannot claim https to skip a redirect')
  t.equal((await get(trusted, 'secure.test', '/', { headers: { 'x-forwarded-proto': 'https' } })).status, 200, 'a trusted TLS terminator can')

  const viaPP = await viaProxyProtocol(pp, [203, 0, 113, 7], 'app.test')
  t.match(viaPP, /"x-real-ip":"203\.0\.113\.7"/, 'a trusted PROXY v2 source is the client')
  t.match(viaPP, /"x-forwarded-for":"203\.0\.113\.7"/)
  t.match(await viaProxyProtocol(pp, [203, 0, 113, 7], 'proxied.test'), /^HTTP\/1\.1 200/, 'ClientIP rules see it too')
  t.match(await viaProxyProtocol(ppElsewhere, [203, 0, 113, 7], 'app.test'), /"x-real-ip":"127\.0\.0\.1"/, 'from an untrusted peer the PROXY header is ignored')
  t.match(await viaProxyProtocol(open, [203, 0, 113, 7], 'app.test'), /"x-real-ip":"127\.0\.0\.1"/, 'and without proxyProtocol too')
  t.match(await viaProxyProtocol(open, [203, 0, 113, 7], 'proxied.test'), /^HTTP\/1\.1 404/, 'so no ClientIP rule is fooled')
})
