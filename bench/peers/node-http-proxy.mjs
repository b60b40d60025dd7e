// node-http-proxy peer for pier's benchmarks: node:cluster with one process
// per pier worker, each an http server in front of http-proxy.
// Choices, each for a fair fight with pier:
// - workers = pier's --workers (cluster processes).
// - an http.Agent with keepAlive and enough free sockets for every client
//   connection: backend connections are reused, as pier's pools reuse them.
// - smooth weighted round robin (nginx's algorithm, as pier uses) per service.
// - Host routing by a Map lookup; unknown hosts go to the first service.
// - no logging.
// Usage: node bench/peers/node-http-proxy.mjs CONFIG.json (from render.mjs renderNodeProxy)
import cluster from 'node:cluster'
import http from 'node:http'
import { readFileSync } from 'node:fs'
import httpProxy from 'http-proxy'

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'))

if (cluster.isPrimary) {
  let listening = 0
  for (let i = 0; i < config.workers; i++) cluster.fork()
  cluster.on('listening', () => {
    if (++listening === config.workers) console.log('node-http-proxy ready')
  })
  cluster.on('exit', (w, code) => {
    console.error(`node-http-proxy worker ${w.process.pid} exited (${code})`)
    process.exit(1)
  })
  process.on('SIGTERM', () => {
    cluster.removeAllListeners('exit')
    for (const w of Object.values(cluster.workers)) w.kill()
    process.exit(0)
  })
} else {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 1024 })
  const proxy = httpProxy.createProxyServer({ agent, xfwd: false })
  proxy.on('error', (err, _req, res) => {
    if (!res.headersSent) res.writeHead(502)
    res.end(`bad gateway: ${err.code ?? err.message}\n`)
  })

  // Smooth WRR: each pick adds every weight to its current value, takes the
  // largest, and subtracts the total from it.
  const pickers = new Map()
  for (const s of config.services) {
    const servers = s.servers.map((v) => ({ target: `http://127.0.0.1:${v.port}`, weight: v.weight, current: 0 }))
    const total = servers.reduce((n, v) => n + v.weight, 0)
    pickers.set(s.name, () => {
      let best = servers[0]
      for (const v of servers) {
        v.current += v.weight
        if (v.current > best.current) best = v
      }
      best.current -= total
      return best.target
    })
  }
  const byHost = new Map(config.hosts.map((h) => [h.host, pickers.get(h.service)]))
  const fallback = pickers.get(config.services[0].name)

  http
    .createServer((req, res) => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '')
      proxy.web(req, res, { target: (byHost.get(host) ?? fallback)() })
    })
    .listen(config.port, '127.0.0.1')
}
