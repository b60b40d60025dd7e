// Which hosts a rule needs, so routers can be indexed by host and only the
// few routers for a request's host are tried.
import type { RuleNode } from './ast.js'
import { normalizeHost } from './host.js'

/**
 * If every request the rule matches must carry one of these hosts (the rule
 * is Host(...) AND-ed with anything), return them lower-cased without port;
 * else null. An empty list means the rule can match no host at all.
 */
export function indexHosts(node: RuleNode): string[] | null {
  switch (node.kind) {
    case 'matcher':
      return node.name === 'Host' ? [...new Set(node.args.map(normalizeHost))] : null
    case 'not':
      return null
    case 'and': {
      const left = indexHosts(node.left)
      const right = indexHosts(node.right)
      if (left === null) return right
      if (right === null) return left
      return left.filter((h) => right.includes(h))
    }
    case 'or': {
      const left = indexHosts(node.left)
      const right = indexHosts(node.right)
      if (left === null || right === null) return null
      return [...new Set([...left, ...right])]
    }
  }
}
