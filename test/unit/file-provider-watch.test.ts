// File provider against the real file system: the first read, edits in place,
// editors that replace the file by rename, invalid files keeping the last good
// configuration, directories of files, and a directory that is replaced.
import t, { type Test } from 'tap'
import { writeFileSync, renameSync, rmSync, mkdirSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { FileProvider } from '../../src/providers/file/provider.js'
import type { DynamicConfig } from '../../src/config/dynamic.js'
import type { Logger, Fields, Level } from '../../src/log.js'
import { waitFor } from '../helpers/net.js'

interface Line {
  level: Level
  msg: string
  fields: Fields
}

function captureLogger(lines: Line[]): Logger {
  const log = (level: Level) => (msg: string, fields: Fields = {}) => void lines.push({ level, msg, fields })
  const logger: Logger = { debug: log('DEBUG'), info: log('INFO'), warn: log('WARN'), error: log('ERROR'), enabled: () => true, with: () => logger }
  return logger
}

const routes = (port: number, host = 'a'): string => `http:
  routers:
    r: { rule: "Host(\`${host}.localhost\`)", service: s }
  services:
    s: { loadBalancer: { servers: [{ url: "http://127.0.0.1:${port}" }] } }
`
const portOf = (c: DynamicConfig | undefined, svc = 's'): number => Number(new URL(c!.http.services[svc]!.loadBalancer.servers[0]!.url).port)

async function startProvider(t: Test, cfg: ConstructorParameters<typeof FileProvider>[0]) {
  const emitted: DynamicConfig[] = []
  const lines: Line[] = []
  const p = new FileProvider(cfg)
  t.teardown(() => p.stop())
  await p.start((c) => emitted.push(c), captureLogger(lines))
  const last = () => emitted[emitted.length - 1]
  return { p, emitted, lines, last }
}

// Settles pending fs events before asserting that nothing (more) happened.
const quiet = () => new Promise((r) => setTimeout(r, 200))

t.test('first read, in-place edit, replace by rename, delete and recreate', async (t) => {
  const dir = t.testdir({ 'routes.yml': routes(1001) })
  const file = join(dir, 'routes.yml')
  const { emitted, last } = await startProvider(t, { filename: file, watch: true })
  t.equal(emitted.length, 1, 'emitted once at start')
  t.equal(portOf(last()), 1001)

  writeFileSync(file, routes(1002))
  await waitFor(() => portOf(last()) === 1002, 2000, 'in-place edit')

  // vim/VS Code style: write a new file, rename it over the old one
  writeFileSync(join(dir, '.routes.yml.tmp'), routes(1003))
  renameSync(join(dir, '.routes.yml.tmp'), file)
  await waitFor(() => portOf(last()) === 1003, 2000, 'rename over')

  writeFileSync(file, routes(1004))
  await waitFor(() => portOf(last()) === 1004, 2000, 'edit after the rename (the watch survived it)')

  unlinkSync(file)
  await quiet()
  writeFileSync(file, routes(1005))
  await waitFor(() => portOf(last()) === 1005, 2000, 'recreated file')
})

t.test('an invalid file is reported and the last good config stays', async (t) => {
  const dir = t.testdir({ 'routes.yml': routes(2001) })
  const file = join(dir, 'routes.yml')
  const { emitted, lines, last } = await startProvider(t, { filename: file, watch: true })
  const count = emitted.length

  writeFileSync(file, routes(2002).replace('service: s', 'service: nope'))
  await waitFor(() => lines.some((l) => l.level === 'ERROR'), 2000, 'error log')
  const err = lines.find((l) => l.level === 'ERROR')!
  t.equal(err.msg, 'invalid dynamic configuration, keeping the last good one')
  t.same(err.fields, { filename: file, line: 3, routerName: 'r', serviceName: undefined, code: 'FILE_UNKNOWN_SERVICE', error: 'service "nope" does not exist' })

  writeFileSync(file, 'http:\n  routers: [\n')
  await waitFor(() => lines.some((l) => /^YAML syntax error at line \d+, column \d+: /.test(String(l.fields.error))), 2000, 'syntax error log')
  await quiet()
  t.equal(emitted.length, count, 'nothing emitted for invalid files')
  t.equal(portOf(last()), 2001)

  writeFileSync(file, routes(2003))
  await waitFor(() => portOf(last()) === 2003, 2000, 'valid again')
})

t.test('a missing file at start logs an error, and is picked up when it appears', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'later.yml')
  const { emitted, lines, last } = await startProvider(t, { filename: file, watch: true })
  t.equal(emitted.length, 0)
  t.same(lines.find((l) => l.level === 'ERROR')?.fields, { filename: file, line: undefined, routerName: undefined, serviceName: undefined, code: 'FILE_READ', error: 'cannot read the file (ENOENT)' })
  writeFileSync(file, routes(3001))
  await waitFor(() => portOf(last()) === 3001, 2000, 'file created')
})

