// pier's offline images, for the host and for armhf under qemu emulation:
// their runtime settings and layout are the Dockerfiles' own, the entrypoint
// takes Traefik's flags, and the 2016 Traefik seed scene works with pier in a
// container (socket mounted read-only, v1 flags, whoami scaled to five, down).
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compose, docker, ensureEngine, get, IMAGE as WHOAMI, unique, whoSequence } from '../fixtures/docker/engine.js'
import { freePort, waitFor } from '../helpers/net.js'

// Two image builds (one emulated) and two scenes, one under qemu.
t.setTimeout(30 * 60_000)

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const HOST_ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64'

interface Target {
  arch: string
  dockerfile: string
  platform: string
  nodeArch: string
  /** Emulated targets start and answer far slower. */
  slow: boolean
}

const targets: Target[] = [
  { arch: HOST_ARCH, dockerfile: 'Dockerfile', platform: `linux/${HOST_ARCH}`, nodeArch: process.arch, slow: false },
  { arch: 'armhf', dockerfile: 'Dockerfile.armhf', platform: 'linux/arm/v7', nodeArch: 'arm', slow: true },
]

interface Result {
  code: number
  stdout: string
  stderr: string
}

// SIGKILL on timeout: a docker CLI forwards SIGTERM to the container and
// keeps waiting if the process inside does not die.
function sh(cmd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL', maxBuffer: 32 << 20, env: { ...process.env, ...opts.env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0
      resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() })
    })
  })
}

// --- the Dockerfile's final stage, read independently of image-build.sh's awk ---

interface Runtime {
  entrypoint: string[]
  exposed: string[]
  workdir: string
  user: string
  env: string[]
  labels: Record<string, string>
  healthcheck: { Test: string[]; Interval: number; Timeout: number; StartPeriod: number; Retries: number }
  /** Paths the final stage's COPY lines create. */
  copies: string[]
}

const seconds = (v: string): number => {
  const m = /^(\d+)s$/.exec(v)
  if (!m) throw new Error(`HEALTHCHECK duration ${v}: expected whole seconds like 10s`)
  return Number(m[1]) * 1e9
}

function readDockerfile(name: string): Runtime {
  const lines = readFileSync(join(ROOT, name), 'utf8').replace(/\\\n\s*/g, ' ').split('\n')
  const final = lines.slice(lines.map((l) => /^FROM /.test(l)).lastIndexOf(true) + 1)
  const rt: Partial<Runtime> = { env: [], labels: {}, copies: [], exposed: [] }
  for (const line of final) {
    const m = /^([A-Z]+) (.*)$/.exec(line)
    if (!m) continue
    const [, op, rest] = m as unknown as [string, string, string]
    if (op === 'ENTRYPOINT') rt.entrypoint = JSON.parse(rest)
    else if (op === 'EXPOSE') rt.exposed!.push(...rest.split(/\s+/).map((p) => `${p}/tcp`))
    else if (op === 'WORKDIR') rt.workdir = rest
    else if (op === 'USER') rt.user = rest
    else if (op === 'ENV') rt.env!.push(...rest.split(/\s+/))
    else if (op === 'LABEL') for (const [, k, v] of rest.matchAll(/([\w.-]+)="([^"]*)"/g)) rt.labels![k!] = v!
    else if (op === 'HEALTHCHECK') {
      const opt = (k: string) => new RegExp(`--${k}=(\\S+)`).exec(rest)?.[1] ?? '?'
      rt.healthcheck = {
        Test: ['CMD', ...JSON.parse(rest.slice(rest.indexOf('CMD ') + 4))],
        Interval: seconds(opt('interval')),
        Timeout: seconds(opt('timeout')),
        StartPeriod: seconds(opt('start-period')),
        Retries: Number(opt('retries')),
      }
    } else if (op === 'COPY') {
      const words = rest.split(/\s+/).filter((w) => !w.startsWith('--'))
      const dest = words.at(-1)!
      rt.copies!.push(dest.endsWith('/') ? dest + basename(words[0]!) : dest)
    }
  }
  return rt as Runtime
}

t.test('both Dockerfiles give the same runtime settings and layout', async (t) => {
  const [a, b] = [readDockerfile('Dockerfile'), readDockerfile('Dockerfile.armhf')]
  t.same(a, b, 'Dockerfile and Dockerfile.armhf: same final stage apart from the base image')
  t.same(a.entrypoint, ['node', '/app/dist/cli.js'], 'the entrypoint runs pier, so `command:` holds only flags')
  t.same(a.exposed.sort(), ['80/tcp', '8080/tcp'])
})

