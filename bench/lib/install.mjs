// Makes sure the tools a run needs are here: peers from Debian (apt-get) when
// missing, and a fresh build of pier. npm packages (autocannon, the
// http-proxy peer) come first, from scripts/bench.sh, since this code needs them.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { which } from './targets.mjs'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Debian package per command; nginx-light is enough (no modules needed). */
const APT = { nginx: 'nginx-light', haproxy: 'haproxy', caddy: 'caddy', wrk: 'wrk', taskset: 'util-linux' }

function run(cmd, args, log) {
  log(`$ ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  return r.status === 0 ? null : r.error?.message ?? `exit ${r.status}`
}

/** Installs what is missing; returns notes on what could not be had (the run goes on without it). */
export function installTools(log) {
  const notes = []
  const missing = Object.keys(APT).filter((c) => !which(c))
  if (missing.length) {
    const root = process.getuid?.() === 0
    if (!which('apt-get') || (!root && !which('sudo'))) {
      notes.push(`cannot install ${missing.join(', ')}: ${which('apt-get') ? 'not root and no sudo' : 'no apt-get (not Debian)'}`)
    } else {
      const pkgs = missing.map((c) => APT[c])
      const [cmd, ...pre] = root ? ['apt-get'] : ['sudo', '-n', 'apt-get']
      const err = run(cmd, [...pre, 'update', '-q'], log) ?? run(cmd, [...pre, 'install', '-y', '-q', ...pkgs], log)
      if (err) notes.push(`apt-get install ${pkgs.join(' ')} failed (${err})`)
    }
  }
  return notes
}

/** Whether dist/cli.js is missing or older than some file under src/. */
export function pierIsStale() {
  const cli = join(ROOT, 'dist/cli.js')
  if (!existsSync(cli)) return true
  const built = statSync(cli).mtimeMs
  const newer = (dir) =>
    readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? newer(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs > built))
  return newer(join(ROOT, 'src'))
}

/**
 * Builds pier with tsc. tsc emits dist/ even when other files have type
 * errors, so a non-zero exit is reported, and only a missing dist/cli.js fails.
 */
export function buildPier(log) {
  const err = run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', '.'], log)
  if (err) log(`tsc reported errors (${err}); using what it emitted`)
  return existsSync(join(ROOT, 'dist/cli.js'))
}
