// What each thread loads when pier starts, from the import graph of its entry
// (static imports only: a dynamic import() or a require() inside a function
// loads nothing until it runs). Every module a thread loads is memory it keeps.
import { readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const SRC = fileURLToPath(new URL('../../src/', import.meta.url))

/** Files under src/ and package specifiers (node: builtins included) that loading entry loads, type-only imports left out. */
function graph(entry: string): { files: Set<string>; packages: Set<string>; dynamic: string[] } {
  const files = new Set<string>()
  const packages = new Set<string>()
  const dynamic: string[] = []
  const visit = (file: string): void => {
    if (files.has(file)) return
    files.add(file)
    const text = readFileSync(join(SRC, file), 'utf8')
    for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?'([^']+)'/gm)) {
      if (m[1]) continue
      const spec = m[2]!
      if (spec.startsWith('.')) visit(relative(SRC, join(SRC, dirname(file), spec)).replace(/\.js$/, '.ts'))
      else packages.add(spec)
    }
    if (/\bimport\(|\brequire\(/.test(text.replace(/\/\/.*$/gm, '').replace(/typeof import\(/g, ''))) dynamic.push(file)
  }
  visit(entry)
  return { files, packages, dynamic }
}

t.test('a worker thread loads uWebSockets.js and pier worker code, no primary module', async (t) => {
  const g = graph('worker/serve.ts')
  t.same(g.dynamic.sort(), ['lazy-modules.ts', 'middlewares/kind-modules.ts'], 'only the middleware kinds load later, when a route table names them, and the built-ins a plain HTTP router needs not')
  t.notOk(g.files.has('middlewares/strip-prefix.ts'), 'no kind at start')
  t.same([...g.packages].filter((p) => !p.startsWith('node:')).sort(), ['uWebSockets.js'])
  // HTTPS backends, WebSocket keys and sticky cookies load them (lazy-modules.ts) when they first need them.
  for (const p of ['node:tls', 'node:crypto']) t.notOk(g.packages.has(p), `${p} is not imported at start`)
  // What a worker may load later: every kind (kinds.ts imports the same modules kind-modules.ts loads).
  const kinds = graph('middlewares/kinds.ts')
  // bcryptjs (basicAuth's bcrypt hashes) and node:zlib (compress) wait until a request needs them.
  t.same([...kinds.packages].filter((p) => !p.startsWith('node:')).sort(), [])
  t.notOk(kinds.packages.has('node:zlib'), 'node:zlib is not imported with the kinds')
  t.notOk([...kinds.files].some((f) => f.startsWith('upstream/')), "no upstream client with the kinds (forwardAuth is handed the worker's)")
  for (const x of [g, kinds]) {
    t.notOk(x.packages.has('node:http'), 'no node:http')
    const primaryOnly = [...x.files].filter((f) => /^(api|dashboard|providers|primary)\/|^config\/(parsers|file|parse)\.ts$/.test(f))
    t.same(primaryOnly, [], 'no API, dashboard, provider, primary or configuration-parsing module')
  }
})

t.test('the primary starts without the Docker client, the parsers or the histogram WebAssembly', async (t) => {
  // cli.ts imports primary/start.ts when it serves (not for its subcommands).
  const g = graph('primary/start.ts')
  for (const f of graph('cli.ts').files) g.files.add(f)
  // hdr-histogram-js/dist/PackedHistogram.js is: the package's index is the WebAssembly build's.
  for (const p of ['dockerode', 'yaml', 'smol-toml', 'hdr-histogram-js']) t.notOk(g.packages.has(p), `${p} is not imported at start`)
  // A proxy with plain HTTP routers and no TLS entrypoint never needs these.
  for (const p of ['node:tls', 'node:https', 'node:zlib', 'bcryptjs']) t.notOk(g.packages.has(p), `${p} is not imported at start`)
  t.notOk([...g.files].some((f) => f.startsWith('upstream/') || f.startsWith('tls/')), 'no upstream client, no certificate store')
  t.notOk(g.files.has('providers/docker/provider.ts'), 'the Docker provider is imported only when asked for')
})

t.test('pier healthcheck and pier version load no serving code', async (t) => {
  for (const entry of ['cli.ts', 'commands/healthcheck.ts', 'commands/version.ts']) {
    const g = graph(entry)
    t.same([...g.files].filter((f) => /^(api|dashboard|providers|primary|worker|metrics|upstream|table)\//.test(f)), [], `${entry}: no primary, worker or API module`)
    t.same([...g.packages].filter((p) => !p.startsWith('node:')), [], `${entry}: no package`)
  }
})
