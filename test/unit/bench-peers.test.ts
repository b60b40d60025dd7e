// The peer configurations bench/peers/render.mjs writes for every scenario
// are accepted by the real tools: nginx -t, haproxy -c, caddy validate.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
// @ts-expect-error: the harness is plain ESM JavaScript without type declarations
import { renderNginx, renderHaproxy, renderCaddy, renderRoutes, renderNodeProxy, fill } from '../../bench/peers/render.mjs'
// @ts-expect-error: as above
import { SCENARIOS, modelFor } from '../../bench/lib/scenarios.mjs'
// @ts-expect-error: as above
import { which } from '../../bench/lib/targets.mjs'

const dir = mkdtempSync(join(tmpdir(), 'bench-peers-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

function check(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir } })
  return { ok: r.status === 0, out: `${r.stdout}\n${r.stderr}` }
}

const models = SCENARIOS.map((s: { name: string; backends: number }) => ({
  name: s.name,
  model: modelFor(s, Array.from({ length: s.backends }, (_, i) => 20000 + i)),
}))

for (const tool of ['nginx', 'haproxy', 'caddy']) {
  t.test(`${tool} accepts every scenario's config`, { skip: which(tool) ? false : `${tool} is not installed (make bench installs it)` }, async (t) => {
    for (const { name, model } of models) {
      const d = join(dir, tool, name)
      spawnSync('mkdir', ['-p', d])
      let r
      if (tool === 'nginx') {
        const conf = join(d, 'nginx.conf')
        writeFileSync(conf, renderNginx(model, { port: 18080, workers: 2, dir: d, asRoot: process.getuid?.() === 0 }))
        r = check(which('nginx'), ['-t', '-q', '-e', join(d, 'err.log'), '-p', d, '-c', conf])
      } else if (tool === 'haproxy') {
        const mapFile = join(d, 'hosts.map')
        const { cfg, map } = renderHaproxy(model, { port: 18080, workers: 2, mapFile })
        writeFileSync(mapFile, map)
        writeFileSync(join(d, 'haproxy.cfg'), cfg)
        r = check(which('haproxy'), ['-c', '-f', join(d, 'haproxy.cfg')])
      } else {
        writeFileSync(join(d, 'Caddyfile'), renderCaddy(model, { port: 18080 }))
        r = check(which('caddy'), ['validate', '--config', join(d, 'Caddyfile'), '--adapter', 'caddyfile'])
      }
      t.ok(r.ok, `${tool} ${name}`, { output: r.out.slice(-2000) })
    }
  })
}

t.test('peer configs carry the scenario: workers, weights, keep-alive, every host', async (t) => {
  const wrr = models.find((m: { name: string }) => m.name === 'wrr-5').model
  const nginx = renderNginx(wrr, { port: 18080, workers: 3, dir, asRoot: false })
  t.match(nginx, /worker_processes 3;/)
  t.match(nginx, /server 127\.0\.0\.1:20004 weight=5;/)
  t.match(nginx, /keepalive 256;/)
  t.match(nginx, /proxy_http_version 1\.1;/)
  t.match(nginx, /access_log off;/)
  t.notMatch(nginx, /user root/)

  const { cfg } = renderHaproxy(wrr, { port: 18080, workers: 3, mapFile: '/x/hosts.map' })
  t.match(cfg, /nbthread 3/)
  t.match(cfg, /http-reuse always/)
  t.match(cfg, /server s4 127\.0\.0\.1:20004 weight 5/)

  // Caddy 2.6 has no weighted policy: weight w means w entries
  const caddy = renderCaddy(wrr, { port: 18080 })
  t.equal(caddy.split('127.0.0.1:20004').length - 1, 5)
  t.equal(caddy.split('127.0.0.1:20000').length - 1, 1)

  const hosts = models.find((m: { name: string }) => m.name === 'hosts-1000').model
  const { map } = renderHaproxy(hosts, { port: 18080, workers: 1, mapFile: '/x/hosts.map' })
  t.equal(map.trim().split('\n').length, 1000)
  t.match(map, /^h999\.bench svc4$/m)

  const routes = parse(renderRoutes(hosts))
  t.equal(Object.keys(routes.http.routers).length, 1000)
  t.equal(routes.http.routers.r7.rule, 'Host(`h7.bench`)')
  t.equal(routes.http.routers.r7.service, 'svc2')
  t.same(routes.http.services.svc2.loadBalancer.servers, [{ url: 'http://127.0.0.1:20002', weight: 1 }])

  const node = JSON.parse(renderNodeProxy(wrr, { port: 18080, workers: 2 }))
  t.equal(node.workers, 2)
  t.same(node.services[0].servers.map((s: { weight: number }) => s.weight), [1, 2, 3, 4, 5])
})

t.test('templates name what they are missing', async (t) => {
  t.throws(() => fill('a {{b}} c', {}), { code: 'ETEMPLATE', message: /\{\{b\}\}/ })
  t.equal(fill('a {{b}} c', { b: 2 }), 'a 2 c')
  // every template placeholder is documented by a comment block at its top
  for (const f of ['nginx.conf.tmpl', 'haproxy.cfg.tmpl', 'Caddyfile.tmpl']) {
    t.match(readFileSync(new URL(`../../bench/peers/${f}`, import.meta.url), 'utf8'), /^# .*\n# Choices/m, f)
  }
})

t.test('modelFor rejects a port count that does not fit the scenario', async (t) => {
  t.throws(() => modelFor(SCENARIOS.find((s) => s.name === 'wrr-5')!, [1, 2]), { code: 'EMODEL', message: /wrr-5 needs 5 backend ports, got 2/ })
})
