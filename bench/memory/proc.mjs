// What the memory benches share: their one route (mem.localhost to a
// backend), reading a pier process's RSS by kind, and whether it serves yet.
import { readFileSync, writeFileSync } from 'node:fs'
import { get } from 'node:http'

/** RSS of one process in MB: whole, anonymous and file-backed pages. */
export function rss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const mb = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)[1]) / 1024
  return { total: mb('VmRSS'), anon: mb('RssAnon'), file: mb('RssFile') }
}

/** The status of GET / for Host mem.localhost on port (0 if it failed). */
export function probe(port) {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/', headers: { host: 'mem.localhost' }, timeout: 5000 }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(0))
  })
}

/** The file-provider routes of the memory benches: mem.localhost to the backend. */
export function writeRoutes(path, backendPort) {
  writeFileSync(path, `http:
  routers:
    mem:
      rule: Host(\`mem.localhost\`)
      service: mem
  services:
    mem:
      loadBalancer:
        servers:
          - url: http://127.0.0.1:${backendPort}
`)
}
