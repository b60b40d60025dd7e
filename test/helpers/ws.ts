// WebSocket plumbing for integration tests: `ws` backends on loopback and
// clients through pier, with promises for the events tests wait on.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import type { Handler } from './backends.js'

export interface WsBackend {
  port: number
  url: string
  wss: WebSocketServer
  server: Server
  /** Upgrade requests seen (url, headers). */
  seen: { url: string; headers: IncomingMessage['headers'] }[]
  close(): Promise<void>
}

/**
 * A ws server on 127.0.0.1. refuse(req) may answer an upgrade itself (a raw
 * HTTP response written to the socket) by returning true.
 */
export async function startWsBackend(
  onConnection: (ws: WebSocket, req: IncomingMessage, wss: WebSocketServer) => void,
  refuse?: (req: IncomingMessage, socket: Duplex) => boolean,
  http: Handler = (_req, res) => res.end('plain http'),
): Promise<WsBackend> {
  const seen: WsBackend['seen'] = []
  const server = createServer(http)
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (ps) => (ps.has('chat') ? 'chat' : false), maxPayload: 256 << 20 })
  wss.on('headers', (h) => h.push('Set-Cookie: sid=42; Path=/', 'X-Backend: yes'))
  server.on('upgrade', (req, socket, head) => {
    seen.push({ url: req.url!, headers: req.headers })
    if (refuse?.(req, socket)) return
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req, wss))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wss,
    server,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate()
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

export interface Client {
  ws: WebSocket
  /** Messages received so far. */
  messages: { data: Buffer; binary: boolean }[]
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>
  /** Resolves with the nth message (0-based). */
  nth(n: number, ms?: number): Promise<{ data: Buffer; binary: boolean }>
}

/** A ws client through pier at 127.0.0.1:port with the given Host; resolves once open, rejects with the HTTP answer if refused. */
export function connect(port: number, host: string, path: string, opts: { protocols?: string[]; headers?: Record<string, string> } = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, opts.protocols ?? [], { headers: { host, ...opts.headers }, maxPayload: 256 << 20 })
    const messages: Client['messages'] = []
    const waiters: Array<() => void> = []
    ws.on('message', (data: RawData, binary) => {
      messages.push({ data: Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]), binary })
      for (const w of waiters.splice(0)) w()
    })
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })))
    const nth = (n: number, ms = 10000): Promise<{ data: Buffer; binary: boolean }> =>
      new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`no message ${n} within ${ms} ms (have ${messages.length})`)), ms)
        const check = (): void => {
          if (messages.length > n) {
            clearTimeout(timer)
            res(messages[n]!)
          } else waiters.push(check)
        }
        check()
      })
    ws.once('open', () => resolve({ ws, messages, closed, nth }))
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d))
      res.on('end', () => reject(Object.assign(new Error(`refused with ${res.statusCode}`), { status: res.statusCode, headers: res.headers, body })))
    })
    ws.once('error', (err) => reject(err))
  })
}

/** Resolves when ws emits event once (with its arguments). */
export function once<T extends unknown[]>(ws: WebSocket, event: string): Promise<T> {
  return new Promise((r) => ws.once(event, (...args: unknown[]) => r(args as T)))
}
