// Aggregator: dedupe by hash, per-provider throttle coalescing (newest wins),
// name@provider merging and service qualification.
import t from 'tap'
import { Aggregator, type ApplyInfo } from '../../src/primary/aggregator.js'
import { sameJson } from '../../src/primary/same-json.js'
import type { DynamicConfig } from '../../src/config/dynamic.js'
import type { Annotation } from '../../src/providers/annotation.js'
import { waitFor } from '../helpers/net.js'

/** A config with one router `name` -> service `name` with the given server ports. */
function cfg(name: string, ...ports: number[]): DynamicConfig {
  return {
    http: {
      routers: { [name]: { rule: `Host(\`${name}.localhost\`)`, service: name } },
      services: { [name]: { loadBalancer: { servers: ports.map((p) => ({ url: `http://127.0.0.1:${p}` })) } } },
    },
  }
}

function recorder(throttleMs: number) {
  const applied: Array<{ merged: DynamicConfig; info: ApplyInfo; annotations: Annotation[] }> = []
  const agg = new Aggregator({ throttleMs, onConfig: (merged, info, annotations) => applied.push({ merged, info, annotations }) })
  return { agg, applied }
}

const ports = (m: DynamicConfig, service: string): number[] => m.http.services[service]!.loadBalancer.servers.map((s) => Number(new URL(s.url).port))

t.test('the first update applies at once, synchronously', async (t) => {
  const { agg, applied } = recorder(1000)
  t.teardown(() => agg.close())
  agg.update('file', cfg('a', 1))
  t.equal(applied.length, 1)
  t.same(applied[0]!.info, { provider: 'file', routers: 1, services: 1, servers: 1, providers: 1 })
})

t.test('an identical config is skipped, whatever its key order', async (t) => {
  const { agg, applied } = recorder(0)
  t.teardown(() => agg.close())
  agg.update('file', cfg('a', 1))
  const reordered: DynamicConfig = { http: { services: { a: { loadBalancer: { servers: [{ url: 'http://127.0.0.1:1' }] } } }, routers: { a: { service: 'a', rule: 'Host(`a.localhost`)' } } } }
  agg.update('file', reordered)
  agg.update('file', cfg('a', 1))
  t.equal(applied.length, 1)
  agg.update('file', cfg('a', 2))
  t.equal(applied.length, 2, 'a changed config applies')
})

t.test('updates within the window coalesce; the newest wins when it ends', async (t) => {
  const { agg, applied } = recorder(60)
  t.teardown(() => agg.close())
  agg.update('docker', cfg('a', 1))
  for (let p = 2; p <= 10; p++) agg.update('docker', cfg('a', p))
  t.equal(applied.length, 1, 'nothing more before the window ends')
  await waitFor(() => applied.length === 2, 2000, 'the coalesced apply')
  t.same(ports(applied[1]!.merged, 'a@docker'), [10], 'the newest config was applied')
  // nothing else is pending: no third apply follows
  await new Promise((r) => setTimeout(r, 150))
  t.equal(applied.length, 2)
})

t.test('a provider that returns to the applied config within the window causes no apply', async (t) => {
  const { agg, applied } = recorder(40)
  t.teardown(() => agg.close())
  agg.update('docker', cfg('a', 1))
  agg.update('docker', cfg('a', 2))
  agg.update('docker', cfg('a', 1))
  await new Promise((r) => setTimeout(r, 120))
  t.equal(applied.length, 1)
})

t.test('throttling is per provider', async (t) => {
  const { agg, applied } = recorder(10_000)
  t.teardown(() => agg.close())
  agg.update('file', cfg('a', 1))
  agg.update('docker', cfg('b', 2))
  t.equal(applied.length, 2, 'each provider first update applies at once')
  t.same(applied[1]!.info, { provider: 'docker', routers: 2, services: 2, servers: 2, providers: 2 })
  agg.update('file', cfg('a', 3))
  t.equal(applied.length, 2, 'the second file update waits for its window')
})

t.test('close cancels pending updates', async (t) => {
  const { agg, applied } = recorder(30)
  agg.update('file', cfg('a', 1))
  agg.update('file', cfg('a', 2))
  agg.close()
  await new Promise((r) => setTimeout(r, 100))
  agg.update('file', cfg('a', 3))
  t.equal(applied.length, 1)
})

