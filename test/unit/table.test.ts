import t from 'tap'
import { compileTable } from '../../src/table/compile.js'
import { RouteTable } from '../../src/table/reader.js'
import type { DynamicConfig } from '../../src/config/dynamic.js'
import { compileRule, parseRule, type MatchRequest } from '../../src/rules/index.js'

function req(host: string, path = '/', method = 'GET', headers: Record<string, string> = {}): MatchRequest {
  return { host, path, query: '', method, header: (n) => headers[n] ?? '', clientIP: () => '127.0.0.1' }
}

const svc = (...urls: string[]) => ({ loadBalancer: { servers: urls.map((url) => ({ url })) } })

function table(config: DynamicConfig['http'], eps = ['web']): RouteTable {
  return new RouteTable(compileTable({ http: config }, eps, 7).buffer)
}

t.test('round trip: names, services, servers, weights and flags survive the buffer', async (t) => {
  const tb = table({
    routers: { a: { rule: 'Host(`a.example`)', service: 's' } },
    services: { s: { loadBalancer: { passHostHeader: false, servers: [{ url: 'http://127.0.0.1:9001', weight: 5 }, { url: 'http://[::1]:9002' }] } } },
  })
  t.equal(tb.version, 7)
  t.same(tb.routerNames, ['a'])
  t.same(tb.serviceNames, ['s'])
  t.same(tb.entryPoints, ['web'])
  t.equal(tb.serviceOf(0), 0)
  t.equal(tb.serverCountOf(0), 2)
  t.equal(tb.passHostHeader(0), false)
  t.same([tb.weight(0), tb.weight(1)], [5, 1])
  t.same([tb.port(0), tb.port(1)], [9001, 9002])
  t.same(tb.serverHosts, ['127.0.0.1', '::1'])
  t.same(tb.serverUrls, ['http://127.0.0.1:9001', 'http://[::1]:9002'])
})

t.test('host matching: case-insensitive, port and trailing dot ignored, several hosts', async (t) => {
  const tb = table({
    routers: {
      one: { rule: 'Host(`one.example`)', service: 's' },
      two: { rule: 'Host(`two.example`, `deux.example`)', service: 's' },
    },
    services: { s: svc('http://127.0.0.1:1') },
  })
  const one = tb.routerNames.indexOf('one')
  const two = tb.routerNames.indexOf('two')
  t.equal(tb.match(req('one.example'), 0), one)
  t.equal(tb.match(req('ONE.Example:8080'), 0), one)
  t.equal(tb.match(req('one.example.'), 0), one)
  t.equal(tb.match(req('deux.example'), 0), two)
  t.equal(tb.match(req('three.example'), 0), -1)
  t.equal(tb.match(req('one.example.org'), 0), -1)
  t.equal(tb.match(req(''), 0), -1)
})

t.test('priority: explicit first, else the longest rule; ties by name', async (t) => {
  const tb = table({
    routers: {
      short: { rule: 'Host(`a.example`)', service: 's' },
      long: { rule: 'Host(`a.example`) && PathPrefix(`/api`)', service: 's' },
      pinned: { rule: 'PathPrefix(`/`)', service: 's', priority: 1000 },
      catchall: { rule: 'PathPrefix(`/`)', service: 's', priority: 1 },
    },
    services: { s: svc('http://127.0.0.1:1') },
  })
  t.same(tb.routerNames, ['pinned', 'long', 'short', 'catchall'])
  t.equal(tb.routerNames[tb.match(req('a.example', '/api/x'), 0)], 'pinned')
  const noPin = table({
    routers: {
      short: { rule: 'Host(`a.example`)', service: 's' },
      long: { rule: 'Host(`a.example`) && PathPrefix(`/api`)', service: 's' },
      catchall: { rule: 'PathPrefix(`/`)', service: 's', priority: 1 },
    },
    services: { s: svc('http://127.0.0.1:1') },
  })
  const name = (host: string, path: string) => noPin.routerNames[noPin.match(req(host, path), 0)]
  t.equal(name('a.example', '/api/x'), 'long')
  t.equal(name('a.example', '/other'), 'short')
  t.equal(name('b.example', '/other'), 'catchall')
})

t.test('generic rules (no host index) and host rules merge in priority order', async (t) => {
  const tb = table({
    routers: {
      byMethod: { rule: 'Method(`POST`)', service: 's', priority: 50 },
      byHost: { rule: 'Host(`a.example`)', service: 's', priority: 10 },
      byHeader: { rule: 'Header(`X-Team`, `blue`)', service: 's', priority: 5 },
    },
    services: { s: svc('http://127.0.0.1:1') },
  })
  const name = (r: MatchRequest) => tb.routerNames[tb.match(r, 0)] ?? null
  t.equal(name(req('a.example', '/', 'POST')), 'byMethod')
  t.equal(name(req('a.example', '/', 'GET')), 'byHost')
  t.equal(name(req('b.example', '/', 'GET', { 'x-team': 'blue' })), 'byHeader')
  t.equal(name(req('b.example', '/', 'GET')), null)
})

