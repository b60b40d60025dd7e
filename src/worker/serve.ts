// The long-running piscina task of one worker thread: a uWS App per
// entrypoint on ports shared by every thread (SO_REUSEPORT), the current
// route table, and the upstream pools.
//
// A thread that ends while one of its client connections is open aborts the
// whole process, so a thread never just dies: on an uncaught error (or
// SIGUSR2) it retires, and on SIGTERM it drains. Either way it stops
// accepting, asks its clients to close (Connection: close), lets requests in
// flight finish (within the grace period), then closes its Apps, which
// closes every connection left, and ends.
import uWS from 'uWebSockets.js'
import { hostname } from 'node:os'
import { createLogger } from '../log.js'
import { RouteTable } from '../table/reader.js'
import { SmoothWRR } from '../balancer/wrr.js'
import { Pools } from './pools.js'
import { UpstreamPool } from '../upstream/pool.js'
import { MiddlewareSet } from '../middlewares/chains.js'
import { SharedState } from '../middlewares/shared-state.js'
import { createHandler, type HandlerContext, type Routing } from './handler.js'
import type { Finished } from './exchange.js'
import { WorkerObservers } from '../metrics/worker-observers.js'
import { methodIndex } from '../metrics/methods.js'
import type { ServeInput, ToWorker, FromWorker, TableRef } from './messages.js'
import { HealthView } from '../balancer/health-board.js'
import { PassiveHealth } from '../balancer/passive.js'
import { Failover } from './failover.js'
import { ClientTrustRules } from './client-trust.js'
import { Deadlines } from './deadlines.js'
import { SecureApp } from './secure-app.js'
import { setChallenges } from './acme-challenges.js'
import { webSocketBehavior } from './websocket-behavior.js'
import { closeAllWebSockets } from './websocket-bridge.js'
import { headerPlan } from '../accesslog/header-capture.js'
import { collectWhenIdle } from './idle-collect.js'

/** App.close() is in uWS.js 20.30 (closes the listen socket and every connection) but not in its type declarations. */
type ClosableApp = uWS.TemplatedApp & { close(): void }

/** A retiring thread serves on this long after its last request, so that requests already on the wire get an answer. */
const RETIRE_QUIET_MS = 1000
/** WebSockets stay open through the grace period, then get a 1001 close; their close handshakes get this long. */
const WEBSOCKET_CLOSE_MS = 2000


