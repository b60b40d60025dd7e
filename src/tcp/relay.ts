// The TCP and UDP relay thread: one node:net server per TCP entrypoint, routing each
// connection by its ClientHello's server name (TLS passthrough) or its
// client address, then piping bytes both ways, half-closes included. One
// thread serves them all: Node 20's net.Server cannot share a port between
// threads (no SO_REUSEPORT before Node 22.12; a second thread gets
// EADDRINUSE), and measured here a relay thread moves about 1 GB/s of
// loopback traffic for roughly 0.9 s of CPU per GB. UDP entrypoints are
// served here too (udp-listener.ts).
import net from 'node:net'
import { parentPort } from 'node:worker_threads'
import { compileTcpRule, type TcpConnInfo } from './rule.js'
import { readHello, MAX_HELLO_BYTES, MORE, TLS } from './client-hello.js'
import { proxyHeader } from './proxy-header.js'
import type { TcpListenerSpec, TcpRouteSpec, UdpListenerSpec } from './plan.js'
import { pick } from './pick.js'
import { UdpListener } from './udp-listener.js'
import type { FromRelay, ToRelay } from './messages.js'

/** A connection on an entrypoint with TLS routers that sends nothing this long is routed as plain TCP (the server may be the one to speak first). */
const PEEK_MS = 1000
/** Traefik's tcpServersTransport.dialTimeout default. */
const DIAL_MS = 30_000
/** A port an HTTP worker still holds is retried this often, this many times (the workers release it on the same table). */
const LISTEN_RETRY_MS = 100
const LISTEN_TRIES = 100

const port = parentPort!
const post = (m: FromRelay): void => port.postMessage(m)
const log = (level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR', message: string, fields: Record<string, string | number> = {}): void => post({ type: 'log', level, message, fields })

interface Route {
  spec: TcpRouteSpec
  match: (c: TcpConnInfo) => boolean
}

class Listener {
  readonly server: net.Server
  tls: Route[] = []
  plain: Route[] = []
  stopped = false
  constructor(readonly spec: TcpListenerSpec) {
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (c) => this.accept(c))
    this.server.on('error', (err: NodeJS.ErrnoException) => this.failed(err))
    this.server.on('listening', () => log('INFO', 'TCP entrypoint listening', { entryPointName: spec.name, address: `${spec.host}:${spec.port}` }))
    this.routes(spec)
    this.listen(LISTEN_TRIES)
  }

  routes(spec: TcpListenerSpec): void {
    const compiled = spec.routes.map((r) => ({ spec: r, match: compileTcpRule(r.rule).match }))
    this.tls = compiled.filter((r) => r.spec.tls)
    this.plain = compiled.filter((r) => !r.spec.tls)
  }

  private tries = 0
  private listen(tries: number): void {
    this.tries = tries
    this.server.listen({ host: this.spec.host || undefined, port: this.spec.port })
  }

  private failed(err: NodeJS.ErrnoException): void {
    if (err.code === 'EADDRINUSE' && this.tries > 1 && !this.stopped) {
      setTimeout(() => !this.stopped && this.listen(this.tries - 1), LISTEN_RETRY_MS).unref()
      return
    }
    log('ERROR', 'cannot listen on TCP entrypoint', { entryPointName: this.spec.name, address: `${this.spec.host}:${this.spec.port}`, error: err.message })
  }

  stop(): void {
    this.stopped = true
    if (this.server.listening) this.server.close()
  }

  private accept(c: net.Socket): void {
    open.add(c)
    c.on('close', () => open.delete(c))
    c.on('error', () => c.destroy())
    c.setNoDelay(true)
    if (this.tls.length === 0) return this.route(c, '', false, null)
    // Peek at the ClientHello: the routes are chosen on its server name.
    let head: Buffer = Buffer.alloc(0)
    const timer = setTimeout(() => done(false, ''), PEEK_MS)
    const onData = (b: Buffer): void => {
      head = head.length === 0 ? b : Buffer.concat([head, b])
      const h = readHello(head)
      if (h.kind === MORE && head.length < MAX_HELLO_BYTES) return
      done(h.kind === TLS, h.sni)
    }
    const onEnd = (): void => done(false, '')
    const done = (tls: boolean, sni: string): void => {
      clearTimeout(timer)
      c.off('data', onData)
      c.off('end', onEnd)
      c.pause()
      if (!c.destroyed) this.route(c, sni, tls, head.length > 0 ? head : null)
    }
    c.on('data', onData)
    c.once('end', onEnd)
    c.resume()
  }

  private route(c: net.Socket, sni: string, tls: boolean, head: Buffer | null): void {
    const info: TcpConnInfo = { sni, clientIP: plainIP(c.remoteAddress ?? '') }
    const r = (tls ? this.tls : this.plain).find((x) => x.match(info))
    const server = r ? pick(r.spec.name, r.spec.servers) : null
    if (!r || !server) return void c.destroy()
    const u = net.connect({ host: server.host, port: server.port, allowHalfOpen: true })
    open.add(u)
    u.on('close', () => open.delete(u))
    u.setNoDelay(true)
    u.setTimeout(DIAL_MS, () => u.destroy())
    // A server that cannot be reached, or resets, takes the client connection
    // with it (and the other way round). Ends travel as ends (half-close):
    // the pipes end the other side once it has written all it was given.
    u.on('error', () => c.destroy())
    c.on('error', () => u.destroy())
    u.once('connect', () => {
      u.setTimeout(0)
      if (r.spec.proxyProtocol !== 0) u.write(proxyHeader(r.spec.proxyProtocol, c.remoteAddress ?? '', c.remotePort ?? 0, c.localAddress ?? '', c.localPort ?? 0))
      if (head !== null) u.write(head)
      // A client that half-closed while its first bytes were read: its end is passed on now (pipe would not see it).
      if (c.readableEnded) u.end()
      else c.pipe(u)
      u.pipe(c)
      c.resume()
    })
  }
}

