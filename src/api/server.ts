// The `traefik` entrypoint, served by the primary with node:http (never the
// proxy's hot path): the Traefik-compatible API, /ping, /metrics, the
// dashboard and pier's latency report. Only what the static config enables.
// The same handler serves api@internal to the workers (api/internal-services.ts).
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dashboardAsset } from '../dashboard/assets.js'
import type { Logger } from '../log.js'
import { API_ENTRYPOINT, metricsOnTraefik, pingOnTraefik, type StaticConfig } from '../config/static.js'
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../metrics/prometheus.js'
import type { MetricsStore } from '../metrics/store.js'
import type { RuntimeState } from '../primary/state.js'
import { LiveEvents } from './events.js'
import { latencyHgrm, latencyReport, NotFoundError } from './latency.js'
import { criterion, middlewareMatches, NEXT_PAGE_HEADER, paginate, QueryError, routerMatches, serviceMatches } from './paging.js'
import { entryPointRepresentation, middlewareRepresentation, overview, rawData, routerRepresentation, serviceRepresentation, sortedValues, streamRouterRepresentation, streamServiceRepresentation, version } from './traefik.js'

export interface ApiOptions {
  state: RuntimeState
  /** The workers' merged metrics; there whenever the API or Prometheus metrics are on (observability.ts). */
  metrics: MetricsStore | undefined
  log: Logger
  host: string
  port: number
  /** What this entrypoint (the traefik one) serves. */
  serves: Served
  /** Whether pier is stopping (ping answers its terminating status then). */
  stopping?: () => boolean
}

export interface Served {
  api: boolean
  dashboard: boolean
  ping: boolean
  metrics: boolean
}

/**
 * What the static config asks of internal entrypoint `name` (the traefik one):
 * the API and dashboard when insecure, ping and metrics when they are on there
 * and not on manual routing.
 */
export function servedOn(sc: StaticConfig, name: string): Served {
  const traefik = name === API_ENTRYPOINT
  const api = traefik && sc.api?.insecure === true
  return { api, dashboard: api && sc.api?.dashboard !== false, ping: traefik && pingOnTraefik(sc), metrics: traefik && metricsOnTraefik(sc) }
}

export interface ApiServer {
  close(): Promise<void>
  port: number
}

export interface Reply {
  status: number
  type: string
  body: string | Buffer
  headers?: Record<string, string>
}

const TEXT = 'text/plain; charset=utf-8'
const JSON_TYPE = 'application/json'
const json = (body: unknown, status = 200, headers?: Record<string, string>): Reply => ({ status, type: JSON_TYPE, body: JSON.stringify(body), headers })
const apiError = (status: number, code: string, message: string): Reply => json({ message, code }, status)
export const notFound = (): Reply => ({ status: 404, type: TEXT, body: '404 page not found\n' })
const redirect = (to: string, status = 302): Reply => ({ status, type: TEXT, body: '', headers: { Location: to } })
export const methodNotAllowed = (): Reply => ({ status: 405, type: TEXT, body: 'Method Not Allowed\n', headers: { Allow: 'GET, HEAD' } })
/** Traefik's ping: 200, or the terminating status while pier stops, with its reason phrase as the body. */
export function pingReply(sc: StaticConfig, stopping: boolean): Reply {
  const status = stopping && sc.ping !== false ? sc.ping.terminatingStatusCode : 200
  return { status, type: TEXT, body: STATUS_CODES[status] ?? '' }
}
export const metricsReply = (metrics: MetricsStore, state: RuntimeState): Reply => ({ status: 200, type: PROMETHEUS_CONTENT_TYPE, body: renderPrometheus(metrics, state) })
/** A dashboard file by its name ('' is the page itself). */
export const assetReply = (file: string): Reply => {
  const asset = dashboardAsset(file)
  return asset ? { status: 200, type: asset.type, body: asset.body, headers: { 'Cache-Control': 'no-cache' } } : notFound()
}

/**
 * X-Forwarded-Prefix (a stripPrefix in front of api@internal set it) as a
 * path to put before /dashboard/, as Traefik does; anything but a plain path
 * (a scheme, a host, `//`) is ignored, so it cannot redirect elsewhere.
 */
