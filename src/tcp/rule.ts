// Traefik's TCP rule language: HostSNI, HostSNIRegexp and ClientIP combined
// with && || ! and parentheses (the HTTP rules' grammar and errors). A
// connection is matched on the SNI of its ClientHello ('' for a plain TCP
// connection) and the client's address. HostSNI(`*`) matches any
// connection, TLS or not.
import type { RuleNode } from '../rules/ast.js'
import { compileExpression } from '../rules/compile.js'
import { parseExpression } from '../rules/parser.js'
import { RuleError } from '../rules/errors.js'
import { regexArg } from '../rules/regex-arg.js'
import { clientNets, ipInNets } from '../rules/ip.js'
import { atLeastOne, exactly, language, type MatcherSpec } from '../rules/spec.js'

export interface TcpConnInfo {
  /** Lower-cased server name of the ClientHello; '' when none (or not TLS). */
  sni: string
  clientIP: string
}

const hostSNI: MatcherSpec<TcpConnInfo> = {
  name: 'HostSNI',
  arity: atLeastOne,
  build(args, at) {
    if (args.includes('*')) {
      if (args.length > 1) throw new RuleError('RULE_BAD_ARG', 'HostSNI(`*`) takes no other name', at(0))
      return () => true
    }
    const names = args.map((a, i) => {
      if (!/^[a-zA-Z0-9._-]+$/.test(a)) throw new RuleError('RULE_BAD_ARG', `invalid server name '${a}' in HostSNI`, at(i))
      return a.toLowerCase().replace(/\.$/, '')
    })
    return (c) => names.includes(c.sni)
  },
}

const hostSNIRegexp: MatcherSpec<TcpConnInfo> = {
  name: 'HostSNIRegexp',
  arity: exactly(1),
  build(args, at) {
    const re = regexArg(args[0]!, 'HostSNIRegexp', at(0))
    return (c) => c.sni !== '' && re.test(c.sni)
  },
}

const clientIP: MatcherSpec<TcpConnInfo> = {
  name: 'ClientIP',
  arity: atLeastOne,
  build(args, at) {
    const nets = clientNets(args, at)
    return (c) => ipInNets(c.clientIP, nets)
  },
}

const tcpRules = language<TcpConnInfo>('rule', [hostSNI, hostSNIRegexp, clientIP])

export interface TcpRule {
  match: (c: TcpConnInfo) => boolean
  /** Reads the SNI: HostSNI with a name, or HostSNIRegexp (a TLS router then; a plain router may use only HostSNI(`*`) and ClientIP). */
  needsSni: boolean
}

/** Parses and compiles a TCP rule; throws RuleError naming what is wrong and where. */
export function compileTcpRule(rule: string): TcpRule {
  const node = parseExpression(rule, tcpRules)
  return { match: compileExpression(node, tcpRules), needsSni: readsSni(node) }
}

function readsSni(n: RuleNode): boolean {
  if (n.kind === 'matcher') return n.name === 'HostSNIRegexp' || (n.name === 'HostSNI' && !n.args.includes('*'))
  if (n.kind === 'not') return readsSni(n.expr)
  return readsSni(n.left) || readsSni(n.right)
}
