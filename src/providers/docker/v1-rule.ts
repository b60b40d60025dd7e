// Traefik v1 frontend rules ("Host:a,b;PathPrefix:/x") in the v2 rule language.

export class V1RuleError extends Error {
  readonly code = 'DOCKER_V1_RULE'
}

/** A v1 path modifier as a v2 middleware body: [suffix, { type: options }]. */
export type V1Modifier = [suffix: string, body: Record<string, Record<string, unknown>>]

export interface V1Translation {
  rule: string
  /** Paths a v1 *Strip matcher asked to strip (the builder adds a stripPrefix middleware). */
  strip: string[]
  /** AddPrefix, ReplacePath and ReplacePathRegex, which v1 wrote in the rule: middlewares in v2. */
  modifiers?: V1Modifier[]
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
  headersregexp: 'HeaderRegexp',
  query: 'Query',
}

const SUPPORTED = 'Host, HostRegexp, Path, PathStrip, PathPrefix, PathPrefixStrip, Method, Headers, HeadersRegexp, Query, AddPrefix, ReplacePath, ReplacePathRegex'

/** The path modifiers: a middleware each, from the matcher's one value. */
function modifier(name: string, value: string, part: string): V1Modifier | undefined {
  switch (name) {
    case 'addprefix':
      return ['addprefix', { addPrefix: { prefix: value } }]
    case 'replacepath':
      return ['replacepath', { replacePath: { path: value } }]
    case 'replacepathregex': {
      // 1.7: the regex and the replacement, separated by a space
      const [regex, replacement, ...rest] = value.split(' ').filter((s) => s !== '')
      if (!regex || replacement === undefined || rest.length > 0) throw new V1RuleError(`ReplacePathRegex takes "<regex> <replacement>" in "${part}"`)
      return ['replacepathregex', { replacePathRegex: { regex, replacement } }]
    }
  }
  return undefined
}

/**
 * Translates a v1 rule: `;` separates matchers (all must match), `,` separates
 * alternatives within one. Host keeps its alternatives in one call
 * (Host(`a`,`b`)); others become an || group. A rule of path modifiers only
 * matches every request, as it did in 1.7. Throws V1RuleError naming the part.
 */
export function translateV1Rule(v1: string): V1Translation {
  const parts = v1.split(';').map((p) => p.trim()).filter((p) => p !== '')
  if (parts.length === 0) throw new V1RuleError('empty rule')
  const out: string[] = []
  const strip: string[] = []
  const modifiers: V1Modifier[] = []
  for (const part of parts) {
    const colon = part.indexOf(':')
    if (colon <= 0) throw new V1RuleError(`"${part}" is not Matcher:value`)
    const name = part.slice(0, colon).trim()
    const lower = name.toLowerCase()
    const raw = part.slice(colon + 1).trim()
    const m = raw === '' ? undefined : modifier(lower, raw, part)
    if (m) {
      modifiers.push(m)
      continue
    }
    const fn = MATCHERS[lower]
    if (!fn) throw new V1RuleError(`matcher "${name}" is not supported (supported: ${SUPPORTED})`)
    const values = raw.split(',').map((v) => v.trim())
    for (const v of values) {
      if (v === '') throw new V1RuleError(`empty value in "${part}"`)
      if (v.includes('`')) throw new V1RuleError(`backquote in value "${v}" of "${part}"`)
    }
    if (lower.endsWith('strip')) strip.push(...values)
    if (fn === 'Host') out.push(`Host(${values.map(quote).join(',')})`)
    else if (fn === 'Header' || fn === 'HeaderRegexp') {
      if (values.length !== 2) throw new V1RuleError(`${name} takes name,value in "${part}"`)
      out.push(`${fn}(${quote(values[0]!)},${quote(values[1]!)})`)
    } else if (fn === 'Query') {
      // every key=value (or bare key) must be present, as gorilla/mux's Queries wanted
      out.push(values.map((v) => (v.includes('=') ? `Query(${quote(v.slice(0, v.indexOf('=')))},${quote(v.slice(v.indexOf('=') + 1))})` : `Query(${quote(v)})`)).join(' && '))
    } else {
      const calls = values.map((v) => `${fn}(${quote(v)})`)
      out.push(calls.length === 1 || parts.length === 1 ? calls.join(' || ') : `(${calls.join(' || ')})`)
    }
  }
  const rule = out.length > 0 ? out.join(' && ') : 'PathPrefix(`/`)'
  return modifiers.length > 0 ? { rule, strip, modifiers } : { rule, strip }
}

function quote(v: string): string {
  return '`' + v + '`'
}
