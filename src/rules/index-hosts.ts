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

/** The rule is Host(...) alone, or Host(...) rules OR-ed: once the host index found its host, nothing is left to check. */
export function hostOnly(node: RuleNode): boolean {
  if (node.kind === 'matcher') return node.name === 'Host'
  if (node.kind === 'or') return hostOnly(node.left) && hostOnly(node.right)
  return false
}

/**
 * What an indexed rule (indexHosts not null) leaves to check once the host
 * index found the request's host among its hosts: the rule without the
 * host-only conditions AND-ed at its top, which each of those hosts meets.
 * null when nothing is left.
 */
export function beyondHosts(node: RuleNode): RuleNode | null {
  if (hostOnly(node)) return null
  if (node.kind !== 'and') return node
  const left = beyondHosts(node.left)
  const right = beyondHosts(node.right)
  if (left === null) return right
  if (right === null) return left
  return left === node.left && right === node.right ? node : { kind: 'and', left, right }
}
