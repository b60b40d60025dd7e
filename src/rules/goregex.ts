// Go (RE2) regular expressions, as Traefik's HostRegexp, PathRegexp,
// HeaderRegexp and LabelRegex take them, translated to JavaScript RegExps.
// The two dialects agree on most syntax; what differs is rewritten here, and
// what JavaScript would silently read differently (or RE2 rejects) is refused.

/** Thrown for Go syntax we cannot translate; callers turn it into a RuleError. */
export class GoRegexError extends Error {}

export interface GoRegexOptions {
  /**
   * Host mode: match case-insensitively, and let an end anchor also accept a
   * trailing dot and a :port, so the raw Host header can be tested as is.
   */
  host?: boolean
}

// Lookarounds keep the anchor meanings of Go's \A and \z whatever the flags.
export const TEXT_START = '(?<![\\s\\S])'
export const TEXT_END = '(?![\\s\\S])'
export const HOST_END = '(?=\\.?(?::[0-9]+)?(?![\\s\\S]))'

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
}

/** Escapes a literal for use in a JavaScript regex source. */
export function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
}

/** Translates a Go regex body (no leading flag group) to JavaScript source. */
export function translateGoSource(src: string, opts: GoRegexOptions = {}): string {
  const end = opts.host ? HOST_END : TEXT_END
  let out = ''
  let inClass = false
  let i = 0
  while (i < src.length) {
    const c = src[i]!
    if (c === '\\') {
      const d = src[i + 1]
      if (d === undefined) throw new GoRegexError('trailing backslash')
      if (!inClass && (d === 'z' || d === 'A')) {
        out += d === 'z' ? end : TEXT_START
        i += 2
        continue
      }
      if (d === 'Q') {
        const close = src.indexOf('\\E', i + 2)
        const literal = src.slice(i + 2, close < 0 ? src.length : close)
        out += escapeLiteral(literal)
        i = close < 0 ? src.length : close + 2
        continue
      }
      if (d === 'x' && src[i + 2] === '{') {
        const close = src.indexOf('}', i + 3)
        const cp = close < 0 ? NaN : parseInt(src.slice(i + 3, close), 16)
        if (!(cp <= 0xffff)) throw new GoRegexError(`unsupported escape ${src.slice(i, close < 0 ? i + 3 : close + 1)}`)
        out += '\\u' + cp.toString(16).padStart(4, '0')
        i = close + 1
        continue
      }
      if (d >= '1' && d <= '9') throw new GoRegexError(`backreference \\${d} is not valid Go regexp syntax`)
      if (d === 'p' || d === 'P') throw new GoRegexError(`Unicode class \\${d} is not supported`)
      if (d === 'a') { out += '\\x07'; i += 2; continue }
      if (/[a-zA-Z]/.test(d) && !/[dDsSwWbBntrfvx]/.test(d)) throw new GoRegexError(`invalid escape \\${d}`)
      out += c + d
      i += 2
      continue
    }
    if (inClass) {
      if (c === '[' && src[i + 1] === ':') {
        const close = src.indexOf(':]', i + 2)
        const name = close < 0 ? '' : src.slice(i + 2, close)
        if (name.startsWith('^')) throw new GoRegexError(`negated POSIX class [:${name}:] is not supported`)
        const expansion = POSIX_CLASSES[name]
        if (expansion === undefined) throw new GoRegexError(`unknown POSIX class [:${name}:]`)
        out += expansion
        i = close + 2
        continue
      }
      if (c === ']') inClass = false
      out += c
      i++
      continue
    }
    if (c === '[') {
      inClass = true
      out += c
      i++
      if (src[i] === '^') { out += '^'; i++ }
      // A ']' first in a Go class is literal; in JavaScript '[]' is an empty class.
      if (src[i] === ']') { out += '\\]'; i++ }
      continue
    }
    if (c === '(' && src[i + 1] === '?') {
      const rest = src.slice(i + 2)
      if (rest.startsWith('P<')) { out += '(?<'; i += 4; continue }
      if (rest.startsWith(':')) { out += '(?:'; i += 3; continue }
      if (rest.startsWith('<') && !/^<[=!]/.test(rest)) { out += '(?<'; i += 3; continue }
      if (/^[imsU-]+[):]/.test(rest)) throw new GoRegexError('inline flags are only supported as a (?flags) prefix of the whole expression')
      throw new GoRegexError(`unsupported group (?${rest.slice(0, 2)}… (Go regexp has no lookaround)`)
    }
    if (c === '$') {
      out += end
      i++
      continue
    }
    out += c
    i++
  }
  if (inClass) throw new GoRegexError('missing closing ]')
  return out
}

/** Compiles a Go regex; throws GoRegexError or SyntaxError with the reason. */
export function goRegExp(src: string, opts: GoRegexOptions = {}): RegExp {
  let flags = opts.host ? 'i' : ''
  let body = src
  const prefix = /^\(\?([imsU]+)\)/.exec(src)
  if (prefix) {
    for (const f of prefix[1]!) {
      if (f === 'U') throw new GoRegexError('the ungreedy flag (?U) is not supported')
      if (!flags.includes(f)) flags += f
    }
    body = src.slice(prefix[0].length)
  }
  return new RegExp(translateGoSource(body, opts), flags)
}
