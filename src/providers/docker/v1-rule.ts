// Traefik v1 frontend rules ("Host:a,b;PathPrefix:/x") in the v2 rule language.

export class V1RuleError extends Error {
  readonly code = 'DOCKER_V1_RULE'
}

export interface V1Translation {
  rule: string
  /** Paths a v1 *Strip matcher asked to strip (the builder disables such a router until pier strips). */
  strip: string[]
}

// v1 matcher -> v2 matcher; the *Strip forms match like their plain forms and are reported in `strip`.
const MATCHERS: Record<string, string> = {
  host: 'Host',
  hostregexp: 'HostRegexp',
  path: 'Path',
  pathstrip: 'Path',
  pathprefix: 'PathPrefix',
  pathprefixstrip: 'PathPrefix',
  method: 'Method',
  headers: 'Header',
}

/**
 * Translates a v1 rule: `;` separates matchers (all must match), `,` separates
 * alternatives within one. Host keeps its alternatives in one call
 * (Host(`a`,`b`)); others become an || group. Throws V1RuleError naming the part.
 */
export function translateV1Rule(v1: string): V1Translation {
  const parts = v1.split(';').map((p) => p.trim()).filter((p) => p !== '')
  if (parts.length === 0) throw new V1RuleError('empty rule')
  const out: string[] = []
  const strip: string[] = []
  for (const part of parts) {
    const colon = part.indexOf(':')
    if (colon <= 0) throw new V1RuleError(`"${part}" is not Matcher:value`)
    const name = part.slice(0, colon).trim()
    const fn = MATCHERS[name.toLowerCase()]
    if (!fn) throw new V1RuleError(`matcher "${name}" is not supported (supported: Host, HostRegexp, Path, PathStrip, PathPrefix, PathPrefixStrip, Method, Headers)`)
    const values = part.slice(colon + 1).split(',').map((v) => v.trim())
    for (const v of values) {
      if (v === '') throw new V1RuleError(`empty value in "${part}"`)
      if (v.includes('`')) throw new V1RuleError(`backquote in value "${v}" of "${part}"`)
    }
    if (name.toLowerCase().endsWith('strip')) strip.push(...values)
    if (fn === 'Host') out.push(`Host(${values.map(quote).join(',')})`)
    else if (fn === 'Header') {
      if (values.length !== 2) throw new V1RuleError(`Headers takes name,value in "${part}"`)
      out.push(`Header(${quote(values[0]!)},${quote(values[1]!)})`)
    } else {
      const calls = values.map((v) => `${fn}(${quote(v)})`)
      out.push(calls.length === 1 || parts.length === 1 ? calls.join(' || ') : `(${calls.join(' || ')})`)
    }
  }
  return { rule: out.join(' && '), strip }
}

function quote(v: string): string {
  return '`' + v + '`'
}
