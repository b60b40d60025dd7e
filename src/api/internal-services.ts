// The primary's side of api@internal, dashboard@internal, ping@internal,
// prometheus@internal and noop@internal: one node:http server per enabled
// service, each on a Unix socket in a directory of its own (mode 0700), so
// that only this user can open them. Workers reach them through the routers
// users write, after those routers' middlewares; nothing here is on a port.
// noop@internal, always there, listens only once a configuration names it
// (prepare): with no API, ping or metrics, node:http and its servers stay
// out of the primary (about 0.8 MB of RSS).
import { mkdtempSync, rmSync } from 'node:fs'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { enabledInternalServices, type InternalService } from '../config/internal-services.js'
import type { DynamicConfig } from '../config/dynamic.js'
import type { Logger } from '../log.js'
import type { MetricsStore } from '../metrics/store.js'
import type { RuntimeState } from '../primary/state.js'
import type { ApiHandler } from './server.js'

export interface InternalServices {
  /** Socket path of each enabled service. */
  sockets: ReadonlyMap<InternalService, string>
  /** Why none is served (no writable temporary directory...): routers to them are disabled with it. */
  failure?: string
  /** Starts what a configuration names and is not listening yet (noop@internal): resolves once it listens, undefined when nothing is to start. */
  prepare(config: DynamicConfig): Promise<void> | undefined
  close(): Promise<void>
}

/** Whether value, or anything in it, is the text name. */
function mentions(value: unknown, name: string): boolean {
  if (value === name) return true
  if (typeof value !== 'object' || value === null) return false
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (mentions(v, name)) return true
  return false
}

/** Whether a configuration refers to the service (a router's, a middleware's such as errors) other than by defining it. */
function refersTo(config: DynamicConfig, service: string): boolean {
  const { routers, services, middlewares } = config.http
  return mentions(routers, service) || mentions(middlewares, service) || Object.entries(services).some(([name, s]) => name !== service && mentions(s, service))
}

/** The longest socket path Linux takes (sun_path less its NUL); a longer one would be cut. */
const MAX_SOCKET_PATH = 107


/** None served: pier runs on, and the routers naming them are disabled with why. */
function unavailable(log: Logger, why: string): InternalServices {
  const failure = `pier cannot serve its internal services: ${why}`
  log.error('internal services unavailable', { error: failure })
  return { sockets: new Map(), failure, prepare: () => undefined, close: async () => {} }
}

export async function startInternalServices(state: RuntimeState, metrics: MetricsStore | undefined, log: Logger, stopping: () => boolean): Promise<InternalServices> {
  const sc = state.staticConfig
  let dir: string
  try {
    dir = mkdtempSync(join(tmpdir(), 'pier-internal-'))
  } catch (err) {
    // A read-only root file system, say
    return unavailable(log, `no directory for their sockets in ${tmpdir()} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; set TMPDIR to a writable directory)`)
  }
  const servers: Server[] = []
  const handlers: ApiHandler[] = []
  const sockets = new Map<InternalService, string>()
  // pier may exit without closing (a start that failed later on): the directory goes anyway
  const remove = (): void => rmSync(dir, { recursive: true, force: true })
  process.once('exit', remove)
  let closed = false
  const close = async (): Promise<void> => {
    closed = true
    for (const h of handlers) h.close()
    await Promise.all(servers.map(async (s) => (await import('./server.js')).closeServer(s)))
    process.off('exit', remove)
    remove()
  }
  const serve = async (name: InternalService): Promise<void> => {
    const { createServer } = await import('node:http')
    const api = await import('./server.js')
    const { send } = api
    let handle: (req: IncomingMessage, res: ServerResponse) => void
    switch (name) {
      case 'api': {
        // Traefik's api@internal: the API, and the dashboard under /dashboard/ when it is on
        const h = api.apiHandler({ state, metrics, log, serves: { api: true, dashboard: sc.api?.dashboard === true, ping: false, metrics: false }, stopping })
        handlers.push(h)
        handle = h.handle
        break
      }
      case 'dashboard':
        // The dashboard's files at the root (`/` is the page), as Traefik's; a router puts it under /dashboard/ with a stripPrefix.
        handle = (req, res) => {
          if (req.method !== 'GET' && req.method !== 'HEAD') return send(req, res, api.methodNotAllowed())
          const path = new URL(req.url ?? '/', 'http://pier').pathname
          send(req, res, path.startsWith('/') && !path.slice(1).includes('/') ? api.assetReply(path.slice(1)) : api.notFound())
        }
        break
      case 'ping':
        handle = (req, res) => send(req, res, api.pingReply(sc, stopping()))
        break
      case 'prometheus':
        handle = (req, res) => send(req, res, metrics ? api.metricsReply(metrics, state) : api.notFound())
        break
      case 'noop':
        // Traefik's noop answers 418: a router meant for a redirect middleware that did not redirect
        handle = (req, res) => send(req, res, { status: 418, type: 'text/plain; charset=utf-8', body: '' })
        break
    }
    const server = createServer(handle)
    await api.listen(server, sockets.get(name)!)
    servers.push(server)
  }
  const enabled = enabledInternalServices(sc)
  try {
    for (const name of enabled) {
      const path = join(dir, `${name}.sock`)
      if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw new Error(`internal service socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes: set TMPDIR to a shorter directory`)
      sockets.set(name, path)
    }
    for (const name of enabled) if (name !== 'noop') await serve(name)
  } catch (err) {
    await close()
    return unavailable(log, (err as Error).message)
  }
  log.debug('internal services listening', { directory: dir, services: enabled.filter((n) => n !== 'noop').join(',') })
  let noop: Promise<void> | undefined
  let noopDone = false
  const prepare = (config: DynamicConfig): Promise<void> | undefined => {
    if (noopDone || closed || !sockets.has('noop') || !refersTo(config, 'noop@internal')) return undefined
    // Refused to listen (its socket taken meanwhile, say): the routers to it get 502 from the workers, as for any backend that is down.
    noop ??= serve('noop').then(
      () => log.debug('internal service listening', { service: 'noop' }),
      (err: Error) => log.error('internal service unavailable', { service: 'noop', error: err.message }),
    ).finally(() => (noopDone = true))
    return noop
  }
  return { sockets, prepare, close }
}
