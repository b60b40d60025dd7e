// Real HTTP backends on 127.0.0.1 for integration tests (node:http).
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http'
import { request as httpRequest, Agent } from 'node:http'

export interface Backend {
  port: number
  url: string
  server: Server
  /** Requests seen (method, url, headers). */
  seen: { method: string; url: string; headers: IncomingMessage['headers'] }[]
  close(): Promise<void>
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void

/** A backend answering `name` (or running handler), recording each request. */
export async function startBackend(name: string, handler?: Handler): Promise<Backend> {
  const seen: Backend['seen'] = []
  const server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers })
    if (handler) return handler(req, res)
    req.resume()
    req.on('end', () => res.end(name))
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    server,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

export interface Reply {
  status: number
  headers: IncomingMessage['headers']
  body: string
}

/** One request through node:http; agent lets a test pin one keep-alive connection. */
export function get(port: number, host: string, path = '/', opts: { method?: string; headers?: Record<string, string>; agent?: Agent; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host, ...opts.headers }, agent: opts.agent ?? false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(opts.body)
  })
}
