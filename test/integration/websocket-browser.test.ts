// Headless Chromium (Debian's) through the built pier: a page served by a
// backend opens a WebSocket and an EventSource to its own origin, both routed
// by pier to that backend, and reports what it got.
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { freePort } from '../helpers/net.js'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { startWsBackend, type WsBackend } from '../helpers/ws.js'
import { launchChromium, watchedPage } from '../helpers/browser.js'

const PAGE = `<!doctype html><meta charset="utf-8"><title>ws</title><pre id="out"></pre><script>
const out = (s) => (document.getElementById('out').textContent += s + '\\n')
const ws = new WebSocket('ws://' + location.host + '/ws', ['chat'])
ws.binaryType = 'arraybuffer'
ws.onopen = () => { out('open ' + ws.protocol); ws.send('hello from the browser'); ws.send(new Uint8Array([1, 2, 3]).buffer) }
ws.onmessage = (e) => {
  out(typeof e.data === 'string' ? 'text ' + e.data : 'binary ' + new Uint8Array(e.data).join(','))
  if (typeof e.data !== 'string') ws.close(4000, 'done')
}
ws.onclose = (e) => out('close ' + e.code + ' ' + e.reason)
const es = new EventSource('/events')
let n = 0
es.onmessage = (e) => { out('event ' + e.data); if (++n === 3) { es.close(); out('events done') } }
</script>`

let pier: PierProcess
let backend: WsBackend
let browser: Browser
let port: number

t.before(async () => {
  backend = await startWsBackend(
    (ws) => ws.on('message', (m, binary) => ws.send(binary ? m : `echo: ${m}`, { binary })),
    undefined,
    (req, res) => {
      if (req.url === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
        let i = 0
        const timer = setInterval(() => res.write(`data: tick ${i++}\n\n`), 50)
        req.on('close', () => clearInterval(timer))
        return
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(PAGE)
    },
  )
  port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'pier-wsb-'))
  const file = join(dir, 'routes.yml')
  writeFileSync(file, JSON.stringify({ http: { routers: { app: { rule: 'Host(`127.0.0.1`)', service: 'app' } }, services: { app: { loadBalancer: { servers: [{ url: backend.url }] } } } } }))
  pier = await startPier([`--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${file}`, '--workers=2'])
  browser = await launchChromium()
})

t.teardown(async () => {
  await browser?.close()
  await pier?.stop()
  await backend?.close()
})

t.test('a page opens a WebSocket and an EventSource through pier', async (t) => {
  const { page, problems } = await watchedPage(browser, 400)
  await page.goto(`http://127.0.0.1:${port}/`)
  await page.waitForFunction(() => /close 4000/.test(document.getElementById('out')!.textContent!) && /events done/.test(document.getElementById('out')!.textContent!), undefined, { timeout: 15000 })
  const lines = (await page.textContent('#out'))!.trim().split('\n')
  t.ok(lines.includes('open chat'), 'WebSocket open with the chosen subprotocol')
  t.ok(lines.includes('text echo: hello from the browser'), 'text message echoed')
  t.ok(lines.includes('binary 1,2,3'), 'binary message echoed')
  t.ok(lines.includes('close 4000 done'), 'closed with the code the page chose')
  t.same(lines.filter((l) => l.startsWith('event ')), ['event tick 0', 'event tick 1', 'event tick 2'], 'server-sent events arrive one by one')
  t.same(problems, [], 'no page errors')
  t.equal(backend.seen[0]!.headers['user-agent']?.includes('Chrome'), true, "the browser's handshake reached the backend")
  t.match(backend.seen[0]!.headers.origin, `http://127.0.0.1:${port}`, 'with its Origin')
})
