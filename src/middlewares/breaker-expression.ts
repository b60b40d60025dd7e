// The circuit breaker's trip condition, in Traefik's (oxy's) language:
// NetworkErrorRatio(), ResponseCodeRatio(from, to, dividedFrom, dividedTo)
// and LatencyAtQuantileMS(quantile) compared with numbers (<, <=, >, >=,
// ==, !=), joined by && and ||, grouped by parentheses.
import { MiddlewareError } from './kind.js'

export interface BreakerMetrics {
  networkErrorRatio(): number
  responseCodeRatio(from: number, to: number, dFrom: number, dTo: number): number
  latencyAtQuantileMS(q: number): number
}

export type Condition = (m: BreakerMetrics) => boolean

type Token = { t: 'num'; v: number } | { t: 'id'; v: string } | { t: 'op'; v: string }

function tokens(src: string): Token[] {
  const out: Token[] = []
  const re = /\s*(?:(\d+(?:\.\d+)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|(&&|\|\||<=|>=|==|!=|[<>(),]))/y
  let m: RegExpExecArray | null
  while (re.lastIndex < src.length) {
    const at = re.lastIndex
    m = re.exec(src)
    if (m === null) {
      if (/^\s*$/.test(src.slice(at))) break
      throw new MiddlewareError(`expression ${JSON.stringify(src)}: unexpected ${JSON.stringify(src.slice(at).trim()[0])} at ${at}`)
    }
    if (m[1] !== undefined) out.push({ t: 'num', v: Number(m[1]) })
    else if (m[2] !== undefined) out.push({ t: 'id', v: m[2] })
    else out.push({ t: 'op', v: m[3]! })
  }
  return out
}

const ARITY: Record<string, number> = { NetworkErrorRatio: 0, ResponseCodeRatio: 4, LatencyAtQuantileMS: 1 }
const CMP: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
}

export function parseCondition(src: string): Condition {
  const ts = tokens(src)
  let i = 0
  const fail = (why: string): never => {
    throw new MiddlewareError(`expression ${JSON.stringify(src)}: ${why}`)
  }
  const peek = (): Token | undefined => ts[i]
  const op = (v: string): boolean => {
    const t = ts[i]
    if (t?.t === 'op' && t.v === v) {
      i++
      return true
    }
    return false
  }
  const call = (): ((m: BreakerMetrics) => number) => {
    const t = ts[i++]
    if (t?.t !== 'id' || !(t.v in ARITY)) return fail(`expected NetworkErrorRatio(), ResponseCodeRatio(...) or LatencyAtQuantileMS(...), not ${t ? JSON.stringify(t.v) : 'the end'}`)
    if (!op('(')) fail(`( expected after ${t.v}`)
    const args: number[] = []
    while (!op(')')) {
      if (args.length > 0 && !op(',')) fail(`, expected in ${t.v}(...)`)
      const a = ts[i++]
      if (a?.t !== 'num') fail(`${t.v} takes numbers`)
      args.push((a as { v: number }).v)
    }
    if (args.length !== ARITY[t.v]) fail(`${t.v} takes ${ARITY[t.v]} arguments, not ${args.length}`)
    if (t.v === 'NetworkErrorRatio') return (m) => m.networkErrorRatio()
    if (t.v === 'LatencyAtQuantileMS') {
      if (args[0]! <= 0 || args[0]! > 100) fail('LatencyAtQuantileMS takes a quantile above 0 and up to 100')
      return (m) => m.latencyAtQuantileMS(args[0]!)
    }
    const [a, b, c, d] = args as [number, number, number, number]
    if (a >= b || c >= d) fail('ResponseCodeRatio(from, to, dividedFrom, dividedTo) needs from < to and dividedFrom < dividedTo')
    return (m) => m.responseCodeRatio(a, b, c, d)
  }
  const comparison = (): Condition => {
    if (op('(')) {
      const inner = or()
      if (!op(')')) fail(') expected')
      return inner
    }
    const f = call()
    const o = ts[i++]
    if (o?.t !== 'op' || !(o.v in CMP)) return fail('a comparison (<, <=, >, >=, ==, !=) expected')
    const n = ts[i++]
    if (n?.t !== 'num') return fail('a number expected after the comparison')
    const cmp = CMP[o.v]!
    const v = (n as { v: number }).v
    return (m) => cmp(f(m), v)
  }
  const and = (): Condition => {
    let left = comparison()
    while (op('&&')) {
      const l = left
      const r = comparison()
      left = (m) => l(m) && r(m)
    }
    return left
  }
  const or = (): Condition => {
    let left = and()
    while (op('||')) {
      const l = left
      const r = and()
      left = (m) => l(m) || r(m)
    }
    return left
  }
  if (ts.length === 0) fail('empty')
  const cond = or()
  if (peek() !== undefined) fail(`unexpected ${JSON.stringify((peek() as { v: unknown }).v)}`)
  return cond
}
