// `make run` as a newcomer meets it (scripts/run.mjs, on copies of the
// example files with free ports): the commands it prints work as printed, curl
// alternates between the two demo backends, the dashboard in Chromium shows
// the router, both servers and live latency, and a terminal's Ctrl-C (SIGINT
// to the whole process group) leaves no process behind. A port already taken
// stops it with a line naming what and where, and nothing left running.
import t from 'tap'
import { exec, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { connect, createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { keepScreenshot, launchChromium, watchedPage } from '../helpers/browser.js'
import { freePort, waitFor } from '../helpers/net.js'
import { TIME_SCALE } from '../helpers/pier.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface Ports {
  web: number
  api: number
  one: number
  two: number
}

const examplePorts = async (): Promise<Ports> => ({ web: await freePort(), api: await freePort(), one: await freePort(), two: await freePort() })

/** examples/pier.yml and routes.yml copied to a temporary directory, their ports swapped for free ones. */
function exampleCopy(t: Tap.Test, ports: Ports): string {
  const dir = mkdtempSync(join(tmpdir(), 'pier-run-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const routes = join(dir, 'routes.yml')
  const swap = (file: string, pairs: [string, string][]): string => {
    let text = readFileSync(join(ROOT, file), 'utf8')
    for (const [from, to] of pairs) {
      if (!text.includes(from)) throw new Error(`${file} no longer contains ${from}: update this test`)
      text = text.replaceAll(from, to)
    }
    return text
  }
  writeFileSync(routes, swap('examples/routes.yml', [['127.0.0.1:9001"', `127.0.0.1:${ports.one}"`], ['127.0.0.1:9002"', `127.0.0.1:${ports.two}"`]]))
  const config = join(dir, 'pier.yml')
  writeFileSync(config, swap('examples/pier.yml', [['":8000"', `"127.0.0.1:${ports.web}"`], ['"127.0.0.1:8080"', `"127.0.0.1:${ports.api}"`], ['filename: examples/routes.yml', `filename: ${routes}`]]))
  return config
}

interface Run {
  proc: ChildProcess
  out(): string
  exited: Promise<number | null>
}

/** scripts/run.mjs in a process group of its own, as a shell runs a foreground job. */
function run(t: Tap.Test, config: string): Run {
  const proc = spawn(process.execPath, ['scripts/run.mjs'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIER_RUN_CONFIG: config } })
  let out = ''
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d))
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  t.teardown(() => {
    // Whatever a failed assertion left: the whole group, by its id.
    for (const pid of groupMembers(proc.pid!)) process.kill(pid, 'SIGKILL')
  })
  return { proc, out: () => out, exited }
}

/** Processes whose process group is pgid (from /proc/<pid>/stat). */
function groupMembers(pgid: number): number[] {
  const found: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8')
    } catch {
      continue // ended while we looked
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(fields[2]) === pgid) found.push(Number(name))
  }
  return found
}

function sh(cmd: string): Promise<string> {
  return new Promise((resolve, reject) => exec(cmd, { cwd: ROOT, timeout: 10_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))))
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.once('connect', () => {
      s.destroy()
      resolve(false)
    })
    s.once('error', () => resolve(true))
  })
}

function dockerAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: '/var/run/docker.sock', path: '/_ping', timeout: 1000 }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
    req.end()
  })
}

const READY_MS = 60_000 * TIME_SCALE

