// A small whoami backend for the quick start (`make run` starts two): it
// answers every request with its name and what it received, as Traefik's
// whoami image does. Plain Node, nothing to install, so it runs wherever pier
// runs (armhf included).
//   node examples/whoami.mjs NAME [HOST:]PORT      e.g. node examples/whoami.mjs whoami-3 127.0.0.1:9003
import { createServer } from 'node:http'
import { hostname, networkInterfaces } from 'node:os'
import { fileURLToPath } from 'node:url'

/** An HTTP server answering as `name`; not yet listening. */
export function whoamiServer(name) {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const lines = [`Name: ${name}`, `Hostname: ${hostname()}`]
      for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) lines.push(`IP: ${a.address}`)
      lines.push(`RemoteAddr: ${req.socket.remoteAddress}:${req.socket.remotePort}`, `${req.method} ${req.url} HTTP/${req.httpVersion}`, `Host: ${req.headers.host ?? ''}`)
      // As Go writes a request: Host first, then the other headers by canonical name.
      const headers = []
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = canonical(req.rawHeaders[i])
        if (name !== 'Host') headers.push(`${name}: ${req.rawHeaders[i + 1]}`)
      }
      lines.push(...headers.sort())
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(lines.join('\n') + '\n')
    })
  })
  // Longer than pier's idle pool timeout, so pier closes idle connections first.
  server.keepAliveTimeout = 90_000
  return server
}

/** Go's canonical header name: x-forwarded-for -> X-Forwarded-For. */
function canonical(name) {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash, c) => dash + c.toUpperCase())
}

/** Listens on host:port; rejects with the listen error (EADDRINUSE...). */
export function listen(server, host, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/** Stops accepting and closes every connection, idle or not. */
export function close(server) {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [name, address] = process.argv.slice(2)
  const m = /^(?:(.*):)?(\d+)$/.exec(address ?? '')
  if (!name || !m) {
    console.error('usage: node examples/whoami.mjs NAME [HOST:]PORT')
    process.exit(2)
  }
  const host = (m[1] || '127.0.0.1').replace(/^\[|\]$/g, '')
  const server = whoamiServer(name)
  await listen(server, host, Number(m[2])).catch((err) => {
    console.error(`whoami ${name}: cannot listen on ${host}:${m[2]}: ${err.code ?? err.message}`)
    process.exit(1)
  })
  console.log(`whoami ${name} listening on http://${host}:${m[2]}/`)
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => close(server).then(() => process.exit(0)))
}
