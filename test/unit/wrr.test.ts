import t from 'tap'
import { compileTable } from '../../src/table/compile.js'
import { RouteTable } from '../../src/table/reader.js'
import { SmoothWRR } from '../../src/balancer/wrr.js'
import type { Server } from '../../src/config/dynamic.js'

function tableOf(services: Record<string, Server[]>): RouteTable {
  const s = Object.fromEntries(Object.entries(services).map(([k, servers]) => [k, { loadBalancer: { servers } }]))
  return new RouteTable(compileTable({ http: { routers: {}, services: s } }, ['web'], 1).buffer)
}

const letters = (t: RouteTable, picks: number[]) => picks.map((v) => 'abcdefgh'[v - t.firstServer(0)]).join(' ')

t.test("weights 5,1,1 give nginx's smooth sequence a a b a c a a", async (t) => {
  const tb = tableOf({ s: [{ url: 'http://127.0.0.1:1', weight: 5 }, { url: 'http://127.0.0.1:2' }, { url: 'http://127.0.0.1:3' }] })
  const wrr = new SmoothWRR()
  wrr.bind(tb)
  const picks = Array.from({ length: 14 }, () => wrr.pick(0))
  t.equal(letters(tb, picks), 'a a b a c a a a a b a c a a')
})

t.test('equal weights alternate; weight 0 is never picked; all zero gives -1', async (t) => {
  const tb = tableOf({
    s: [{ url: 'http://127.0.0.1:1' }, { url: 'http://127.0.0.1:2', weight: 0 }, { url: 'http://127.0.0.1:3' }],
    z: [{ url: 'http://127.0.0.1:4', weight: 0 }],
    empty: [],
  })
  const wrr = new SmoothWRR()
  wrr.bind(tb)
  const s = tb.serviceNames.indexOf('s')
  t.same(Array.from({ length: 4 }, () => tb.serverUrls[wrr.pick(s)]), ['http://127.0.0.1:1', 'http://127.0.0.1:3', 'http://127.0.0.1:1', 'http://127.0.0.1:3'])
  t.equal(wrr.pick(tb.serviceNames.indexOf('z')), -1)
  t.equal(wrr.pick(tb.serviceNames.indexOf('empty')), -1)
})

t.test('the position survives a table swap for servers that stay', async (t) => {
  const a = { url: 'http://127.0.0.1:1', weight: 5 }
  const b = { url: 'http://127.0.0.1:2' }
  const c = { url: 'http://127.0.0.1:3' }
  const wrr = new SmoothWRR()
  const first = tableOf({ s: [a, b, c] })
  wrr.bind(first)
  const seq = [wrr.pick(0), wrr.pick(0), wrr.pick(0)].map((v) => first.serverUrls[v])
  // Same servers in another order, plus a service that sorts before it: indices all move.
  const second = tableOf({ s: [c, a, b], another: [{ url: 'http://127.0.0.1:9' }] })
  wrr.bind(second)
  const s = second.serviceNames.indexOf('s')
  for (let i = 0; i < 4; i++) seq.push(second.serverUrls[wrr.pick(s)]!)
  const name = { 'http://127.0.0.1:1': 'a', 'http://127.0.0.1:2': 'b', 'http://127.0.0.1:3': 'c' } as Record<string, string>
  t.equal(seq.map((u) => name[u!]).join(' '), 'a a b a c a a')
})
