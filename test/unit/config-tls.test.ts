// Static HTTPS keys: entrypoint TLS and redirections, ACME resolvers, the v1 forms.
import t from 'tap'
import { join } from 'node:path'
import { parseStaticConfig, ConfigError } from '../../src/config/parse.js'

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseStaticConfig(argv, env)

const catchError = (f: () => unknown): ConfigError => {
  try {
    f()
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError, none was thrown')
}

t.test('the usual web -> websecure pattern with a resolver', async (t) => {
  const c = parse([
    '--entrypoints.web.address=:80',
    '--entrypoints.websecure.address=:443',
    '--entrypoints.web.http.redirections.entrypoint.to=websecure',
    '--entrypoints.web.http.redirections.entrypoint.scheme=https',
    '--certificatesresolvers.le.acme.email=me@example.com',
    '--certificatesresolvers.le.acme.storage=/letsencrypt/acme.json',
    '--certificatesresolvers.le.acme.httpchallenge.entrypoint=web',
    '--entrypoints.websecure.http.tls.certresolver=le',
    '--entrypoints.websecure.http.tls.domains[0].main=example.com',
    '--entrypoints.websecure.http.tls.domains[0].sans=a.example.com, b.example.com',
  ])
  t.same(c.entryPoints.web, { host: '', port: 80, redirect: { to: 'websecure', scheme: 'https', permanent: true, priority: 2 ** 31 - 2 } })
  t.same(c.entryPoints.websecure, { host: '', port: 443, secure: true, tls: { certResolver: 'le', domains: [{ main: 'example.com', sans: ['a.example.com', 'b.example.com'] }] } })
  t.same(c.certificatesResolvers.le, {
    storage: '/letsencrypt/acme.json',
    caServer: 'https://acme-v02.api.letsencrypt.org/directory',
    keyType: 'RSA4096',
    certificatesDuration: 2160,
    email: 'me@example.com',
    httpChallenge: { entryPoint: 'web' },
  })
})

t.test('which entrypoints serve TLS', async (t) => {
  const c = parse(['--entrypoints.a.address=:8000', '--entrypoints.b.address=:8443', '--entrypoints.c.address=:9443', '--entrypoints.c.http.tls', '--entrypoints.a.http.redirections.entrypoint.to=b'])
  t.equal(c.entryPoints.a!.secure, undefined, 'plain')
  t.equal(c.entryPoints.b!.secure, true, 'target of an https redirection')
  t.equal(c.entryPoints.c!.secure, true, 'http.tls')
  t.same(c.entryPoints.c!.tls, {})
  const d = parse(['--entrypoints.a.address=:8000', '--entrypoints.b.address=:8443', '--entrypoints.a.http.redirections.entrypoint.to=:8443'])
  t.equal(d.entryPoints.b!.secure, undefined, 'a :port target names no entrypoint')
})

t.test('environment and file forms of indexed keys', async (t) => {
  const c = parse(['--entrypoints.websecure.address=:443'], { TRAEFIK_ENTRYPOINTS_WEBSECURE_HTTP_TLS_DOMAINS_0_MAIN: 'example.org' })
  t.same(c.entryPoints.websecure!.tls, { domains: [{ main: 'example.org' }] })
  const dir = t.testdir({
    'traefik.yml': [
      'entryPoints:',
      '  websecure:',
      '    address: ":443"',
      '    http:',
      '      tls:',
      '        certResolver: le',
      '        domains:',
      '          - main: example.com',
      '            sans: [www.example.com]',
      '          - main: example.net',
      'certificatesResolvers:',
      '  le:',
      '    acme:',
      '      keyType: EC256',
      '      caServer: https://127.0.0.1:14000/dir',
      '      httpChallenge:',
      '        entryPoint: websecure',
      '      eab:',
      '        kid: k',
      '        hmacEncoded: aGk',
      '',
    ].join('\n'),
    'traefik.toml': [
      '[entryPoints.web]',
      '  address = ":80"',
      '[entryPoints.websecure]',
      '  address = ":443"',
      '  [entryPoints.websecure.http.tls]',
      '    certResolver = "le"',
      '    [[entryPoints.websecure.http.tls.domains]]',
      '      main = "example.com"',
      '      sans = ["www.example.com"]',
      '[certificatesResolvers.le.acme]',
      '  email = "me@example.com"',
      '  [certificatesResolvers.le.acme.httpChallenge]',
      '    entryPoint = "web"',
      '',
    ].join('\n'),
  })
  const y = parse([`--configFile=${join(dir, 'traefik.yml')}`])
  t.same(y.entryPoints.websecure!.tls, { certResolver: 'le', domains: [{ main: 'example.com', sans: ['www.example.com'] }, { main: 'example.net' }] })
  t.equal(y.certificatesResolvers.le!.keyType, 'EC256')
  t.same(y.certificatesResolvers.le!.eab, { kid: 'k', hmacEncoded: 'aGk' })
  const toml = parse([`--configFile=${join(dir, 'traefik.toml')}`])
  t.same(toml.entryPoints.websecure!.tls, { certResolver: 'le', domains: [{ main: 'example.com', sans: ['www.example.com'] }] })
  t.same(toml.certificatesResolvers.le!.httpChallenge, { entryPoint: 'web' })
})

t.test('challenges pier cannot answer refuse the resolver by name', async (t) => {
  const dns = parse(['--certificatesresolvers.le.acme.dnschallenge.provider=cloudflare'])
  t.match(dns.certificatesResolvers.le!.refused, /dnsChallenge \(--certificatesresolvers\.le\.acme\.dnschallenge\.provider\) is not supported/)
  const tls = parse(['--certificatesresolvers.le.acme.tlschallenge=true'])
  t.match(tls.certificatesResolvers.le!.refused, /tls-alpn-01 needs ALPN/)
  const both = parse(['--certificatesresolvers.le.acme.tlschallenge', '--certificatesresolvers.le.acme.httpchallenge.entrypoint=web'])
  t.equal(both.certificatesResolvers.le!.refused, undefined, 'http-01 is used')
  const none = parse(['--certificatesresolvers.le.acme.email=a@b'])
  t.match(none.certificatesResolvers.le!.refused, /has no challenge/)
})

t.test('Traefik v1 forms', async (t) => {
  const c = parse([
    '--defaultentrypoints=http,https',
    '--entryPoints=Name:http Address::80 Redirect.EntryPoint:https',
    '--entryPoints=Name:https Address::443 TLS',
    '--acme',
    '--acme.email=me@example.com',
    '--acme.storage=/etc/traefik/acme.json',
    '--acme.entryPoint=https',
    '--acme.onHostRule=true',
    '--acme.httpChallenge.entryPoint=http',
  ])
  t.same(c.entryPoints.http, { host: '', port: 80, redirect: { to: 'https', scheme: 'https', permanent: true, priority: 2 ** 31 - 2 } })
  t.same(c.entryPoints.https, { host: '', port: 443, secure: true, tls: { certResolver: 'acme' } })
  t.same(c.defaultEntryPoints, ['http', 'https'])
  t.equal(c.entryPoints.https!.tls!.certResolver, 'acme', 'onHostRule: the routers of acme.entryPoint use the acme resolver')
  t.same(parse(['--entryPoints=Name:https Address::443 TLS', '--acme.entryPoint=https', '--acme.onHostRule=false', '--acme.httpChallenge.entryPoint=https']).entryPoints.https!.tls, {}, 'without onHostRule they do not')
  t.equal(c.certificatesResolvers.acme!.storage, '/etc/traefik/acme.json')
  const certs = parse(['--entryPoints=Name:https Address::8443 TLS:/certs/a.crt,/certs/a.key'])
  t.same(certs.certificates, [{ certFile: '/certs/a.crt', keyFile: '/certs/a.key' }])
  t.equal(certs.entryPoints.https!.secure, true)
  const dir = t.testdir({
    'traefik.toml': [
      'defaultEntryPoints = ["http", "https"]',
      '[entryPoints]',
      '  [entryPoints.http]',
      '  address = ":80"',
      '    [entryPoints.http.redirect]',
      '    entryPoint = "https"',
      '  [entryPoints.https]',
      '  address = ":443"',
      '    [entryPoints.https.tls]',
      '      [[entryPoints.https.tls.certificates]]',
      '      certFile = "/certs/a.crt"',
      '      keyFile = "/certs/a.key"',
      '',
    ].join('\n'),
  })
  const f = parse([`--configFile=${join(dir, 'traefik.toml')}`])
  t.same(f.entryPoints.http!.redirect, { to: 'https', scheme: 'https', permanent: true, priority: 2 ** 31 - 2 })
  t.same(f.certificates, [{ certFile: '/certs/a.crt', keyFile: '/certs/a.key' }])
})

t.test('bad HTTPS keys are one clear line', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--entrypoints.web.address=:80', '--entrypoints.web.http.redirections.entrypoint.to=nowhere'], /no entrypoint named "nowhere"/],
    [['--entrypoints.websecure.address=:443', '--entrypoints.websecure.http.tls.certresolver=le'], /no certificate resolver named "le"/],
    [['--certificatesresolvers.le.acme.keytype=EC521'], /expected EC256, EC384, RSA2048, RSA4096, RSA8192/],
    [['--certificatesresolvers.le.acme.eab.kid=k'], /eab needs both kid and hmacEncoded/],
    [['--entrypoints.websecure.address=:443', '--entrypoints.websecure.http.tls.domains[0].sans=a.example'], /domains\[0\]\.main is missing/],
    [['--entrypoints.web.address=:80', '--entrypoints.web.http.redirections.entrypoint.to=web', '--entrypoints.web.http.redirections.entrypoint.scheme=ftp'], /scheme must be https or http/],
    [['--entrypoints.other.http.tls'], /the entrypoint "other" has no address/],
  ]
  for (const [argv, re] of cases) t.match(catchError(() => parse(argv)).message, re, argv.join(' '))
})
