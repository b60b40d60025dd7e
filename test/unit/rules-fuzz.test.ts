// Seeded random checks, bounded in count: the parser only ever throws
// RuleError; printed trees parse back to themselves; ClientIP agrees with
// Node's net.BlockList; Query agrees with URLSearchParams.
import t from 'tap'
import { BlockList } from 'node:net'
import { compileRule, parseRule, RuleError, type MatchRequest, type RuleNode } from '../../src/rules/index.js'
import { rng } from '../helpers/rng.js'


const rand = rng(20261125)
const int = (n: number): number => Math.floor(rand() * n)
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!

function request(init: Partial<Omit<MatchRequest, 'header' | 'clientIP'>> & { ip?: string } = {}): MatchRequest {
  return {
    host: init.host ?? 'a.example',
    path: init.path ?? '/',
    query: init.query ?? '',
    method: init.method ?? 'GET',
    header: () => '',
    clientIP: () => init.ip ?? '127.0.0.1',
  }
}

function format(n: RuleNode): string {
  switch (n.kind) {
    case 'matcher': return `${n.name}(${n.args.map((a) => '`' + a + '`').join(', ')})`
    case 'not': return `!${format(n.expr)}`
    case 'and': return `(${format(n.left)} && ${format(n.right)})`
    case 'or': return `(${format(n.left)} || ${format(n.right)})`
  }
}

/** Drops positions, which formatting moves. */
function shape(n: RuleNode): unknown {
  switch (n.kind) {
    case 'matcher': return [n.name, n.args]
    case 'not': return ['!', shape(n.expr)]
    default: return [n.kind, shape(n.left), shape(n.right)]
  }
}

const leaves = [
  'Host(`a.example`)', 'Host(`a.example`, `b.example`)', 'Path(`/x`)', 'PathPrefix(`/api`)', 'Method(`POST`)',
  'Header(`X-A`, `1`)', 'HeaderRegexp(`X-A`, `^[0-9]+$`)', 'ClientIP(`10.0.0.0/8`)', 'Query(`k`, `v`)',
  'HostRegexp(`{sub:[a-z]+}.example.com`)', 'PathRegexp("^/a\\\\d+$")',
]

/** A random valid rule. */
function gen(depth = 0): string {
  const r = depth > 3 ? 0 : int(5)
  if (r <= 1) return pick(leaves)
  if (r === 2) return `!${gen(depth + 1)}`
  if (r === 3) return `(${gen(depth + 1)})`
  return `${gen(depth + 1)} ${pick(['&&', '||'])} ${gen(depth + 1)}`
}

/** Deletes, inserts or replaces a few characters. */
function mutate(rule: string): string {
  const chars = '()`"\\,&|! :/{}[]*+?aH0'
  let out = rule
  for (let m = 1 + int(3); m > 0; m--) {
    const at = int(out.length + 1)
    const op = int(3)
    out = out.slice(0, at) + (op === 0 ? '' : pick([...chars])) + out.slice(op === 1 ? at : at + 1)
  }
  return out
}

t.test('mutated rules: parse returns a tree or throws RuleError, never anything else', async (t) => {
  let parsed = 0
  for (let i = 0; i < 3000; i++) {
    const rule = mutate(gen())
    try {
      const node = parseRule(rule)
      parsed++
      t.type(compileRule(node)(request()), 'boolean')
    } catch (err) {
      if (!(err instanceof RuleError)) throw new Error(`${JSON.stringify(rule)} threw ${String(err)}`)
      t.ok(err.position >= 0 && err.position <= rule.length, `position in range for ${JSON.stringify(rule)}`)
    }
  }
  t.ok(parsed > 100 && parsed < 2900, `both outcomes exercised (${parsed} parsed)`)
})

t.test('printed trees parse back to the same tree', async (t) => {
  for (let i = 0; i < 300; i++) {
    const rule = gen()
    const tree = parseRule(rule)
    t.same(shape(parseRule(format(tree))), shape(tree), rule)
  }
})

const v4 = (): string => Array.from({ length: 4 }, () => int(256)).join('.')

function v6(): string {
  const groups = Array.from({ length: 8 }, () => (rand() < 0.3 ? 0 : int(65536)).toString(16))
  if (groups[0] === '0') groups[0] = '2001' // keep clear of the IPv4-mapped range
  const text = groups.join(':')
  // Sometimes compress the first run of zero groups, as most writers do.
  return rand() < 0.5 ? text.replace(/(^|:)0(:0)+(:|$)/, '::') : text
}

t.test('ClientIP agrees with net.BlockList (same family)', async (t) => {
  let hits = 0
  for (let i = 0; i < 1500; i++) {
    const six = rand() < 0.5
    const base = six ? v6() : v4()
    const bits = int(six ? 129 : 33)
    const client = rand() < 0.5 ? base : six ? v6() : v4()
    const list = new BlockList()
    list.addSubnet(base, bits, six ? 'ipv6' : 'ipv4')
    const want = list.check(client, six ? 'ipv6' : 'ipv4')
    const got = compileRule(parseRule(`ClientIP(\`${base}/${bits}\`)`))(request({ ip: client }))
    if (want) hits++
    t.equal(got, want, `${client} in ${base}/${bits}`)
  }
  t.ok(hits > 100, `both outcomes exercised (${hits} inside)`)
})

t.test('Query agrees with URLSearchParams', async (t) => {
  const keys = ['a', 'b', 'é', 'a b', 'k&']
  const values = ['1', '', 'x y', 'é', '=', '%']
  const encodeKey = (s: string): string => {
    const form = encodeURIComponent(s)
    return rand() < 0.5 ? form.replace(/%20/g, '+') : form
  }
  for (let i = 0; i < 1500; i++) {
    const pairs = Array.from({ length: int(4) }, () => {
      const k = encodeKey(pick(keys))
      return rand() < 0.2 ? k : `${k}=${encodeKey(pick(values))}`
    })
    const q = pairs.join('&')
    const key = pick(keys)
    const value = pick(values.filter((v) => v !== ''))
    const want = new URLSearchParams(q).getAll(key).includes(value)
    const got = compileRule(parseRule(`Query(\`${key}\`, \`${value}\`)`))(request({ query: q }))
    t.equal(got, want, `Query(${key}, ${value}) on ${q}`)
  }
})
