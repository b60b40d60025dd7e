// The primary's side of api@internal, dashboard@internal, ping@internal,
// prometheus@internal and noop@internal: one node:http server per enabled
// service, each on a Unix socket in a directory of its own (mode 0700), so
// that only this user can open them. Workers reach them through the routers
// users write, after those routers' middlewares; nothing here is on a port.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { enabledInternalServices, type InternalService } from '../config/internal-services.js'
import type { Logger } from '../log.js'
import type { MetricsStore } from '../metrics/store.js'
import type { RuntimeState } from '../primary/state.js'
import { apiHandler, assetReply, closeServer, listen, methodNotAllowed, metricsReply, notFound, pingReply, send, type ApiHandler } from './server.js'

export interface InternalServices {
  /** Socket path of each enabled service. */
  sockets: ReadonlyMap<InternalService, string>
  /** Why none is served (no writable temporary directory...): routers to them are disabled with it. */
  failure?: string
  close(): Promise<void>
}

/** The longest socket path Linux takes (sun_path less its NUL); a longer one would be cut. */
const MAX_SOCKET_PATH = 107


/**
 * dashboard@internal: the dashboard's files at the root (`/` is the page), as
 * Traefik's; a router puts it under /dashboard/ with a stripPrefix.
 */
function dashboardAtRoot(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(req, res, methodNotAllowed())
  const path = new URL(req.url ?? '/', 'http://pier').pathname
  send(req, res, path.startsWith('/') && !path.slice(1).includes('/') ? assetReply(path.slice(1)) : notFound())
}

/** None served: pier runs on, and the routers naming them are disabled with why. */
function unavailable(log: Logger, why: string): InternalServices {
  const failure = `pier cannot serve its internal services: ${why}`
  log.error('internal services unavailable', { error: failure })
  return { sockets: new Map(), failure, close: async () => {} }
}

export async function startInternalServices(state: RuntimeState, metrics: MetricsStore, log: Logger, stopping: () => boolean): Promise<InternalServices> {
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
  const close = async (): Promise<void> => {
    for (const h of handlers) h.close()
    await Promise.all(servers.map(closeServer))
    process.off('exit', remove)
    remove()
  }
  const handle = (name: InternalService): ((req: IncomingMessage, res: ServerResponse) => void) => {
    switch (name) {
      case 'api': {
        // Traefik's api@internal: the API, and the dashboard under /dashboard/ when it is on
        const h = apiHandler({ state, metrics, log, serves: { api: true, dashboard: sc.api?.dashboard === true, ping: false, metrics: false }, stopping })
        handlers.push(h)
        return h.handle
      }
      case 'dashboard':
        return dashboardAtRoot
      case 'ping':
        return (req, res) => send(req, res, pingReply(sc, stopping()))
      case 'prometheus':
        return (req, res) => send(req, res, metricsReply(metrics, state))
      case 'noop':
        // Traefik's noop answers 418: a router meant for a redirect middleware that did not redirect
        return (req, res) => send(req, res, { status: 418, type: 'text/plain; charset=utf-8', body: '' })
    }
  }
  try {
    for (const name of enabledInternalServices(sc)) {
      const server = createServer(handle(name))
      const path = join(dir, `${name}.sock`)
      if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw new Error(`internal service socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes: set TMPDIR to a shorter directory`)
      await listen(server, path)
      servers.push(server)
      sockets.set(name, path)
    }
  } catch (err) {
    await close()
    return unavailable(log, (err as Error).message)
  }
  log.debug('internal services listening', { directory: dir, services: [...sockets.keys()].join(',') })
  return { sockets, close }
}