t.test('make run: the printed commands work, curl alternates, the dashboard fills, Ctrl-C ends everything', async (t) => {
  const ports = await examplePorts()
  const r = run(t, exampleCopy(t, ports))
  await waitFor(() => /\nTry:\n[\s\S]*Ctrl-C stops/.test(r.out()) || r.proc.exitCode !== null, READY_MS, 'the commands to try', 50)
  const out = r.out()
  t.equal(r.proc.exitCode, null, 'running', { out })
  t.match(out, `whoami-1 (127.0.0.1:${ports.one}), whoami-2 (127.0.0.1:${ports.two})`, 'names both demo backends and where they listen')

  const tries = out.slice(out.indexOf('\nTry:\n') + 6).split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim().replace(/\s+#.*$/, ''))
  t.equal(tries.length, 3, 'three things to try')
  const [curl, dashboard, metrics] = tries as [string, string, string]
  t.equal(curl, `curl -H 'Host: whoami.localhost' http://127.0.0.1:${ports.web}/`)
  t.equal(dashboard, `http://127.0.0.1:${ports.api}/dashboard/ in a browser`)
  t.equal(metrics, `curl -s http://127.0.0.1:${ports.api}/metrics | grep service_requests`)
  t.equal(/make demo/.test(out), await dockerAnswers(), 'points at `make demo` exactly when a Docker engine answers')

  // The curl line, run as printed: each request a new connection, answered in turn.
  const names: string[] = []
  for (let i = 0; i < 4; i++) names.push(/^Name: (.*)$/m.exec(await sh(curl))?.[1] ?? '?')
  t.same(names, ['whoami-1', 'whoami-2', 'whoami-1', 'whoami-2'], 'curl alternates between the two backends from the first request')
  const body = await sh(curl)
  t.match(body, /^GET \/ HTTP\/1\.1$/m, 'whoami shows the request line')
  t.match(body, /^X-Forwarded-For: 127\.0\.0\.1$/m, "and pier's forwarding headers")

  const browser = await launchChromium()
  t.teardown(() => browser.close())
  const { page, problems } = await watchedPage(browser, 1100)
  await page.goto(dashboard.split(' ')[0]!)
  await page.locator('[data-router="whoami@file"]').waitFor({ timeout: 10_000 })
  const servers = page.locator('[data-service="whoami@file"] [data-server]')
  await waitFor(async () => (await servers.count()) === 2, 10_000, 'both servers on the page')
  t.match(await servers.nth(0).textContent(), new RegExp(`127\\.0\\.0\\.1:${ports.one}\\s*1\\s*UP`), 'whoami-1 shown UP')
  t.match(await servers.nth(1).textContent(), new RegExp(`127\\.0\\.0\\.1:${ports.two}\\s*1\\s*UP`), 'whoami-2 shown UP')
  for (let i = 0; i < 5; i++) await sh(curl)
  await page.locator('[data-service="whoami@file"] svg.chart:not([data-points="0"])').waitFor({ timeout: 10_000 })
  await page.locator('[data-service="whoami@file"] [data-latency="start"] [data-count="10"]').waitFor({ timeout: 10_000 })
  t.pass('after a few requests the dashboard shows their latency (10 counted)')
  await keepScreenshot(page, 'make-run-dashboard')
  t.same(problems, [], 'no console or page errors')

  t.match(await sh(metrics), /^traefik_service_requests_total\{code="200",method="GET",protocol="http",service="whoami@file"\} 10$/m, 'the metrics command shows the ten requests')

  // Ctrl-C in a terminal: SIGINT to every process of the foreground group.
  const members = groupMembers(r.proc.pid!)
  t.ok(members.length >= 2, `make run and pier are in one process group (${members.length} processes)`)
  process.kill(-r.proc.pid!, 'SIGINT')
  t.equal(await r.exited, 0, 'exits 0 after Ctrl-C')
  t.match(r.out(), /stopped pier and 2 demo backends/)
  await waitFor(() => groupMembers(r.proc.pid!).length === 0, 5000, 'no process left in the group')
  t.same(groupMembers(r.proc.pid!), [], 'no process left')
  for (const [what, port] of Object.entries(ports)) t.ok(await refused(port), `${what} port ${port} closed`)
})

t.test('make run: a second Ctrl-C ends pier at once, even with a keep-alive client connected', async (t) => {
  const ports = await examplePorts()
  const r = run(t, exampleCopy(t, ports))
  await waitFor(() => /Ctrl-C stops/.test(r.out()) || r.proc.exitCode !== null, READY_MS, 'the commands to try', 50)
  // An idle keep-alive connection, as a browser tab on :8000 leaves one: pier's drain waits for it.
  const agent = new Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const status = await new Promise<number>((resolve, reject) =>
    request({ host: '127.0.0.1', port: ports.web, headers: { host: 'whoami.localhost' }, agent }, (res) => res.resume().on('end', () => resolve(res.statusCode!))).on('error', reject).end(),
  )
  t.equal(status, 200, 'a request on a keep-alive connection')
  process.kill(-r.proc.pid!, 'SIGINT')
  await waitFor(() => /pier waits for open connections/.test(r.out()), 5000, 'the first Ctrl-C taken')
  process.kill(-r.proc.pid!, 'SIGINT')
  t.equal(await r.exited, 0, 'exits 0')
  t.match(r.out(), /stopped pier \(SIGKILL\) and 2 demo backends/, 'the second Ctrl-C ended pier')
  await waitFor(() => groupMembers(r.proc.pid!).length === 0, 5000, 'no process left in the group')
  for (const [what, port] of Object.entries(ports)) t.ok(await refused(port), `${what} port ${port} closed`)
})

/** Holds a loopback port the way some other program would. */
async function occupy(t: Tap.Test, port: number): Promise<Server> {
  const s = createServer((c) => c.destroy())
  await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => s.close(() => resolve())))
  return s
}

/** make run while another program holds one of its ports: exit 1, nothing left running, nothing else listening. */
async function runWithTaken(t: Tap.Test, taken: keyof Ports): Promise<{ ports: Ports; out: string }> {
  const ports = await examplePorts()
  const config = exampleCopy(t, ports)
  await occupy(t, ports[taken])
  const r = run(t, config)
  t.equal(await r.exited, 1, 'exit 1')
  t.same(groupMembers(r.proc.pid!), [], 'no process left')
  for (const [what, port] of Object.entries(ports)) if (what !== taken) t.ok(await refused(port), `${what} port ${port} closed`)
  return { ports, out: r.out() }
}

t.test('make run with a backend port taken names the backend and the file, and starts nothing', async (t) => {
  const { ports, out } = await runWithTaken(t, 'two')
  t.match(out, new RegExp(`cannot start demo backend whoami-2 on 127\\.0\\.0\\.1:${ports.two} \\(EADDRINUSE\\): stop what uses that port, or change its server in .*routes\\.yml`))
})

t.test("make run with pier's port taken says so, and stops the backends", async (t) => {
  const { ports, out } = await runWithTaken(t, 'web')
  t.match(out, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${ports.web} for entrypoint web`), "pier's own line names the entrypoint")
  t.match(out, /pier exited \(code 1\) before it was ready/)
})
