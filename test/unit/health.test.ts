// Health check options from files and labels, the shared health board, and
// the WRR pick that reads it: a server down for a health check is skipped
// by every thread; one only passively down is still tried when nothing else
// is left.
import t from 'tap'
import { readHealthCheck, readPassiveHealthCheck } from '../../src/config/health-check.js'
import { ACTIVE_DOWN, HealthBoard, HealthView, PASSIVE_DOWN } from '../../src/balancer/health-board.js'
import { PassiveHealth } from '../../src/balancer/passive.js'
import { SmoothWRR } from '../../src/balancer/wrr.js'
import { compileTable } from '../../src/table/compile.js'
import { RouteTable } from '../../src/table/reader.js'
import { buildFileConfig } from '../../src/providers/file/build.js'
import { parseLabels } from '../../src/providers/docker/labels.js'

const defaults = { path: '/', method: 'GET', status: 0, port: 0, hostname: '', headers: {}, interval: 30_000, unhealthyInterval: 30_000, timeout: 5_000, followRedirects: true }

t.test('health check options: Traefik defaults, any key case, typed or text values', async (t) => {
  t.same(readHealthCheck({}, 'hc.').value, defaults)
  t.same(
    readHealthCheck({ Path: '/health?x=1', METHOD: 'head', status: '204', port: 8081, hostname: 'app.internal', headers: { 'X-Probe': 'pier' }, interval: '2s', unhealthyinterval: '500ms', timeout: 1, followredirects: 'false' }, 'hc.').value,
    { path: '/health?x=1', method: 'HEAD', status: 204, port: 8081, hostname: 'app.internal', headers: { 'X-Probe': 'pier' }, interval: 2000, unhealthyInterval: 500, timeout: 1000, followRedirects: false },
  )
  const bad = readHealthCheck({ path: 'health', interval: '-1s', port: 70000, status: 'ok', method: 'GE T', headers: { 'Bad Name': 'x' }, mode: 'tcp', pathh: '/' }, 'hc.')
  t.equal(bad.value, undefined)
  t.same(bad.errors, [
    'hc.pathh is not a health check option (options: path, method, status, port, scheme, mode, hostname, headers, interval, unhealthyInterval, timeout, followRedirects)',
    'hc.path must start with "/", not "health"',
    'hc.interval must be a positive duration such as 10s or 500ms, not "-1s"',
    'hc.port must be an integer from 1 to 65535, not 70000',
    'hc.status must be an integer from 100 to 599, not "ok"',
    'hc.method must be an HTTP method such as GET or HEAD, not "GE T"',
    'hc.headers: "Bad Name" is not a header name',
    'hc.mode must be http or grpc, not "tcp"',
  ])
  t.same(readHealthCheck({ mode: 'grpc', scheme: 'https' }, 'hc.').refused, ['hc.mode: gRPC health checks are not supported'])
  t.equal(readHealthCheck({ scheme: 'HTTPS' }, 'hc.').value?.scheme, 'https', 'an https probe, with the service transport')
  t.same(readPassiveHealthCheck({}, 'p.').value, { failureWindow: 10_000, maxFailedAttempts: 1 })
  t.same(readPassiveHealthCheck({ failurewindow: '3s', maxFailedAttempts: '3' }, 'p.').value, { failureWindow: 3000, maxFailedAttempts: 3 })
  t.same(readPassiveHealthCheck({ maxFailedAttempts: 0 }, 'p.').errors, ['p.maxFailedAttempts must be an integer from 1 to 1000000, not 0'])
})

