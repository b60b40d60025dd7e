// The HTTP matchers of Traefik's rule language (v3 names, with the v2
// spellings and multi-argument forms users bring). Each builder validates its
// arguments at compile time and returns a predicate that allocates nothing.
import { RuleError } from './errors.js'
import { HOST_END, type GoRegexOptions } from './goregex.js'
import { hostEquals, hostLength, hostPartEquals, hostProblem, normalizeHost } from './host.js'
import { clientNets, ipInNets } from './ip.js'
import { queryEquals, queryMatches } from './query.js'
import { regexArg, regexError } from './regex-arg.js'
import type { MatchRequest } from './request.js'
import { atLeastOne, exactly, language, pairs, type ArgPosition, type MatcherSpec } from './spec.js'
import { isTemplate, templateSource } from './template.js'

type Pred = (r: MatchRequest) => boolean
type StringPred = (s: string) => boolean

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

function templateRegex(tpl: string, matcher: string, pos: number, defaultPattern: string, end: string, opts: GoRegexOptions): RegExp {
  try {
    return new RegExp(`^${templateSource(tpl, defaultPattern, opts)}${end}`)
  } catch (e) {
    throw regexError(e, tpl, matcher, pos)
  }
}

function asciiOnly(value: string, matcher: string, pos: number): void {
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 127) throw new RuleError('RULE_BAD_ARG', `non-ASCII characters are not allowed in ${matcher} '${value}'`, pos)
  }
}

/** One predicate per string argument, any of which may match. */
function anyOf(preds: StringPred[], field: (r: MatchRequest) => string): Pred {
  if (preds.length === 1) {
    const only = preds[0]!
    return (r) => only(field(r))
  }
  return (r) => {
    const value = field(r)
    for (let i = 0; i < preds.length; i++) if (preds[i]!(value)) return true
    return false
  }
}

/** All of several predicates (v2 multi-pair Headers, Query). */
function allOf(preds: Pred[]): Pred {
  if (preds.length === 1) return preds[0]!
  return (r) => {
    for (let i = 0; i < preds.length; i++) if (!preds[i]!(r)) return false
    return true
  }
}

const hostField = (r: MatchRequest): string => r.host
const pathField = (r: MatchRequest): string => r.path

const host: MatcherSpec<MatchRequest> = {
  name: 'Host',
  aliases: ['HostHeader'],
  arity: atLeastOne,
  build(args, at) {
    const hosts = args.map((h, i) => {
      const problem = hostProblem(h)
      if (problem) throw new RuleError('RULE_BAD_ARG', problem, at(i))
      return normalizeHost(h)
    })
    if (hosts.length === 1) {
      const only = hosts[0]!
      return (r) => hostEquals(r.host, only)
    }
    return (r) => {
      const header = r.host
      const length = hostLength(header)
      for (let i = 0; i < hosts.length; i++) if (hostPartEquals(header, length, hosts[i]!)) return true
      return false
    }
  },
}

const hostRegexp: MatcherSpec<MatchRequest> = {
  name: 'HostRegexp',
  arity: atLeastOne,
  build(args, at) {
    return anyOf(
      args.map((a, i) => {
        asciiOnly(a, 'HostRegexp', at(i))
        const re = isTemplate(a)
          ? templateRegex(a, 'HostRegexp', at(i), '[^.]+', HOST_END, { host: true })
          : regexArg(a, 'HostRegexp', at(i), { host: true })
        return (s: string) => re.test(s)
      }),
      hostField,
    )
  },
}

function pathArgs(args: string[], at: ArgPosition, matcher: string, prefix: boolean): StringPred[] {
  return args.map((p, i) => {
    if (!p.startsWith('/')) throw new RuleError('RULE_BAD_ARG', `${matcher} '${p}' does not start with '/'`, at(i))
    if (isTemplate(p)) {
      const re = templateRegex(p, matcher, at(i), '[^/]+', prefix ? '' : '$', {})
      return (s: string) => re.test(s)
    }
    return prefix ? (s: string) => s.startsWith(p) : (s: string) => s === p
  })
}

const path: MatcherSpec<MatchRequest> = {
  name: 'Path',
  arity: atLeastOne,
  build: (args, at) => anyOf(pathArgs(args, at, 'Path', false), pathField),
}

