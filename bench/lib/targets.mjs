// The benchmark targets: how each one is found, versioned, configured for a
// scenario's model, started (pinned to the proxy cpus), and checked ready.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { start, sleep } from './procs.mjs'
import { codedError } from './hdr.mjs'
import { renderNginx, renderHaproxy, renderCaddy, renderRoutes, renderNodeProxy } from '../peers/render.mjs'
import { CHAIN_USER } from './scenarios.mjs'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const PIER_CLI = join(ROOT, 'dist/cli.js')
const NODE_PROXY = join(ROOT, 'bench/peers/node-http-proxy.mjs')

/** The path of cmd on PATH (or in the sbin dirs a non-root PATH may lack), or null. */
export function which(cmd) {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']
  for (const dir of dirs) if (dir && existsSync(join(dir, cmd))) return join(dir, cmd)
  return null
}

/** The first line a version command prints, on stdout or stderr (nginx -v uses stderr). */
function versionLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.error) return `unknown (${r.error.message})`
  return [r.stdout, r.stderr].join('\n').split('\n').find((l) => l.trim()) ?? 'unknown'
}
const pkgVersion = (name) => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version

/** GETs / through the target with host until it answers 200 (the route works end to end). */
export async function waitHttpOk(port, host, ms = 15000, handle) {
  const deadline = Date.now() + ms
  let last = 'no answer'
  for (;;) {
    const status = await new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false, timeout: 2000 }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode))
      })
      req.on('error', (err) => resolve(err.code ?? err.message))
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.end()
    })
    if (status === 200) return
    last = String(status)
    if (handle && !handle.alive()) throw codedError('EEXITED', `${handle.name} exited before answering:\n${handle.output().slice(-2000)}`)
    if (Date.now() > deadline) throw codedError('ESTARTTIMEOUT', `port ${port} (Host: ${host}) did not answer 200 within ${ms} ms (last: ${last})${handle ? ':\n' + handle.output().slice(-2000) : ''}`)
    await sleep(50)
  }
}

/**
 * Each target: available() -> null or why not; version(); start(ctx) -> process
 * handle, with readyLine when the target logs its readiness (the caller waits,
 * and stops the process if it never gets there). ctx: { model, port, workers, dir, cpus, apiPort, cpuProfDir, nodeFlags (pier: flags for node itself) }.
 */
export const TARGETS = {
  direct: {
    what: 'the first backend, no proxy (the ceiling)',
    available: () => null,
    version: () => 'uWebSockets.js ' + pkgVersion('uWebSockets.js'),
  },
  pier: {
    what: 'pier (node dist/cli.js)',
    available: () => (existsSync(PIER_CLI) ? null : `${PIER_CLI} is missing (build pier with npx tsc -p .)`),
    version: () => {
      let rev = ''
      try {
        rev = ' ' + execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
      } catch (err) {
        rev = ` (git: ${err.message.split('\n')[0]})`
      }
      return `pier ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}${rev}`
    },
    start({ model, port, workers, dir, cpus, apiPort, cpuProfDir, nodeFlags = [] }) {
      const routes = join(dir, 'routes.yml')
      writeFileSync(routes, renderRoutes(model))
      const args = [
        ...nodeFlags,
        ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []),
        PIER_CLI,
        `--entrypoints.web.address=127.0.0.1:${port}`,
        `--providers.file.filename=${routes}`,
        '--providers.file.watch=false',
        `--workers=${workers}`,
        // INFO: pier logs nothing per request at INFO, and "pier ready" (all workers listening) is an INFO line
        '--log.level=INFO',
      ]
      if (apiPort) args.push('--api.insecure=true', '--metrics.prometheus=true', `--entrypoints.traefik.address=127.0.0.1:${apiPort}`)
      return Object.assign(start('pier', process.execPath, args, { cpus }), { readyLine: /pier ready/ })
    },
  },
  nginx: {
    what: 'nginx, worker_processes = workers, upstream keepalive',
    available: () => (which('nginx') ? null : 'nginx is not installed'),
    version: () => versionLine(which('nginx'), ['-v']).replace('nginx version: ', ''),
    start({ model, port, workers, dir, cpus }) {
      const conf = join(dir, 'nginx.conf')
      writeFileSync(conf, renderNginx(model, { port, workers, dir, asRoot: process.getuid?.() === 0 }))
      if (model.chain) writeFileSync(join(dir, 'htpasswd'), `${CHAIN_USER.htpasswd}\n`)
      return start('nginx', which('nginx'), ['-e', join(dir, 'nginx-error.log'), '-p', dir, '-c', conf], { cpus })
    },
  },
  haproxy: {
    what: 'HAProxy, nbthread = workers, http-reuse always',
    available: () => (which('haproxy') ? null : 'haproxy is not installed'),
    version: () => versionLine(which('haproxy'), ['-v']).replace(/ - https?:.*$/, ''),
    start({ model, port, workers, dir, cpus }) {
      const mapFile = join(dir, 'hosts.map')
      const { cfg, map } = renderHaproxy(model, { port, workers, mapFile })
      writeFileSync(mapFile, map)
      writeFileSync(join(dir, 'haproxy.cfg'), cfg)
      return start('haproxy', which('haproxy'), ['-db', '-f', join(dir, 'haproxy.cfg')], { cpus })
    },
  },
  caddy: {
    what: 'Caddy (Go), GOMAXPROCS = workers',
    available: () => (which('caddy') ? null : 'caddy is not installed'),
    version: () => 'caddy ' + versionLine(which('caddy'), ['version']),
    start({ model, port, workers, dir, cpus }) {
      writeFileSync(join(dir, 'Caddyfile'), renderCaddy(model, { port }))
      return start('caddy', which('caddy'), ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], {
        cpus,
        env: { GOMAXPROCS: String(workers), HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
      })
    },
  },
  'node-http-proxy': {
    what: 'http-proxy on node:cluster, keep-alive agent',
    available: () => (existsSync(join(ROOT, 'node_modules/http-proxy/package.json')) ? null : 'http-proxy is not installed (npm install)'),
    version: () => 'http-proxy ' + pkgVersion('http-proxy') + ' on node ' + process.version,
    start({ model, port, workers, dir, cpus }) {
      const conf = join(dir, 'node-http-proxy.json')
      writeFileSync(conf, renderNodeProxy(model, { port, workers }))
      return Object.assign(start('node-http-proxy', process.execPath, [NODE_PROXY, conf], { cpus }), { readyLine: /node-http-proxy ready/ })
    },
  },
  traefik: {
    what: 'Traefik, GOMAXPROCS = workers, same routes file as pier',
    available: () => (which('traefik') ? null : 'no traefik binary on PATH (it cannot be fetched here; put one on PATH to include it)'),
    version: () => 'traefik ' + versionLine(which('traefik'), ['version']).replace(/^Version:\s*/, ''),
    start({ model, port, workers, dir, cpus }) {
      const routes = join(dir, 'routes.yml')
      writeFileSync(routes, renderRoutes(model))
      return start(
        'traefik',
        which('traefik'),
        [`--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${routes}`, '--providers.file.watch=false', '--log.level=ERROR'],
        { cpus, env: { GOMAXPROCS: String(workers) } },
      )
    },
  },
}

export const TARGET_NAMES = Object.keys(TARGETS)

/** A fresh directory for one target's rendered files. */
export function targetDir(base, scenario, target) {
  const d = join(base, scenario, target)
  mkdirSync(d, { recursive: true })
  return d
}