t.test('from a file and from v2 and v1 labels', async (t) => {
  const file = buildFileConfig([{ file: 'f.yml', text: 'http:\n  services:\n    s:\n      loadBalancer:\n        healthCheck: { path: /h, interval: 5s, headers: { X-A: b } }\n        passiveHealthCheck: { failureWindow: 3s, maxFailedAttempts: 2 }\n        servers: [{ url: "http://127.0.0.1:1" }]\n' }])
  t.same(file.errors, [])
  t.match(file.config!.http.services.s!.loadBalancer, { healthCheck: { path: '/h', interval: 5000, headers: { 'X-A': 'b' } }, passiveHealthCheck: { failureWindow: 3000, maxFailedAttempts: 2 } })
  const badFile = buildFileConfig([{ file: 'f.yml', text: 'http:\n  services:\n    s:\n      loadBalancer:\n        healthCheck: { interval: soon }\n        servers: []\n' }])
  t.match(badFile.errors.map((e) => e.message), ['loadBalancer.healthCheck.interval must be a positive duration such as 10s or 500ms, not "soon"'])

  const warn = () => t.fail('no warning expected')
  const v2 = parseLabels({
    'traefik.http.services.web.loadbalancer.healthcheck.path': '/ready',
    'traefik.http.services.web.loadbalancer.healthcheck.interval': '1s',
    'traefik.http.services.web.loadbalancer.healthcheck.headers.X-Forwarded-Proto': 'https',
    'traefik.http.services.web.loadbalancer.passivehealthcheck.maxfailedattempts': '5',
  }, warn)
  t.match(v2.services.get('web'), { healthCheck: { path: '/ready', interval: 1000, headers: { 'X-Forwarded-Proto': 'https' } }, passiveHealthCheck: { maxFailedAttempts: 5 } })
  t.equal(v2.services.get('web')!.unsupported, undefined)
  const v1 = parseLabels({ 'traefik.backend.healthcheck.path': '/ping', 'traefik.backend.healthcheck.port': '9000', 'traefik.backend.healthcheck.headers': 'X-A:1||X-B: two' }, warn)
  t.match(v1.v1.healthCheck, { path: '/ping', port: 9000, headers: { 'X-A': '1', 'X-B': 'two' } })
})

t.test('the board: slots kept by key across tables, freed slots quarantined, growth keeps state', async (t) => {
  const board = new HealthBoard(0)
  const a = board.assign(['s http://a', 's http://b'], 0)
  t.same([...a], [0, 1])
  board.setActive(1, false)
  t.same([...board.assign(['s http://b', 's http://c'], 1000)], [1, 2], 'b keeps its slot; c gets a new one')
  t.notOk(board.isUp(1), 'and b stays down')
  t.same([...board.assign(['s http://b', 's http://c', 's http://d'], 2000)], [1, 2, 3], "a's freed slot is not reused at once")
  t.same([...board.assign(['s http://b', 's http://c', 's http://d', 's http://e'], 70_000)], [1, 2, 3, 0], 'but after the quarantine')
  const many = Array.from({ length: 3000 }, (_, i) => `s http://x${i}`)
  board.assign(['s http://b', ...many], 80_000)
  t.ok(board.current.slots >= 3001, 'grown')
  t.notOk(board.isUp(board.slot('s http://b')), 'state carried over')
  board.setActive(board.slot('s http://b'), true)
  t.ok(board.isUp(board.slot('s http://b')))
})

t.test('passive marks: set by a worker, seen by all, expired by the primary unless an active check decides', async (t) => {
  const board = new HealthBoard(0)
  board.assign(['s http://a', 's http://b'], 0)
  const worker = new HealthView(board.current.buffer, board.current.epoch)
  worker.markPassive(0, 1000, 500)
  worker.markPassive(1, 1000, 500)
  t.equal(Atomics.load(board.current.state, 0), PASSIVE_DOWN)
  t.same(board.expirePassive(() => false, 1400), [], 'not before the window ends')
  t.same(board.expirePassive((slot) => slot === 1, 1600), [0], 'slot 1 has an active check: it waits for a passing probe')
  t.equal(Atomics.load(board.current.state, 1), PASSIVE_DOWN)
  board.setActive(1, true)
  t.equal(Atomics.load(board.current.state, 1), 0, 'a passing probe clears the passive mark')
  board.setActive(1, false)
  t.equal(Atomics.load(board.current.state, 1), ACTIVE_DOWN)
})

