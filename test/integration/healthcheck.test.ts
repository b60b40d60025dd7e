// `pier healthcheck` and `pier version` as Traefik's subcommands behave: the
// health check reads the static configuration the same way pier does (flags,
// TRAEFIK_* environment, static file), asks the running pier's /ping and exits
// 0 or 1; never 2, which Docker reserves.
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI, startPier } from '../helpers/pier.js'
import { freePort } from '../helpers/net.js'

interface Run {
  code: number
  stdout: string
  stderr: string
  ms: number
}

function pier(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const started = Date.now()
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 30_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout: stdout.trim(), stderr: stderr.trim(), ms: Date.now() - started }),
    )
  })
}

t.test('healthcheck against a running pier', async (t) => {
  const [web, api] = [await freePort(), await freePort()]
  const address = `127.0.0.1:${api}`
  const running = await startPier(['--ping', `--entryPoints.web.address=127.0.0.1:${web}`, `--entryPoints.traefik.address=${address}`, '--workers=1'])
  t.teardown(() => running.stop('SIGKILL'))

  const byFlags = await pier(['healthcheck', '--ping', `--entryPoints.traefik.address=${address}`])
  t.equal(byFlags.code, 0, 'exit 0 when /ping answers 200')
  t.equal(byFlags.stdout, `OK: http://${address}/ping`, "Traefik's OK line")

  const byEnv = await pier(['healthcheck'], { TRAEFIK_PING: 'true', TRAEFIK_ENTRYPOINTS_TRAEFIK_ADDRESS: `:${api}` })
  t.equal(byEnv.code, 0, 'the TRAEFIK_* environment places /ping too')
  t.equal(byEnv.stdout, `OK: http://127.0.0.1:${api}/ping`, 'an entrypoint on every address is asked on loopback')

  const dir = mkdtempSync(join(tmpdir(), 'pier-healthcheck-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'traefik.yml')
  writeFileSync(file, `entryPoints:\n  traefik:\n    address: "${address}"\nping: {}\n`)
  const byFile = await pier(['healthcheck', `--configFile=${file}`])
  t.equal(byFile.code, 0, 'and so does the static file')

  const wrongPort = await pier(['healthcheck', '--ping', `--entryPoints.traefik.address=127.0.0.1:${web}`])
  t.equal(wrongPort.code, 1, 'a proxy entrypoint has no /ping: exit 1')
  t.equal(wrongPort.stdout, 'Bad healthcheck status: 404 Not Found')

  t.equal(await running.stop('SIGTERM'), 0, 'pier stopped')
  const gone = await pier(['healthcheck', '--ping', `--entryPoints.traefik.address=${address}`])
  t.equal(gone.code, 1, 'exit 1 once pier is gone')
  t.equal(gone.stdout, `Error calling healthcheck: HEAD http://${address}/ping: ECONNREFUSED`)
})

t.test('healthcheck of a pier serving no /ping', async (t) => {
  const [web, api] = [await freePort(), await freePort()]
  const running = await startPier(['--api.insecure', `--entryPoints.web.address=127.0.0.1:${web}`, `--entryPoints.traefik.address=127.0.0.1:${api}`, '--workers=1'])
  t.teardown(() => running.stop('SIGKILL'))
  const asked = await pier(['healthcheck', '--ping', `--entryPoints.traefik.address=127.0.0.1:${api}`])
  t.equal(asked.code, 1, 'pier runs without --ping: /ping is 404, exit 1')
  t.equal(asked.stdout, 'Bad healthcheck status: 404 Not Found')
  const notAsked = await pier(['healthcheck', `--entryPoints.traefik.address=127.0.0.1:${api}`])
  t.equal(notAsked.code, 1, 'no ping in the configuration: exit 1 without asking')
  t.equal(notAsked.stdout, 'Error calling healthcheck: please enable `ping` to use health check')
})

t.test('healthcheck of a listener that never answers gives up after 5 s', async (t) => {
  const sockets = new Set<Socket>()
  const silent = createServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    silent.close()
  })
  const port = (silent.address() as { port: number }).port
  const r = await pier(['healthcheck', '--ping', `--entryPoints.traefik.address=127.0.0.1:${port}`])
  t.equal(r.code, 1, 'exit 1')
  t.equal(r.stdout, `Error calling healthcheck: HEAD http://127.0.0.1:${port}/ping: no answer within 5000 ms`)
})

t.test('a bad flag is exit 1 for the health check, as Docker expects', async (t) => {
  const r = await pier(['healthcheck', '--nosuchflag'])
  t.equal(r.code, 1, 'exit 1, not 2')
  t.match(r.stderr, /unknown option --nosuchflag/)
})

t.test('pier version', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  const r = await pier(['version'])
  t.equal(r.code, 0)
  const fields = Object.fromEntries(r.stdout.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]))
  t.same(Object.keys(fields), ['Version', 'Codename', 'Node version', 'uWS version', 'OS/Arch'], "Traefik's layout, with Node.js and uWS for Go")
  t.equal(fields.Version, pkg.version, 'the version is package.json\'s')
  t.equal(fields['Node version'], process.version)
  t.match(fields['uWS version'], /^20\.30\.0/, 'the uWebSockets.js build')
  t.equal(fields['OS/Arch'], `${process.platform}/${process.arch}`)

  const [web, api] = [await freePort(), await freePort()]
  const running = await startPier(['--api.insecure', `--entryPoints.web.address=127.0.0.1:${web}`, `--entryPoints.traefik.address=127.0.0.1:${api}`, '--workers=1'])
  t.teardown(() => running.stop('SIGKILL'))
  const served = (await (await fetch(`http://127.0.0.1:${api}/api/version`)).json()) as { Version: string }
  t.equal(served.Version, fields.Version, '/api/version says the same')
})