function forwardedPrefix(req: IncomingMessage): string {
  const p = req.headers['x-forwarded-prefix']
  if (typeof p !== 'string' || !p.startsWith('/') || p.startsWith('//') || /[\\\s]/.test(p)) return ''
  return p.endsWith('/') ? p.slice(0, -1) : p
}

/** Answers reply on res (no body for HEAD). */
export function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | number> = { 'Content-Type': reply.type, 'Content-Length': Buffer.byteLength(reply.body), ...reply.headers }
  res.writeHead(reply.status, headers)
  res.end(req.method === 'HEAD' ? undefined : reply.body)
}

export interface ApiHandler {
  handle(req: IncomingMessage, res: ServerResponse): void
  close(): void
}

/** The request handler of the traefik entrypoint (or of api@internal): what serves says, nothing more. */
export function apiHandler(opts: Omit<ApiOptions, 'host' | 'port'>): ApiHandler {
  const { state, metrics, log } = opts
  const sc = state.staticConfig
  const { api, dashboard, ping, metrics: prometheus } = opts.serves
  const events = new LiveEvents(state, metrics)

  const list = <T>(items: T[], query: URLSearchParams, show: (item: T) => unknown): Reply => {
    const page = paginate(items, query)
    return json(page.items.map(show), 200, { [NEXT_PAGE_HEADER]: String(page.nextPage) })
  }

  const route = (path: string, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Reply | undefined => {
    if (path === '/ping' && ping) return pingReply(sc, opts.stopping?.() === true)
    if (path === '/metrics' && prometheus && metrics) return metricsReply(metrics, state)
    if (dashboard) {
      if (path === '/') return redirect(`${forwardedPrefix(req)}/dashboard/`)
      if (path === '/dashboard') return redirect(`${forwardedPrefix(req)}/dashboard/`, 301)
      if (path.startsWith('/dashboard/')) return assetReply(path.slice('/dashboard/'.length))
    }
    if (!api || !path.startsWith('/api/')) return notFound()
    const parts = path.slice('/api/'.length).split('/').map(decodeURIComponent)
    const [a, b, c] = parts
    const c1 = criterion(query)
    switch (parts.length === 1 ? a : parts.length === 2 ? `${a}/${b}` : `${a}/${b}/*`) {
      case 'version':
        return json(version(state))
      case 'overview':
        return json(overview(state))
      case 'rawdata':
        return json(rawData(state))
      case 'entrypoints':
        return list(Object.entries(sc.entryPoints).sort(([x], [y]) => (x < y ? -1 : 1)), query, ([n, ep]) => entryPointRepresentation(n, ep, sc.lifecycle.graceTimeOutMs))
      case 'http/routers':
        return list(sortedValues(state.routers).filter((r) => routerMatches(c1, r)), query, routerRepresentation)
      case 'http/services':
        return list(sortedValues(state.services).filter((s) => serviceMatches(c1, s)), query, serviceRepresentation)
      case 'tcp/routers':
        return list(sortedValues(state.tcpRouters).filter((r) => routerMatches(c1, r)), query, streamRouterRepresentation)
      case 'udp/routers':
        return list(sortedValues(state.udpRouters).filter((r) => routerMatches(c1, r)), query, streamRouterRepresentation)
      case 'http/middlewares':
        return list(sortedValues(state.middlewares).filter((m) => middlewareMatches(c1, m)), query, middlewareRepresentation)
      case 'tcp/services':
        return list(sortedValues(state.tcpServices).filter((s) => serviceMatches(c1, s)), query, streamServiceRepresentation)
      case 'udp/services':
        return list(sortedValues(state.udpServices).filter((s) => serviceMatches(c1, s)), query, streamServiceRepresentation)
      case 'tcp/middlewares':
        return list([], query, (x) => x)
      case 'pier/latency':
        if (!metrics) return notFound()
        return query.get('format') === 'hgrm' ? { status: 200, type: 'text/plain; charset=utf-8', body: latencyHgrm(metrics, query) } : json(latencyReport(metrics))
      case 'pier/events':
        events.add(res)
        return undefined
    }
    if (parts.length === 2 && a === 'entrypoints') {
      const ep = sc.entryPoints[b]
      return ep ? json(entryPointRepresentation(b, ep, sc.lifecycle.graceTimeOutMs)) : apiError(404, 'ENTRYPOINT_NOT_FOUND', `entry point not found: ${b}`)
    }
    if (parts.length === 3 && a === 'http' && b === 'routers') {
      const r = state.routers[c]
      return r ? json(routerRepresentation(r)) : apiError(404, 'ROUTER_NOT_FOUND', `router not found: ${c}`)
    }
    if (parts.length === 3 && a === 'http' && b === 'services') {
      const s = state.services[c]
      return s ? json(serviceRepresentation(s)) : apiError(404, 'SERVICE_NOT_FOUND', `service not found: ${c}`)
    }
    if (parts.length === 3 && a === 'http' && b === 'middlewares') {
      const m = state.middlewares[c]
      return m ? json(middlewareRepresentation(m)) : apiError(404, 'MIDDLEWARE_NOT_FOUND', `middleware not found: ${c}`)
    }
    if (parts.length === 3 && (a === 'tcp' || a === 'udp') && b === 'routers') {
      const r = (a === 'tcp' ? state.tcpRouters : state.udpRouters)[c]
      return r ? json(streamRouterRepresentation(r)) : apiError(404, 'ROUTER_NOT_FOUND', `router not found: ${c}`)
    }
    if (parts.length === 3 && (a === 'tcp' || a === 'udp') && b === 'services') {
      const s = (a === 'tcp' ? state.tcpServices : state.udpServices)[c]
      return s ? json(streamServiceRepresentation(s)) : apiError(404, 'SERVICE_NOT_FOUND', `service not found: ${c}`)
    }
    if (parts.length === 3 && (a === 'http' || a === 'tcp' || a === 'udp')) return apiError(404, 'NOT_FOUND', `${b.replace(/s$/, '')} not found: ${c}`)
    return notFound()
  }

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    let reply: Reply | undefined
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        reply = methodNotAllowed()
      } else {
        const url = new URL(req.url ?? '/', 'http://pier')
        reply = route(url.pathname, url.searchParams, req, res)
      }
    } catch (err) {
      if (err instanceof QueryError) reply = apiError(400, err.code, err.message)
      else if (err instanceof NotFoundError) reply = apiError(404, err.code, err.message)
      else if (err instanceof URIError) reply = apiError(400, 'API_BAD_PATH', `invalid request: bad percent-encoding in ${JSON.stringify(req.url)}`)
      else {
        log.error('api request failed', { path: req.url, error: String(err) })
        reply = apiError(500, 'API_INTERNAL', 'internal error')
      }
    }
    if (reply !== undefined) send(req, res, reply) // else a live stream took the response
  }
  return { handle, close: () => events.close() }
}

/** Listens on a port, or (a string) a Unix socket path; the error names the address. */
export function listen(server: Server, at: { host: string; port: number } | string): Promise<void> {
  const where = typeof at === 'string' ? `internal service cannot listen on ${at}` : `API entrypoint cannot listen on ${at.host || '*'}:${at.port}`
  return new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(Object.assign(new Error(`${where}: ${err.message}`), { code: 'API_LISTEN_FAILED', cause: err })))
    if (typeof at === 'string') server.listen(at, () => resolve())
    else server.listen(at.port, at.host || undefined, () => resolve())
  })
}

/** Closes server and every connection it has. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

export async function startApi(opts: ApiOptions): Promise<ApiServer> {
  const { log } = opts
  const { api, dashboard, ping, metrics: prometheus } = opts.serves
  const handler = apiHandler(opts)
  const server = createServer(handler.handle)
  await listen(server, opts)
  const port = (server.address() as AddressInfo).port
  log.info('API listening', { address: `${opts.host}:${port}`, api, dashboard, ping, prometheus })
  return {
    port,
    close: () => {
      handler.close()
      return closeServer(server)
    },
  }
}