t.test('merge qualifies names with the provider', async (t) => {
  const { agg, applied } = recorder(0)
  t.teardown(() => agg.close())
  agg.update('file', {
    http: {
      routers: {
        local: { rule: 'Host(`l`)', service: 'svc', entryPoints: ['web'], priority: 5 },
        cross: { rule: 'Host(`c`)', service: 'whoami@docker' },
      },
      services: { svc: { loadBalancer: { servers: [{ url: 'http://127.0.0.1:1', weight: 2 }], passHostHeader: false } } },
    },
  })
  agg.update('docker', {
    http: {
      routers: { svc: { rule: 'Host(`d`)', service: 'whoami' } },
      services: { whoami: { loadBalancer: { servers: [{ url: 'http://10.0.0.2:80' }, { url: 'http://10.0.0.3:80' }] } } },
    },
  })
  const m = applied[1]!.merged
  t.same(m.http.routers, {
    'local@file': { rule: 'Host(`l`)', service: 'svc@file', entryPoints: ['web'], priority: 5 },
    'cross@file': { rule: 'Host(`c`)', service: 'whoami@docker' },
    'svc@docker': { rule: 'Host(`d`)', service: 'whoami@docker' },
  })
  t.same(Object.keys(m.http.services).sort(), ['svc@file', 'whoami@docker'])
  t.same(m.http.services['svc@file'], { loadBalancer: { servers: [{ url: 'http://127.0.0.1:1', weight: 2 }], passHostHeader: false } })
  t.same(applied[1]!.info, { provider: 'docker', routers: 3, services: 2, servers: 3, providers: 2 })
})

t.test('a provider emptying its config removes its names from the merge', async (t) => {
  const { agg, applied } = recorder(0)
  t.teardown(() => agg.close())
  agg.update('file', cfg('a', 1))
  agg.update('docker', cfg('b', 2))
  agg.update('docker', { http: { routers: {}, services: {} } })
  t.same(Object.keys(applied[2]!.merged.http.routers), ['a@file'])
})

t.test('annotations travel with their provider config, qualified; a change in them alone applies', async (t) => {
  const { agg, applied } = recorder(0)
  t.teardown(() => agg.close())
  const dropped: Annotation = { kind: 'router', name: 'r', drop: true, message: 'conflict' }
  agg.update('file', cfg('a', 1))
  agg.update('docker', cfg('b', 2), [dropped])
  t.same(applied[1]!.annotations, [{ kind: 'router', name: 'r@docker', drop: true, message: 'conflict' }])
  agg.update('file', cfg('a', 3))
  t.same(applied[2]!.annotations, [{ kind: 'router', name: 'r@docker', drop: true, message: 'conflict' }], 'kept while another provider changes')
  agg.update('docker', cfg('b', 2), [dropped])
  t.equal(applied.length, 3, 'the same config and annotations are skipped')
  agg.update('docker', cfg('b', 2))
  t.equal(applied.length, 4, 'the same config without the annotation applies')
  t.same(applied[3]!.annotations, [])
})

t.test('bad options and provider names are refused', async (t) => {
  t.throws(() => new Aggregator({ throttleMs: -1, onConfig: () => {} }), /throttleMs/)
  const { agg } = recorder(0)
  t.throws(() => agg.update('a@b', cfg('a', 1)), /bad provider name/)
})

t.test('configurations compare as JSON: key order aside, undefined members dropped', async (t) => {
  t.ok(sameJson({ b: 1, a: [1, { d: undefined, c: 'x' }], e: null }, { a: [1, { c: 'x' }], e: null, b: 1 }))
  t.ok(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 }))
  t.notOk(sameJson([1, 2], [2, 1]), 'array order matters')
  t.notOk(sameJson({ a: 1 }, { a: 1, b: 2 }), 'a member more')
  t.notOk(sameJson({ a: 1, b: undefined }, { a: 1, c: 2 }), 'a defined member against an undefined one')
  t.notOk(sameJson({ a: '1' }, { a: 1 }), 'text is not a number')
  t.notOk(sameJson({ a: [] }, { a: {} }), 'a list is not a mapping')
  t.notOk(sameJson({ a: null }, { a: {} }))
  t.ok(sameJson([undefined], [null]), 'JSON writes undefined in a list as null')
})

t.test('configurations compare the same for any key insertion order, at every depth', async (t) => {
  const a = { http: { services: { s2: { loadBalancer: { servers: [{ weight: 1, url: 'u' }] } }, s1: {} }, routers: { '10': 1, '2': 2 } } }
  const b = { http: { routers: { '2': 2, '10': 1 }, services: { s1: {}, s2: { loadBalancer: { servers: [{ url: 'u', weight: 1 }] } } } } }
  t.ok(sameJson(a, b))
  const c = { http: { routers: { '2': 2, '10': 1 }, services: { s1: {}, s2: { loadBalancer: { servers: [{ url: 'u', weight: 2 }] } } } } }
  t.notOk(sameJson(a, c), 'one value deep down differs')
})