const pathPrefix: MatcherSpec<MatchRequest> = {
  name: 'PathPrefix',
  arity: atLeastOne,
  build: (args, at) => anyOf(pathArgs(args, at, 'PathPrefix', true), pathField),
}

const pathRegexp: MatcherSpec<MatchRequest> = {
  name: 'PathRegexp',
  arity: exactly(1),
  build(args, at) {
    const re = regexArg(args[0]!, 'PathRegexp', at(0))
    return (r) => re.test(r.path)
  },
}

const method: MatcherSpec<MatchRequest> = {
  name: 'Method',
  arity: atLeastOne,
  build(args, at) {
    const methods = args.map((m, i) => {
      if (!TOKEN.test(m)) throw new RuleError('RULE_BAD_ARG', `invalid HTTP method '${m}' in Method`, at(i))
      return m.toUpperCase()
    })
    if (methods.length === 1) {
      const only = methods[0]!
      return (r) => r.method === only
    }
    return (r) => methods.includes(r.method)
  },
}

function headerName(name: string, matcher: string, pos: number): string {
  if (!TOKEN.test(name)) throw new RuleError('RULE_BAD_ARG', `invalid header name '${name}' in ${matcher}`, pos)
  return name.toLowerCase()
}

const header: MatcherSpec<MatchRequest> = {
  name: 'Header',
  aliases: ['Headers'],
  arity: pairs,
  build(args, at) {
    const preds: Pred[] = []
    for (let i = 0; i < args.length; i += 2) {
      const name = headerName(args[i]!, 'Header', at(i))
      const value = args[i + 1]!
      preds.push((r) => r.header(name) === value)
    }
    return allOf(preds)
  },
}

const headerRegexp: MatcherSpec<MatchRequest> = {
  name: 'HeaderRegexp',
  aliases: ['HeadersRegexp'],
  arity: pairs,
  build(args, at) {
    const preds: Pred[] = []
    for (let i = 0; i < args.length; i += 2) {
      const name = headerName(args[i]!, 'HeaderRegexp', at(i))
      const re = regexArg(args[i + 1]!, 'HeaderRegexp', at(i + 1))
      preds.push((r) => re.test(r.header(name)))
    }
    return allOf(preds)
  },
}

/**
 * Query(`k`, `v`) and Query(`k`) (v3: value ''), or v2's Query(`k=v`, ...)
 * where every pair must be present.
 */
function queryPairs(args: string[]): Array<[string, string]> {
  if (args.length === 2 && !args[0]!.includes('=')) return [[args[0]!, args[1]!]]
  return args.map((a) => {
    const eq = a.indexOf('=')
    return eq < 0 ? [a, ''] : [a.slice(0, eq), a.slice(eq + 1)]
  })
}

const query: MatcherSpec<MatchRequest> = {
  name: 'Query',
  arity: (args) =>
    args.length === 1 || (args.length === 2 && !args[0]!.includes('=')) || (args.length > 1 && args.every((a) => a.includes('=')))
      ? null
      : '(`key`), (`key`, `value`) or one or more `key=value` arguments',
  build(args) {
    return allOf(
      queryPairs(args).map(([k, v]) => {
        const has = queryEquals(k, v)
        return (r: MatchRequest) => has(r.query)
      }),
    )
  },
}

const queryRegexp: MatcherSpec<MatchRequest> = {
  name: 'QueryRegexp',
  arity: (args) => (args.length === 1 || args.length === 2 ? null : '1 or 2 arguments'),
  build(args, at) {
    const test = args.length === 1 ? queryEquals(args[0]!, '') : queryMatches(args[0]!, regexArg(args[1]!, 'QueryRegexp', at(1)))
    return (r) => test(r.query)
  },
}

const clientIP: MatcherSpec<MatchRequest> = {
  name: 'ClientIP',
  arity: atLeastOne,
  build(args, at) {
    const nets = clientNets(args, at)
    return (r) => ipInNets(r.clientIP(), nets)
  },
}

export const httpRules = language<MatchRequest>('rule', [
  host, hostRegexp, path, pathPrefix, pathRegexp, method, header, headerRegexp, query, queryRegexp, clientIP,
])