function plainIP(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip
}

const listeners = new Map<string, Listener>()
const udpListeners = new Map<string, UdpListener>()
const open = new Set<net.Socket>()

/** Makes the listeners in `running` the ones `specs` name: new ones started, kept ones updated, the rest stopped. */
function reconcile<S extends { name: string; host: string; port: number }, L extends { stop(): void }>(
  running: Map<string, L>,
  specs: S[],
  update: (l: L, spec: S) => void,
  create: (spec: S) => L,
): void {
  const keep = new Set<string>()
  for (const spec of specs) {
    const key = `${spec.name} ${spec.host}:${spec.port}`
    keep.add(key)
    const l = running.get(key)
    if (l) update(l, spec)
    else running.set(key, create(spec))
  }
  for (const [key, l] of running) {
    if (keep.has(key)) continue
    l.stop()
    running.delete(key)
  }
}

function applyUdp(specs: UdpListenerSpec[]): void {
  reconcile(udpListeners, specs, (l, spec) => (l.spec = spec), (spec) => new UdpListener(spec, log))
}

function apply(specs: TcpListenerSpec[]): void {
  reconcile(listeners, specs, (l, spec) => l.routes(spec), (spec) => new Listener(spec))
}

function drain(graceMs: number): void {
  for (const l of listeners.values()) l.stop()
  listeners.clear()
  // UDP has no connection to finish: sessions end now.
  for (const l of udpListeners.values()) l.stop()
  udpListeners.clear()
  const deadline = Date.now() + graceMs
  const check = setInterval(() => {
    if (open.size > 0 && Date.now() < deadline) return
    clearInterval(check)
    const cut = open.size
    for (const s of open) s.destroy()
    post({ type: 'drained', cut })
  }, 50)
}

port.on('message', (m: ToRelay) => {
  if (m.type === 'listeners') {
    apply(m.listeners)
    applyUdp(m.udp)
  }
  else if (m.type === 'drain') drain(m.graceMs)
})
