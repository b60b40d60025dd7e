import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { clientSettings } from '../../src/providers/docker/client.js'

t.test('endpoints', async (t) => {
  const unix = clientSettings('unix:///var/run/docker.sock', undefined, {})
  t.same(unix.options, { socketPath: '/var/run/docker.sock' })
  t.equal(unix.local, true)
  t.equal(clientSettings('', undefined, {}).endpoint, 'unix:///var/run/docker.sock', 'default socket')
  t.equal(clientSettings(undefined, undefined, { DOCKER_HOST: 'tcp://10.0.0.5:2375' }).endpoint, 'tcp://10.0.0.5:2375', 'DOCKER_HOST when no flag')
  t.equal(clientSettings('unix:///run/other.sock', undefined, { DOCKER_HOST: 'tcp://10.0.0.5:2375' }).endpoint, 'unix:///run/other.sock', 'the flag wins over DOCKER_HOST')
  const tcp = clientSettings('tcp://10.0.0.5:2378', undefined, {})
  t.same(tcp.options, { host: '10.0.0.5', port: 2378, protocol: 'http' })
  t.equal(tcp.local, false)
  t.equal(clientSettings('tcp://127.0.0.1:2375', undefined, {}).local, true, 'loopback TCP is local')
  t.same(clientSettings('tcp://[::1]', undefined, {}).options, { host: '::1', port: 2375, protocol: 'http' }, 'default plain port')
  t.equal('version' in tcp.options, false, 'no API version pinned')
})

t.test('TLS from flags or DOCKER_TLS_VERIFY + DOCKER_CERT_PATH', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pier-docker-tls-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), `-- ${f} --`)
  const env = clientSettings('tcp://docker.example:2376', undefined, { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir })
  t.equal(env.options.protocol, 'https')
  t.equal(String(env.options.ca), '-- ca.pem --')
  t.equal(String(env.options.key), '-- key.pem --')
  const flags = clientSettings('tcp://docker.example', { ca: join(dir, 'ca.pem'), insecureSkipVerify: true }, {})
  t.equal(flags.options.protocol, 'https')
  t.equal(flags.options.port, 2376, 'default TLS port')
  t.equal(String(flags.options.ca), '-- ca.pem --')
})

t.test('bad endpoints and TLS files are named', async (t) => {
  t.throws(() => clientSettings('unix://relative.sock', undefined, {}), { code: 'DOCKER_ENDPOINT', message: /needs an absolute socket path/ })
  t.throws(() => clientSettings('ssh://host', undefined, {}), { code: 'DOCKER_ENDPOINT', message: /scheme ssh: .* is not supported/ })
  t.throws(() => clientSettings('not a url', undefined, {}), { code: 'DOCKER_ENDPOINT', message: /is not unix:\/\/\/path or tcp:\/\/host:port/ })
  t.throws(() => clientSettings('tcp://h:2376', { cert: '/nonexistent/cert.pem', insecureSkipVerify: false }, {}), {
    code: 'DOCKER_ENDPOINT',
    message: /providers.docker.tls.cert: cannot read \/nonexistent\/cert.pem/,
  })
})
