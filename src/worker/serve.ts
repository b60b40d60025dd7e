// The long-running piscina task of one worker thread: a uWS App per
// entrypoint on ports shared by every thread (SO_REUSEPORT), the current
// route table, and the upstream pools. Resolves once drained.
import uWS from 'uWebSockets.js'
import { hostname } from 'node:os'
import { createLogger } from '../log.js'
import { RouteTable } from '../table/reader.js'
import { SmoothWRR } from '../balancer/wrr.js'
import { Pools } from './pools.js'
import { createHandler, type Routing } from './handler.js'
import type { Exchange } from './exchange.js'
import type { ServeInput, ToWorker, FromWorker } from './messages.js'

export default async function serve(input: ServeInput): Promise<void> {
  const log = createLogger(input.log, { worker: input.id })
  const post = (m: FromWorker): void => input.port.postMessage(m)
  const pools = new Pools({ maxConnsPerServer: input.transport.maxConnsPerServer, dialTimeoutMs: input.transport.dialTimeoutMs })
  const wrr = new SmoothWRR()
  let routing: Routing
  const swap = (buffer: SharedArrayBuffer): void => {
    const t0 = performance.now()
    const table = new RouteTable(buffer)
    wrr.bind(table)
    routing = { table, wrr, pools: pools.bind(table) }
    log.debug('route table swapped', { version: table.version, routers: table.routerCount, services: table.serviceCount, servers: table.serverCount, ms: (performance.now() - t0).toFixed(2) })
    post({ type: 'swapped', id: input.id, version: table.version })
  }
  swap(input.table)

  let inflight = 0
  let draining: (() => void) | null = null
  const sink = {
    begin(): void {
      inflight++
    },
    done(_x: Exchange): void {
      inflight--
      if (inflight === 0 && draining) draining()
    },
  }
  const ctx = { routing: () => routing, sink, headersTimeoutMs: input.transport.responseHeaderTimeoutMs, serverName: hostname(), log }

  const sockets: uWS.us_listen_socket[] = []
  await Promise.all(
    input.entryPoints.map(
      (ep, i) =>
        new Promise<void>((resolve, reject) => {
          const app = uWS.App().any('/*', createHandler(ctx, i, ep.port))
          const cb = (ls: uWS.us_listen_socket | false): void => {
            if (!ls) return reject(new Error(`cannot listen on ${ep.host || '*'}:${ep.port} for entrypoint ${ep.name} (address in use or not permitted)`))
            sockets.push(ls)
            resolve()
          }
          if (ep.host) app.listen(ep.host, ep.port, cb)
          else app.listen(ep.port, cb)
        }),
    ),
  ).catch((err: Error) => {
    post({ type: 'failed', id: input.id, code: 'LISTEN_FAILED', message: err.message })
    throw err
  })
  post({ type: 'listening', id: input.id })

  return new Promise<void>((resolve) => {
    input.port.on('message', (m: ToWorker) => {
      if (m.type === 'table') swap(m.buffer)
      else if (m.type === 'drain') {
        for (const ls of sockets) uWS.us_listen_socket_close(ls)
        sockets.length = 0
        draining = () => {
          pools.destroy()
          post({ type: 'drained', id: input.id })
          input.port.close()
          resolve()
        }
        if (inflight === 0) draining()
      }
    })
  })
}