function table(board: HealthBoard, passive?: { failureWindow: number; maxFailedAttempts: number }): RouteTable {
  const servers = ['http://a:1', 'http://b:1', 'http://c:1'].map((url) => ({ url }))
  const lb = passive ? { servers, passiveHealthCheck: passive } : { servers }
  const compiled = compileTable({ http: { routers: {}, services: { s: { loadBalancer: lb } } } }, ['web'], 1, (keys) => board.assign(keys))
  return new RouteTable(compiled.buffer, board.current)
}

t.test('WRR skips servers that are down; passively down ones only while others are up', async (t) => {
  const board = new HealthBoard()
  const rt = table(board)
  const wrr = new SmoothWRR()
  wrr.bind(rt)
  const seq = (n: number) => Array.from({ length: n }, () => wrr.pick(0))
  t.same(seq(3).sort(), [0, 1, 2])
  board.setActive(1, false)
  t.same(new Set(seq(6)), new Set([0, 2]), 'b is out')
  rt.health.markPassive(0, 10_000)
  t.same(new Set(seq(4)), new Set([2]), 'a is out too, passively')
  rt.health.markPassive(2, 10_000)
  t.same(new Set(seq(4)), new Set([0, 2]), 'all left are only passively down: they are tried')
  board.setActive(0, false)
  board.setActive(2, false)
  t.equal(wrr.pick(0), -1, 'all down for their health checks: none')
  board.setActive(1, true)
  t.equal(wrr.pick(0), 1)
  t.equal(wrr.pick(0, 0b10), -1, 'the tried mask excludes b')
})

t.test('PassiveHealth: one connection failure marks at once; maxFailedAttempts counts within the window', async (t) => {
  const board = new HealthBoard(0)
  const once = table(board)
  const p = new PassiveHealth()
  p.failed(once, 0, 0, 1000)
  t.equal(once.healthState(0), PASSIVE_DOWN)
  const counted = table(new HealthBoard(0), { failureWindow: 2000, maxFailedAttempts: 3 })
  p.failed(counted, 0, 1, 1000)
  p.failed(counted, 0, 1, 1500)
  t.equal(counted.healthState(1), 0, 'two of three')
  p.succeeded(counted, 1)
  p.failed(counted, 0, 1, 1600)
  p.failed(counted, 0, 1, 1700)
  t.equal(counted.healthState(1), 0, 'a success forgot the earlier ones')
  p.failed(counted, 0, 1, 4000)
  t.equal(counted.healthState(1), 0, 'the window ran out: counting starts again')
  p.failed(counted, 0, 1, 4100)
  p.failed(counted, 0, 1, 4200)
  t.equal(counted.healthState(1), PASSIVE_DOWN)
  t.equal(Atomics.load(counted.health.until, counted.healthSlot(1)), Math.floor(4200 / 100) + 20, 'out for the failure window')
})

t.test("WRR reads each server's own board slot, which need not be its index", async (t) => {
  const board = new HealthBoard(0)
  // Slots 0 and 1 go to servers that leave again (quarantined): a, b and c get 2, 3 and 4.
  board.assign(['gone http://x:1', 'gone http://y:1'], 0)
  const rt = table(board)
  t.same([0, 1, 2].map((v) => rt.healthSlot(v)), [2, 3, 4])
  const wrr = new SmoothWRR()
  wrr.bind(rt)
  board.setActive(3, false)
  t.same(new Set(Array.from({ length: 6 }, () => wrr.pick(0))), new Set([0, 2]), 'b (slot 3) is out')
  board.setActive(3, true)
  board.setActive(2, false)
  board.setActive(4, false)
  t.equal(wrr.pick(0), 1, 'only b is up')
})