t.test('entrypoints restrict routers', async (t) => {
  const tb = table(
    {
      routers: {
        internal: { rule: 'Host(`a.example`)', service: 's', entryPoints: ['admin'], priority: 100 },
        public: { rule: 'Host(`a.example`)', service: 's', entryPoints: ['web'] },
        everywhere: { rule: 'Host(`b.example`)', service: 's' },
      },
      services: { s: svc('http://127.0.0.1:1') },
    },
    ['web', 'admin'],
  )
  const name = (host: string, ep: number) => tb.routerNames[tb.match(req(host), ep)]
  t.equal(name('a.example', 0), 'public')
  t.equal(name('a.example', 1), 'internal')
  t.equal(name('b.example', 0), 'everywhere')
  t.equal(name('b.example', 1), 'everywhere')
})

t.test('a router with a bad rule, a missing service or unknown entrypoints is reported and left out; the rest work', async (t) => {
  const { buffer, report } = compileTable(
    {
      http: {
        routers: {
          good: { rule: 'Host(`a.example`)', service: 's' },
          badRule: { rule: 'Host(`a.example`', service: 's' },
          noService: { rule: 'Host(`b.example`)', service: 'missing' },
          noEntry: { rule: 'Host(`c.example`)', service: 's', entryPoints: ['nope'] },
          badServer: { rule: 'Host(`d.example`)', service: 'broken' },
        },
        services: { s: svc('http://127.0.0.1:1'), broken: svc('ftp://127.0.0.1:21') },
      },
    },
    ['web'],
    1,
  )
  t.same(Object.keys(report.routerErrors).sort(), ['badRule', 'badServer', 'noEntry', 'noService'])
  t.match(report.routerErrors.badRule![0], /invalid rule/)
  t.match(report.routerErrors.noService![0], /does not exist/)
  t.match(report.routerErrors.noEntry![0], /entryPoint "nope" doesn't exist/)
  t.match(report.serviceErrors.broken![0], /scheme ftp is not supported/)
  const tb = new RouteTable(buffer)
  t.same(tb.routerNames, ['good'])
  t.equal(tb.match(req('a.example'), 0), 0)
})

t.test('10,000 hosts all resolve to their own router', async (t) => {
  const routers: DynamicConfig['http']['routers'] = {}
  for (let i = 0; i < 10000; i++) routers[`r${i}`] = { rule: `Host(\`h${i}.example\`)`, service: 's' }
  const tb = table({ routers, services: { s: svc('http://127.0.0.1:1') } })
  let wrong = 0
  for (let i = 0; i < 10000; i++) if (tb.routerNames[tb.match(req(`H${i}.example:80`), 0)] !== `r${i}`) wrong++
  t.equal(wrong, 0)
  t.equal(tb.match(req('h10000.example'), 0), -1)
})

t.test('host lookup agrees with the Host matcher: case, ports, trailing dot, IPv6 literals, non-ASCII', async (t) => {
  const tb = table({
    routers: {
      name: { rule: 'Host(`app.example`)', service: 's' },
      api: { rule: 'Host(`app.example`) && PathPrefix(`/api`)', service: 's' },
      v6: { rule: 'Host(`::1`)', service: 's' },
      v4: { rule: 'Host(`127.0.0.1`)', service: 's' },
      k: { rule: 'Host(`k.example`)', service: 's' },
    },
    services: { s: svc('http://127.0.0.1:1') },
  })
  const name = (host: string, path = '/') => tb.routerNames[tb.match(req(host, path), 0)] ?? null
  for (const h of ['app.example', 'APP.EXAMPLE', 'App.Example:8080', 'app.example.', 'App.Example.:443']) {
    t.equal(name(h), 'name', h)
    t.equal(name(h, '/api/x'), 'api', `${h} /api/x`)
  }
  t.equal(name('[::1]'), 'v6')
  t.equal(name('[::1]:8080'), 'v6')
  t.equal(name('127.0.0.1:80'), 'v4')
  // A bare IPv6 address (several colons) is not host "::" plus a port, nor any other host.
  t.equal(name('::1'), null)
  t.equal(name('app.example:80:80'), null)
  t.equal(name('[::1'), null)
  // ASCII folding only: the Kelvin sign is not K, an accented letter not its base.
  t.equal(name('\u212A.example'), null)
  t.equal(name('\u00E1pp.example'), null)
  t.equal(name('app.exampl\u00C5'), null)
  // Units the hash folds together ('[' and '{') are still told apart.
  t.equal(name('{::1}'), null)
  t.equal(name('app.example..'), null)
  t.equal(name(':8080'), null)
  t.equal(name('.'), null)
  // Ports and colons in odd places: the index finds what the Host matcher accepts, and nothing else.
  const hostRule = { name: 'app.example', v6: '::1', v4: '127.0.0.1', k: 'k.example' } as Record<string, string>
  const odd = ['app.example:123456', 'app.example.:80', ':80', '.:80', 'app.example:80:80', 'x:app.example:80', 'app.example:8a0', 'APP.EXAMPLE:0', '127.0.0.1:1', '127.0.0.1', '1:80', '[::1]:80', '[::1]x:80', '[::1]:8a', 'app.example::80', 'k.example:99999']
  for (const h of odd) {
    const want = Object.keys(hostRule).find((r) => compileRule(parseRule(`Host(\`${hostRule[r]}\`)`))(req(h))) ?? null
    t.equal(name(h), want, `${h}: ${want}`)
  }
})

t.test('generic routers before, between and after a host\'s routers keep priority order', async (t) => {
  const tb = table({
    routers: {
      top: { rule: 'Method(`DELETE`)', service: 's', priority: 100 },
      hostHigh: { rule: 'Host(`a.example`) && Path(`/x`)', service: 's', priority: 90 },
      mid: { rule: 'Header(`X-Mid`, `1`)', service: 's', priority: 50 },
      hostLow: { rule: 'Host(`a.example`)', service: 's', priority: 10 },
      regexp: { rule: 'HostRegexp(`^.+\\.example$`)', service: 's', priority: 5 },
      last: { rule: 'PathPrefix(`/`)', service: 's', priority: 1 },
    },
    services: { s: svc('http://127.0.0.1:1') },
  })
  const name = (host: string, path = '/', method = 'GET', headers: Record<string, string> = {}) => tb.routerNames[tb.match(req(host, path, method, headers), 0)] ?? null
  t.equal(name('A.example:1', '/x', 'DELETE'), 'top')
  t.equal(name('A.example:1', '/x'), 'hostHigh')
  t.equal(name('a.example', '/y', 'GET', { 'x-mid': '1' }), 'mid')
  t.equal(name('a.example', '/y'), 'hostLow')
  t.equal(name('B.Example:8080', '/y'), 'regexp')
  t.equal(name('b.org', '/y'), 'last')
})

t.test('a Host-only router answers straight from the host index only where no router ranks above it', async (t) => {
  const tb = table(
    {
      routers: {
        // On admin a generic router ranks above a.example's Host-only router; on web nothing does.
        adminAll: { rule: 'PathPrefix(`/`)', service: 's', entryPoints: ['admin'], priority: 100 },
        a: { rule: 'Host(`a.example`)', service: 's', priority: 50 },
        // b.example: a router with more conditions ranks above the Host-only one.
        bApi: { rule: 'Host(`b.example`) && PathPrefix(`/api`)', service: 's', priority: 50 },
        b: { rule: 'Host(`b.example`)', service: 's', priority: 40 },
        // c.example: its Host-only router serves web alone; a generic router below it catches the rest.
        c: { rule: 'Host(`c.example`) || Host(`c2.example`)', service: 's', entryPoints: ['web'], priority: 30 },
        catchAll: { rule: 'PathPrefix(`/`)', service: 's', priority: 1 },
      },
      services: { s: svc('http://127.0.0.1:1') },
    },
    ['web', 'admin'],
  )
  const name = (host: string, ep: number, path = '/') => tb.routerNames[tb.match(req(host, path), ep)] ?? null
  t.equal(name('a.example', 0), 'a')
  t.equal(name('A.example:80', 1), 'adminAll')
  t.equal(name('b.example', 0, '/api/x'), 'bApi')
  t.equal(name('b.example', 0, '/x'), 'b')
  t.equal(name('c2.example', 0), 'c')
  t.equal(name('c.example', 1), 'adminAll')
  t.equal(name('C.example', 0), 'c')
  t.equal(name('d.example', 0), 'catchAll')
})

t.test('routers found through the host index check the rest of their rule, Host conditions under OR included', async (t) => {
  const tb = table({
    routers: {
      pair: { rule: '(Host(`a.example`) && Path(`/x`)) || (Host(`b.example`) && Path(`/y`))', service: 's' },
      api: { rule: 'Host(`a.example`) && PathPrefix(`/api`) && Method(`GET`)', service: 's' },
      either: { rule: '(Host(`c.example`) || Host(`d.example`)) && Path(`/z`)', service: 's' },
      notOther: { rule: 'Host(`e.example`) && !Host(`f.example`) && Path(`/w`)', service: 's' },
    },
    services: { s: svc('http://127.0.0.1:1') },
  })
  const name = (host: string, path: string, method = 'GET') => tb.routerNames[tb.match(req(host, path, method), 0)] ?? null
  t.equal(name('a.example', '/x'), 'pair')
  t.equal(name('A.example:80', '/y'), null, 'a.example is paired with /x only')
  t.equal(name('b.example', '/y'), 'pair')
  t.equal(name('b.example', '/x'), null)
  t.equal(name('a.example', '/api/v1'), 'api')
  t.equal(name('a.example', '/api/v1', 'POST'), null)
  t.equal(name('D.example:80', '/z'), 'either')
  t.equal(name('c.example', '/q'), null)
  t.equal(name('e.example', '/w'), 'notOther')
  t.equal(name('e.example', '/v'), null)
})