export default async function serve(input: ServeInput): Promise<void> {
  const post = (m: FromWorker): void => input.port.postMessage(m)
  const log = createLogger(input.log.toPrimary ? { ...input.log, write: (line) => post({ type: 'log', line }) } : input.log, { worker: input.id })
  const t = input.transport
  const pools = new Pools({ maxConnsPerServer: t.maxConnsPerServer, dialTimeoutMs: t.dialTimeoutMs, idleConnTimeoutMs: t.idleConnTimeoutMs, maxResponseHeaderBytes: t.maxResponseHeaderBytes })
  const wrr = new SmoothWRR()
  const middlewares = new MiddlewareSet({ shared: new SharedState(input.shared), dialTimeoutMs: input.transport.dialTimeoutMs, headersTimeoutMs: input.transport.responseHeaderTimeoutMs, pool: (o) => new UpstreamPool(o) })
  const observers = new WorkerObservers({
    worker: input.id,
    metrics: input.observe.metrics,
    buckets: input.observe.buckets,
    accessLog: input.observe.accessLog,
    postMetrics: (snapshot) => post({ type: 'metrics', snapshot }),
    postAccessLog: (lines, count) => post({ type: 'accesslog', lines, count }),
  })
  const recorder = observers.recorder
  const accessLog = observers.accessLog
  let routing: Routing
  let health: HealthView | null = null
  const open = (ref: TableRef): RouteTable => {
    if (health?.buffer !== ref.health) health = new HealthView(ref.health, ref.epoch)
    return new RouteTable(ref.buffer, health)
  }
  const swap = (table: RouteTable, t0: number): void => {
    // What was recorded under the old table's indices ships under its names.
    observers.flush()
    recorder?.setNames(table.entryPoints, table.routerNames, table.serviceNames)
    wrr.bind(table)
    routing = { table, wrr, pools: pools.bind(table), chains: middlewares.bind(table) }
    middlewares.attach(routing)
    log.debug('route table swapped', { version: table.version, routers: table.routerCount, services: table.serviceCount, servers: table.serverCount, ms: (performance.now() - t0).toFixed(2) })
  }
  const first = open(input.table)
  await middlewares.load(first)
  swap(first, performance.now())
  // Tables go in force in the order they came, each once its middleware kinds are imported.
  let swapped: Promise<void> = Promise.resolve()
  const arrived = (ref: TableRef, failed: (err: Error) => void): void => {
    const t0 = performance.now()
    const table = open(ref)
    swapped = swapped.then(() => middlewares.load(table)).then(() => swap(table, t0)).catch(failed)
  }

  // performance.timeOrigin is a getter: read it once.
  const timeOrigin = performance.timeOrigin
  const record = (f: Finished): void => {
    const now = performance.now()
    const t = f.table
    let router = f.router
    let service = f.service
    if (t !== routing.table) {
      // Begun before a table swap: count it under its names in the current table.
      router = router >= 0 ? routing.table.routerIndex(t.routerNames[router]!) : -1
      service = service >= 0 ? routing.table.serviceIndex(t.serviceNames[service]!) : -1
    }
    if (recorder !== null) recorder.record(f.ep, router, service, f.status, (now - f.startedAt) * 1e6, f.headersAt < 0 ? -1 : (f.headersAt - f.startedAt) * 1e6, methodIndex(f.method), f.bytesOut, f.bytesIn)
    if (accessLog && f.log) {
      const l = f.log
      accessLog.push(l.clientIP, f.method, l.target, 'HTTP/1.1', f.status, f.bytesOut, f.router >= 0 ? t.routerNames[f.router]! : '', f.service >= 0 ? t.serviceNames[f.service]! : '', f.server >= 0 ? t.serverUrls[f.server]! : '', now - f.startedAt, timeOrigin + f.startedAt, l.userAgent, l.referer, t.entryPoints[f.ep], l.host, f.attempts, l.headers?.fields)
    }
  }
  let inflight = 0
  const sink = {
    closing: false,
    begin(): void {
      inflight++
    },
    done(f: Finished): void {
      record(f)
      inflight--
    },
    forget(): void {
      inflight--
    },
    record,
  }
  const ctx: HandlerContext = {
    routing: () => routing,
    sink,
    deadlines: new Deadlines(),
    headersTimeoutMs: input.transport.responseHeaderTimeoutMs,
    serverName: hostname(),
    log,
    requests: 0,
    logging: accessLog !== undefined,
    headers: input.observe.accessLog ? headerPlan(input.observe.accessLog.format, input.observe.accessLog.fields) : null,
    webSocket: input.webSocket,
    failover: new Failover(() => routing, new PassiveHealth()),
  }

  // Listen sockets by entrypoint; null where the TCP relay owns the port (or it is not open yet).
  const sockets: (uWS.us_listen_socket | null)[] = input.entryPoints.map(() => null)
  const apps: ClosableApp[] = []
  const secure: SecureApp[] = []
  if (input.challenges) setChallenges(input.challenges)
  const listen = (i: number, done: (err: Error | null) => void): void => {
    const ep = input.entryPoints[i]!
    const cb = (ls: uWS.us_listen_socket | false): void => {
      if (!ls) return done(new Error(`cannot listen on ${ep.host || '*'}:${ep.port} for entrypoint ${ep.name} (address in use or not permitted)`))
      sockets[i] = ls
      done(null)
    }
    if (ep.host) apps[i]!.listen(ep.host, ep.port, cb)
    else apps[i]!.listen(ep.port, cb)
  }
  let released = new Set(input.released ?? [])
  input.entryPoints.forEach((ep, i) => {
    const handler = createHandler(ctx, i, ep.port, { proto: ep.secure ? 'https' : 'http', redirect: ep.redirect ?? null, acmeChallenge: ep.acmeChallenge === true, limits: ep.limits, trust: new ClientTrustRules(ep.trust) })
    const routes = (a: uWS.TemplatedApp): uWS.TemplatedApp => a.ws('/*', webSocketBehavior(input.webSocket, handler)).any('/*', handler)
    let app: uWS.TemplatedApp
    if (ep.secure) {
      const s = new SecureApp(input.tls ?? { version: 0, fallback: null, names: [] }, routes)
      secure.push(s)
      app = s.app
    } else app = routes(uWS.App())
    apps.push(app as ClosableApp)
  })
  await Promise.all(
    input.entryPoints.map((ep, i) => new Promise<void>((resolve, reject) => (released.has(ep.name) ? resolve() : listen(i, (err) => (err ? reject(err) : resolve()))))),
  ).catch((err: Error) => {
    for (const ls of sockets) if (ls) uWS.us_listen_socket_close(ls)
    post({ type: 'failed', id: input.id, code: 'LISTEN_FAILED', message: err.message })
    throw err
  })
  /** A port the TCP relay hands back may still be open there a moment: tried this often, this many times. */
  const relisten = (i: number, tries: number): void => {
    if (sink.closing || released.has(input.entryPoints[i]!.name) || sockets[i]) return
    listen(i, (err) => {
      if (!err) return
      if (tries > 1) setTimeout(() => relisten(i, tries - 1), 100).unref()
      else log.error('entrypoint not served: its port did not come free', { entryPointName: input.entryPoints[i]!.name, error: err.message })
    })
  }
  const release = (names: string[]): void => {
    released = new Set(names)
    input.entryPoints.forEach((ep, i) => {
      const ls = sockets[i]
      if (released.has(ep.name) && ls) {
        uWS.us_listen_socket_close(ls)
        sockets[i] = null
      } else if (!released.has(ep.name) && !ls) relisten(i, 100)
    })
  }
  post({ type: 'listening', id: input.id })
  const stopCollecting = collectWhenIdle(() => ctx.requests)

  const stopAccepting = (): void => {
    sink.closing = true
    sockets.forEach((ls, i) => {
      if (ls) uWS.us_listen_socket_close(ls)
      sockets[i] = null
    })
  }

  return new Promise<void>((resolve) => {
    // Ending: once no request (WebSockets included) is in flight and none
    // came for quietMs, or when the grace period is over (and WebSockets had
    // their 1001 close), close every connection left and end.
    let ender: NodeJS.Timeout | null = null
    let quietMs = 0
    let deadline = 0
    let seen = 0
    let quietSince = 0
    let drainAsked = false
    let webSocketsClosed = false
    const endWhenIdle = (quiet: number): void => {
      const now = Date.now()
      if (ender !== null) {
        quietMs = Math.min(quietMs, quiet)
        deadline = Math.min(deadline, now + input.graceMs)
        return
      }
      quietMs = quiet
      deadline = now + input.graceMs
      seen = ctx.requests
      quietSince = now
      ender = setInterval(() => {
        const t = Date.now()
        if (inflight > 0 || ctx.requests !== seen) {
          seen = ctx.requests
          quietSince = t
        }
        if (inflight === 0 && t - quietSince >= quietMs) return end()
        if (t < deadline) return
        const n = webSocketsClosed ? 0 : closeAllWebSockets()
        webSocketsClosed = true
        if (n === 0) return end()
        log.info('grace period over: WebSockets closed (1001)', { count: n })
        deadline = t + WEBSOCKET_CLOSE_MS
      }, 50)
    }
    const end = (): void => {
      clearInterval(ender!)
      stopCollecting()
      const cut = inflight
      // Aborts what is still in flight (recorded as 499) and closes idle keep-alive connections.
      for (const app of apps) app.close()
      observers.stop()
      middlewares.close()
      pools.destroy()
      // The port stays open after 'drained' (closing it may overtake the message); the process ends next.
      if (drainAsked) post({ type: 'drained', id: input.id, cut })
      else input.port.close()
      process.off('uncaughtException', failed)
      resolve()
    }
    const retire = (reason: string, replaced = false): void => {
      if (sink.closing) return
      stopAccepting()
      // WebSockets cannot move to another thread: their clients reconnect (1001, going away).
      closeAllWebSockets()
      post({ type: 'retiring', id: input.id, reason, replaced })
      endWhenIdle(RETIRE_QUIET_MS)
    }
    // A bug in a callback must not end the thread with connections open: log it and retire.
    const failed = (err: Error): void => {
      log.error('worker thread error; retiring the thread', { error: String(err?.stack ?? err) })
      retire(err?.message ?? String(err))
    }
    process.on('uncaughtException', failed)
    input.port.on('message', (m: ToWorker) => {
      if (m.type === 'table') arrived(m.table, failed)
      else if (m.type === 'retire') retire(m.replaced ? 'certificates changed' : 'asked to retire (SIGUSR2)', m.replaced)
      else if (m.type === 'tls-add') {
        for (const app of secure) app.add(m.names)
        post({ type: 'applied', id: input.id, what: 'tls', version: m.version })
      } else if (m.type === 'challenges') {
        setChallenges(m.tokens)
        post({ type: 'applied', id: input.id, what: 'challenges', version: m.version })
      }
      else if (m.type === 'release') release(m.names)
      else if (m.type === 'drain') {
        drainAsked = true
        stopAccepting()
        endWhenIdle(0)
      }
    })
  })
}
