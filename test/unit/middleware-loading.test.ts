// Workers import a middleware kind only when a route table names it
// (src/middlewares/kind-modules.ts): its list must load the very kinds the
// primary validates with (kinds.ts), and the worker entry must not import
// any kind up front.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { KINDS } from '../../src/middlewares/kinds.js'
import { LOADABLE_TYPES, loadKinds, loadedKind } from '../../src/middlewares/kind-modules.js'

t.test('every kind loads lazily as the same object kinds.ts lists', async (t) => {
  t.same([...LOADABLE_TYPES].sort(), KINDS.map((k) => k.schema.type).sort())
  t.equal(loadedKind('stripPrefix'), undefined, 'nothing is loaded before it is asked for')
  await loadKinds(['STRIPPREFIX'])
  t.equal(loadedKind('stripprefix'), KINDS.find((k) => k.schema.type === 'stripPrefix'), 'type keys in any case')
  t.equal(loadedKind('headers'), undefined, 'only what was asked for')
  await loadKinds(LOADABLE_TYPES)
  for (const k of KINDS) t.equal(loadedKind(k.schema.type), k, k.schema.type)
})

t.test('a type pier does not have is refused', async (t) => {
  await t.rejects(loadKinds(['plugin']), /middleware type plugin is not one pier has/)
})

t.test('the worker entry imports no middleware kind at start', async (t) => {
  // A fresh process whose resolve hook names every module under middlewares/ that importing serve.js pulls in.
  const hook = String.raw`export async function resolve(s, c, next) {
    const r = await next(s, c)
    const m = /\/dist\/middlewares\/(.+)$/.exec(r.url)
    if (m) process.stdout.write(m[1] + '\n')
    return r
  }`
  const probe = `import { register } from 'node:module'
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}))
    await import(${JSON.stringify(new URL('../../dist/worker/serve.js', import.meta.url).href)})`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' })
  t.equal(r.status, 0, r.stderr)
  const imported = new Set(r.stdout.split('\n').filter(Boolean))
  t.ok(imported.has('chains.js'), `the hook sees the middleware machinery (${[...imported].join(' ')})`)
  const kindFiles = ['strip-prefix.js', 'basic-auth.js', 'headers.js', 'compress.js', 'forward-auth.js', 'rate-limit.js', 'kinds.js']
  t.same(kindFiles.filter((f) => imported.has(f)), [], 'no kind module')
})

t.test('the primary imports no middleware kind at start: it reads definitions with the schemas alone', async (t) => {
  const hook = String.raw`export async function resolve(s, c, next) {
    const r = await next(s, c)
    const m = /\/dist\/middlewares\/(.+)$/.exec(r.url)
    if (m) process.stdout.write(m[1] + '\n')
    return r
  }`
  const dist = (path: string): string => JSON.stringify(new URL(`../../dist/${path}`, import.meta.url).href)
  const probe = `import { register } from 'node:module'
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}))
    await import(${dist('primary/start.js')})
    await import(${dist('providers/file/provider.js')})
    await import(${dist('providers/docker/provider.js')})`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' })
  t.equal(r.status, 0, r.stderr)
  const imported = new Set(r.stdout.split('\n').filter(Boolean))
  t.ok(imported.has('schemas.js') && imported.has('definition.js'), `the hook sees the definition reader (${[...imported].join(' ')})`)
  const kindFiles = ['strip-prefix.js', 'basic-auth.js', 'headers.js', 'compress.js', 'forward-auth.js', 'rate-limit.js', 'kinds.js', 'docs.js']
  t.same(kindFiles.filter((f) => imported.has(f)), [], 'no kind module')
})