t.test('warnings for ignored keys are logged once, not on every reload', async (t) => {
  const withMw = (port: number) => routes(port).replace('service: s }', 'service: s, observability: { metrics: false } }')
  const dir = t.testdir({ 'routes.yml': withMw(4001) })
  const file = join(dir, 'routes.yml')
  const { lines, last } = await startProvider(t, { filename: file, watch: true })
  writeFileSync(file, withMw(4002))
  await waitFor(() => portOf(last()) === 4002, 2000, 'reload')
  const warns = lines.filter((l) => l.level === 'WARN')
  t.equal(warns.length, 1)
  t.same(warns[0]!.fields, { filename: file, line: 3, routerName: 'r', serviceName: undefined, code: 'FILE_UNSUPPORTED', reason: 'observability is not supported by pier and is ignored' })
})

t.test('watch off: read once', async (t) => {
  const dir = t.testdir({ 'routes.yml': routes(5001) })
  const file = join(dir, 'routes.yml')
  const { emitted } = await startProvider(t, { filename: file, watch: false })
  writeFileSync(file, routes(5002))
  await quiet()
  t.equal(emitted.length, 1)
})

t.test('a directory of files: added, conflicting, removed', async (t) => {
  const dir = t.testdir({
    'a.yml': routes(6001, 'a'),
    'notes.txt': 'not config',
    '.hidden.yml': 'not: [valid',
  })
  const { emitted, lines, last } = await startProvider(t, { directory: dir, watch: true })
  t.equal(emitted.length, 1)
  t.same(Object.keys(last()!.http.routers), ['r'])

  writeFileSync(join(dir, 'b.toml'), '[http.routers.rb]\nrule = "Host(`b.localhost`)"\nservice = "s"\n')
  await waitFor(() => last()!.http.routers.rb, 2000, 'second file merged')
  t.equal(last()!.http.routers.rb!.service, 's', 'a router may use a service from another file')

  writeFileSync(join(dir, 'c.yaml'), routes(6002, 'c'))
  const dup = (l: Line): boolean => /^is also defined in .*a\.yml$/.test(String(l.fields.error)) && /c\.yaml$/.test(String(l.fields.filename))
  await waitFor(() => lines.filter(dup).length === 2, 2000, 'duplicates reported')
  t.same(lines.filter(dup).map((l) => l.fields.routerName ?? `service ${l.fields.serviceName}`).sort(), ['r', 'service s'])
  t.equal(portOf(last()), 6001, 'the last good config stays')

  rmSync(join(dir, 'c.yaml'))
  rmSync(join(dir, 'a.yml'))
  writeFileSync(join(dir, 'a2.yml'), routes(6003, 'a'))
  await waitFor(() => last()?.http.services.s && portOf(last()) === 6003, 2000, 'conflict gone')
})

t.test('the watched directory is removed and created again', async (t) => {
  const root = t.testdir({ conf: { 'routes.yml': routes(7001) } })
  const dir = join(root, 'conf')
  const { lines, last } = await startProvider(t, { directory: dir, watch: true })
  t.equal(portOf(last()), 7001)
  rmSync(dir, { recursive: true })
  await waitFor(() => lines.some((l) => l.level === 'WARN' && /cannot watch/.test(l.msg)), 2000, 'outage noticed')
  mkdirSync(dir)
  writeFileSync(join(dir, 'routes.yml'), routes(7002))
  await waitFor(() => portOf(last()) === 7002, 3000, 're-armed and re-read')
  writeFileSync(join(dir, 'routes.yml'), routes(7003))
  await waitFor(() => portOf(last()) === 7003, 2000, 'watching the new directory')
})

t.test('stop ends watching', async (t) => {
  const dir = t.testdir({ 'routes.yml': routes(8001) })
  const file = join(dir, 'routes.yml')
  const { p, emitted } = await startProvider(t, { filename: file, watch: true })
  await p.stop()
  writeFileSync(file, routes(8002))
  await quiet()
  t.equal(emitted.length, 1)
})