for (const target of targets) {
  t.test(`offline image, ${target.platform}`, async (t) => {
    await ensureEngine()
    const tag = `pier-test:${target.arch}-${unique('i')}`
    const built = await sh('scripts/image-build.sh', [target.arch, tag], { timeoutMs: 15 * 60_000, env: { PIER_IMAGE_NO_BUILD: '1' } })
    t.teardown(() => sh('docker', ['rmi', '-f', tag]))
    if (built.code !== 0) throw new Error(`scripts/image-build.sh ${target.arch} failed:\n${built.stderr}`)
    t.comment(built.stderr.split('\n').at(-1)!)
    const rt = readDockerfile(target.dockerfile)

    t.test('runtime settings are the Dockerfile final stage', async (t) => {
      const [img] = JSON.parse(await docker('image', 'inspect', tag))
      t.equal(`${img.Os}/${img.Architecture}${img.Variant ? '/' + img.Variant : ''}`, target.platform, 'platform')
      const c = img.Config
      t.same(c.Entrypoint, rt.entrypoint, 'ENTRYPOINT')
      t.notOk(c.Cmd, 'no CMD: the compose `command:` is the flags')
      t.same(Object.keys(c.ExposedPorts ?? {}).sort(), [...rt.exposed].sort(), 'EXPOSE')
      t.equal(c.WorkingDir, rt.workdir, 'WORKDIR')
      t.equal(c.User, rt.user, 'USER')
      for (const e of rt.env) t.ok(c.Env.includes(e), `ENV ${e}`)
      t.same(c.Labels, rt.labels, 'LABEL')
      t.same(c.Healthcheck, rt.healthcheck, 'HEALTHCHECK')
    })

    /**
     * `docker run --rm` of the image with a name the teardown removes: a
     * killed CLI leaves its container behind. No healthcheck: each one would
     * start another (emulated) Node.
     */
    const runOnce = async (t: Tap.Test, args: string[]): Promise<Result> => {
      const name = unique(`pier-test-run-${target.arch}-`)
      t.teardown(() => sh('docker', ['rm', '-f', name]))
      return sh('docker', ['run', '--rm', '--name', name, '--no-healthcheck', '--platform', target.platform, ...args], { timeoutMs: target.slow ? 180_000 : 60_000 })
    }

    t.test('files are where the COPY lines put them; production dependencies only', async (t) => {
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
      // Dev dependencies that a production dependency also needs stay (e.g. @types/node).
      const prod = new Set((await sh('npm', ['ls', '--omit=dev', '--all', '--parseable'])).stdout.split('\n').map((p) => p.slice(ROOT.length)))
      const devOnly = Object.keys(pkg.devDependencies).filter((d) => !prod.has(`node_modules/${d}`))
      const probe = `
        const fs = require('fs')
        const bins = fs.readdirSync('/app/node_modules/uWebSockets.js/binaries')
        const has = (p) => fs.existsSync(p)
        console.log(JSON.stringify({
          arch: process.arch, node: process.version,
          copies: ${JSON.stringify(rt.copies)}.filter((p) => !has(p)),
          deps: ${JSON.stringify(Object.keys(pkg.dependencies))}.filter((d) => !has('/app/node_modules/' + d)),
          dev: ${JSON.stringify(devOnly)}.filter((d) => has('/app/node_modules/' + d)),
          bins,
        }))`
      const r = await runOnce(t, ['--entrypoint', 'node', tag, '-e', probe])
      t.equal(r.code, 0, `the probe ran${r.stderr ? ': ' + r.stderr : ''}`)
      const got = JSON.parse(r.stdout)
      t.equal(got.arch, target.nodeArch, 'runs as the target CPU')
      t.match(got.node, /^v20\./, 'Node 20 (ABI 115)')
      t.same(got.copies, [], 'every COPY destination exists')
      t.same(got.deps, [], 'every dependency is installed')
      t.same(got.dev, [], 'no dev dependency is installed')
      t.same(got.bins, [`uws_linux_${target.nodeArch}_115.node`], 'only the target uWS binary')
    })

    t.test('the entrypoint takes Traefik-style flags', async (t) => {
      const r = await runOnce(t, [tag, '--nosuchflag'])
      t.equal(r.code, 2, 'a bad flag exits 2')
      t.match(r.stderr, /unknown option --nosuchflag/, 'with pier naming the flag')
    })

    t.test('HEALTHCHECK turns healthy with --ping', { skip: target.slow && 'each check is a Node start under qemu' }, async (t) => {
      const name = unique(`pier-test-health-${target.arch}-`)
      t.teardown(() => sh('docker', ['rm', '-f', name]))
      // The image's check command, asked every second instead of every 30 s.
      await docker('run', '-d', '--name', name, '--platform', target.platform, '--health-interval=1s', '--health-start-period=0s', tag, '--ping')
      const health = async () => (await docker('inspect', name, '--format', '{{.State.Health.Status}}')).trim()
      await waitFor(async () => (await health()) === 'healthy', 30_000, 'the container to turn healthy', 500).catch(async (err) => {
        throw new Error(`${err.message}: ${await docker('inspect', name, '--format', '{{json .State.Health}}')}\n${(await sh('docker', ['logs', name])).stderr}`)
      })
      t.equal(await health(), 'healthy', 'healthy once /ping answers')
    })

    t.test('HEALTHCHECK turns unhealthy without --ping', { skip: target.slow && 'each check is a Node start under qemu' }, async (t) => {
      const name = unique(`pier-test-unhealthy-${target.arch}-`)
      t.teardown(() => sh('docker', ['rm', '-f', name]))
      // 0s would mean the image's 30 s, during which failures do not count.
      await docker('run', '-d', '--name', name, '--platform', target.platform, '--health-interval=1s', '--health-start-period=1s', '--health-retries=2', tag, '--api.insecure')
      const health = async () => (await docker('inspect', name, '--format', '{{.State.Health.Status}}')).trim()
      await waitFor(async () => (await health()) === 'unhealthy', 30_000, 'the container to turn unhealthy', 500)
      const [{ State }] = JSON.parse(await docker('inspect', name))
      const last = State.Health.Log.at(-1)
      t.equal(last.ExitCode, 1, 'the check exits 1')
      t.match(last.Output, /Bad healthcheck status: 404 Not Found/, 'pier healthcheck says why')
    })

    t.test('seed scene: pier in a container on the Docker socket (read-only), v1 flags', async (t) => {
      const id = unique('pierimg')
      const host = `whoami-${id}.docker.localhost`
      const net = id
      await docker('network', 'create', net)
      t.teardown(() => sh('docker', ['network', 'rm', net]))
      const [web, api] = [await freePort(), await freePort()]
      const name = `${id}-pier`
      // No healthcheck: the v1 flags do not turn on ping.
      await docker('run', '-d', '--name', name, '--no-healthcheck', '--platform', target.platform, '--network', net,
        '-v', '/var/run/docker.sock:/var/run/docker.sock:ro', '-p', `127.0.0.1:${web}:80`, '-p', `127.0.0.1:${api}:8080`,
        tag, '--web', '--docker', '--docker.domain=docker.localhost', '--logLevel=DEBUG', '--docker.watch')
      t.teardown(() => sh('docker', ['rm', '-f', '-v', name]))
      const logs = async () => {
        const r = await sh('docker', ['logs', name])
        return `${r.stdout}\n${r.stderr}`
      }
      await waitFor(async () => /pier ready/.test(await logs()), target.slow ? 240_000 : 30_000, 'pier ready in the container', 500)
        .catch(async (err) => { throw new Error(`${err.message}\n${await logs()}`) })
      const [inspect] = JSON.parse(await docker('inspect', name))
      t.same(inspect.Mounts.map((m: { Destination: string; RW: boolean }) => [m.Destination, m.RW]), [['/var/run/docker.sock', false]], 'socket mounted read-only')

      // The classic whoami service on the shared network. Its backend name and
      // host are unique so that other pier instances on this engine keep theirs.
      const dir = mkdtempSync(join(tmpdir(), 'pier-image-scene-'))
      t.teardown(() => rmSync(dir, { recursive: true, force: true }))
      const file = join(dir, 'docker-compose.yml')
      writeFileSync(file, `version: '2'
services:
  whoami:
    image: ${WHOAMI}
    labels:
      - "traefik.backend=whoami-${id}"
      - "traefik.frontend.rule=Host:${host}"
      - "traefik.port=8000"
networks:
  default:
    external:
      name: ${net}
`)
      const project = id
      t.teardown(() => compose(project, file, 'down', '-v').catch(() => {}))
      const mine = async () => (await docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`)).split('\n').filter(Boolean).sort()
      const ready = target.slow ? 120_000 : 20_000

      await compose(project, file, 'up', '-d')
      await waitFor(async () => (await get(web, host)).status === 200, ready, 'the first whoami through pier', 200)
      const one = await whoSequence(web, host, 5)
      t.same(one, Array(5).fill((await mine())[0]), 'five requests, the one container')

      await compose(project, file, 'scale', 'whoami=5')
      await waitFor(async () => new Set(await whoSequence(web, host, 5)).size === 5, ready, 'five containers in rotation', 200)
      const ten = await whoSequence(web, host, 10)
      t.same([...ten.slice(0, 5)].sort(), await mine(), 'five requests, five containers: the project\'s five')
      t.same(ten.slice(5), ten.slice(0, 5), 'and in turn: the next five in the same order')

      await compose(project, file, 'down', '-v')
      await waitFor(async () => (await get(web, host)).status === 404, ready, 'the host gone (404) after down -v', 200)
      t.match(await logs(), /Configuration received from provider docker/, 'the DEBUG log shows the configuration from Docker')
    })
  })
}
