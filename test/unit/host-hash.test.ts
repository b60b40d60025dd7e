import t from 'tap'
import { choosePositions, hashHost, MAX_POSITIONS, WHOLE_KEY } from '../../src/table/hash.js'
import { compileTable } from '../../src/table/compile.js'
import { RouteTable } from '../../src/table/reader.js'

const unitsAt = (keys: string[], positions: number[]) =>
  keys.map((k) => [k.length, ...positions.map((p) => (p >= 0 ? p : k.length + p)).map((i) => (i >= 0 && i < k.length ? k.charCodeAt(i) | 0x20 : 0))].join(','))

t.test('the chosen positions tell keys apart, with few positions', async (t) => {
  const keys = Array.from({ length: 5000 }, (_, i) => `host${i}.example.com`)
  const p = choosePositions(keys)!
  t.ok(p.length > 0 && p.length <= MAX_POSITIONS, `positions ${p}`)
  t.equal(new Set(unitsAt(keys, p)).size, keys.length, 'every key has its own sample')
  t.same(choosePositions(['only.example']), [], 'one key: its length alone')
})

t.test('keys that differ only out of reach of both ends are hashed whole', async (t) => {
  const pad = 'x'.repeat(20)
  const keys = ['a', 'b', 'c', 'd'].map((m) => `${pad}${m}${pad}.example.com`)
  t.equal(choosePositions(keys), null)
})

t.test('hashHost folds case, and hashes only the host part it is given', async (t) => {
  const pos = new Int32Array([0, 2, -1])
  t.equal(hashHost('ExAmple', 7, pos, 0, 3), hashHost('example', 7, pos, 0, 3))
  t.equal(hashHost('example:80', 7, pos, 0, 3), hashHost('example', 7, pos, 0, 3))
  t.equal(hashHost('EXAMPLE', 7, pos, 0, WHOLE_KEY), hashHost('example', 7, pos, 0, WHOLE_KEY))
  t.not(hashHost('example', 7, pos, 0, WHOLE_KEY), hashHost('examplf', 7, pos, 0, WHOLE_KEY))
})

t.test('a whole-key table and a sampled table both find every host, and only those', async (t) => {
  const pad = 'y'.repeat(20)
  for (const hosts of [Array.from({ length: 300 }, (_, i) => `${pad}${i}${pad}.example.com`), Array.from({ length: 300 }, (_, i) => `app${i}.example.com`)]) {
    const routers = Object.fromEntries(hosts.map((h, i) => [`r${i}`, { rule: `Host(\`${h}\`)`, service: 's' }]))
    const tb = new RouteTable(compileTable({ http: { routers, services: { s: { loadBalancer: { servers: [{ url: 'http://127.0.0.1:1' }] } } } } }, ['web'], 1).buffer)
    const match = (host: string) => tb.match({ host, path: '/', query: '', method: 'GET', header: () => '', clientIP: () => '127.0.0.1' }, 0)
    let wrong = 0
    for (const h of hosts) {
      const want = tb.routerIndex(`r${hosts.indexOf(h)}`)
      for (const header of [h, h.toUpperCase(), `${h}:8443`, `${h}.`, `${h.toUpperCase()}.:80`]) if (match(header) !== want) wrong++
      // Same length, a digit and the last letter changed: not a key.
      if (match(h.replace(/\d/, (d) => String((Number(d) + 1) % 10)).replace(/.$/, 'n')) !== -1) wrong++
    }
    t.equal(wrong, 0, `${hosts[0]}...: every host found in every form, near misses not`)
  }
})

t.test('a header that hashes like a key but is not one never matches, however often it comes', async (t) => {
  const hosts = Array.from({ length: 300 }, (_, i) => `app${i}.example.com`)
  const positions = choosePositions(hosts)!
  const routers = Object.fromEntries(hosts.map((h, i) => [`r${i}`, { rule: `Host(\`${h}\`)`, service: 's' }]))
  const tb = new RouteTable(compileTable({ http: { routers, services: { s: { loadBalancer: { servers: [{ url: 'http://127.0.0.1:1' }] } } } } }, ['web'], 1).buffer)
  const match = (host: string) => tb.match({ host, path: '/', query: '', method: 'GET', header: () => '', clientIP: () => '127.0.0.1' }, 0)
  // A unit no position samples, changed: same length, same sample, same hash.
  const key = hosts[123]!
  const free = [...key].findIndex((_, i) => !positions.some((p) => (p >= 0 ? p : key.length + p) === i))
  const twin = `${key.slice(0, free)}${key[free] === 'x' ? 'y' : 'x'}${key.slice(free + 1)}`
  const pos = Int32Array.from(positions)
  t.equal(hashHost(twin, twin.length, pos, 0, pos.length), hashHost(key, key.length, pos, 0, pos.length), `${twin} hashes like ${key}`)
  const want = tb.routerIndex('r123')
  for (const header of [`${twin.toUpperCase()}:80`, twin, `${key.toUpperCase()}:80`, `${key}:443`]) {
    const found = header.toLowerCase().startsWith(key) ? want : -1
    for (let i = 0; i < 3; i++) t.equal(match(header), found, `${header}, time ${i + 1}`)
  }
})
