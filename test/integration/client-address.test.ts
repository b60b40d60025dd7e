// The client address pier forwards (X-Forwarded-For, X-Real-Ip) and matches
// (ClientIP) over IPv4, IPv6 and a dual-stack entrypoint, with clients of
// different families taking turns on one worker: the worker remembers the
// last address it decoded, and must never hand it to another client.
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'node:http'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'
import { startBackend } from '../helpers/backends.js'

/** One request from `from` (a local address) to pier at `to`; returns the headers the backend saw, or the status. */
function ask(to: string, port: number, host: string, from: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: to, port, localAddress: from, path: '/', headers: { host }, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode!, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('X-Forwarded-For and ClientIP for IPv4, IPv6 and IPv4-mapped clients', async (t) => {
  const echo = await startBackend('echo', (req, res) => res.end(JSON.stringify(req.headers)))
  t.teardown(() => echo.close())
  const dir = mkdtempSync(join(tmpdir(), 'pier-client-address-'))
  const routes = join(dir, 'routes.yml')
  const servers = { loadBalancer: { servers: [{ url: echo.url }] } }
  writeFileSync(
    routes,
    JSON.stringify({
      http: {
        routers: {
          echo: { rule: 'Host(`echo.test`)', service: 'echo' },
          v6only: { rule: 'Host(`v6.test`) && ClientIP(`::1/128`)', service: 'echo' },
          v4only: { rule: 'Host(`v4.test`) && ClientIP(`127.0.0.0/8`)', service: 'echo' },
        },
        services: { echo: servers },
      },
    }),
  )
  const [v4, v6, dual] = [await freePort(), await freePort(), await freePort()]
  const pier = await startPier([
    `--entrypoints.v4.address=127.0.0.1:${v4}`,
    `--entrypoints.v6.address=[::1]:${v6}`,
    `--entrypoints.dual.address=:${dual}`,
    `--providers.file.filename=${routes}`,
    '--workers=1',
  ])
  t.teardown(() => pier.stop('SIGKILL'))
  await waitFor(async () => (await ask('127.0.0.1', v4, 'echo.test', '127.0.0.1')).status === 200, 5000, 'echo route')

  const seen = async (to: string, port: number, from: string): Promise<[string, string]> => {
    const h = JSON.parse((await ask(to, port, 'echo.test', from)).body)
    return [h['x-forwarded-for'], h['x-real-ip']]
  }
  // Taking turns: each answer must name its own client.
  for (let round = 0; round < 3; round++) {
    t.same(await seen('127.0.0.1', v4, '127.0.0.1'), ['127.0.0.1', '127.0.0.1'], 'IPv4 client')
    t.same(await seen('127.0.0.2', dual, '127.0.0.2'), ['127.0.0.2', '127.0.0.2'], 'IPv4 client on the dual-stack entrypoint: plain IPv4, not ::ffff:')
    t.same(await seen('::1', v6, '::1'), ['::1', '::1'], 'IPv6 client')
    t.same(await seen('::1', dual, '::1'), ['::1', '::1'], 'IPv6 client on the dual-stack entrypoint')
  }
  t.equal((await ask('::1', dual, 'v6.test', '::1')).status, 200, 'ClientIP(::1/128) matches an IPv6 client')
  t.equal((await ask('127.0.0.1', dual, 'v6.test', '127.0.0.1')).status, 404, 'and not an IPv4 one')
  t.equal((await ask('127.0.0.1', dual, 'v4.test', '127.0.0.1')).status, 200, 'ClientIP(127.0.0.0/8) matches a mapped IPv4 client')
  t.equal((await ask('::1', dual, 'v4.test', '::1')).status, 404, 'and not an IPv6 one')
})
