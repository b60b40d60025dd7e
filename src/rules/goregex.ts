// Go (RE2) regular expressions, as Traefik's HostRegexp, PathRegexp,
// HeaderRegexp and LabelRegex take them, translated to JavaScript RegExps.
// The two dialects agree on most syntax; what differs is rewritten here, and
// what JavaScript would silently read differently (or RE2 rejects) is refused.
//
// RE2 runs in linear time; JavaScript regexps backtrack, and a pattern like
// ^(a+)+$ from the configuration could then hang a worker on a crafted header.
// V8 can fall back to its linear engine after excessive backtracking, for
// regexps without lookarounds or backreferences, which RE2 syntax never has
// and this translation never adds (except under (?m), see below). The flag is
// process-wide and is set here, before any rule regexp exists, so every
// thread that compiles rules has it.
import { setFlagsFromString } from 'node:v8'

setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks')

/** Thrown for Go syntax we cannot translate; callers turn it into a RuleError. */
export class GoRegexError extends Error {}

export interface GoRegexOptions {
  /**
   * Host mode: match case-insensitively, and let an end anchor also accept a
   * trailing dot and a :port, so the raw Host header can be tested as is.
   */
  host?: boolean
  /** Match letters in either case (Go's (?i)). */
  fold?: boolean
  /** The m flag is on: ^ and $ mean line boundaries, so \A and \z need lookarounds. */
  multiline?: boolean
}

// Without the m flag, JavaScript's ^ and $ are Go's \A and \z; with it,
// lookarounds keep the text-boundary meaning. The host end consumes an
// optional trailing dot and :port instead of looking ahead, and case is folded
// by spelling out both cases ([aA]) rather than with the i flag: the linear
// engine takes neither lookarounds nor the i flag.
const TEXT_START_M = '(?<![\\s\\S])'
const TEXT_END_M = '(?![\\s\\S])'
export const HOST_END = '\\.?(?::[0-9]+)?$'

type Range = [lo: number, hi: number]

const POSIX_CLASSES: Record<string, Range[]> = {
  alnum: [[48, 57], [65, 90], [97, 122]],
  alpha: [[65, 90], [97, 122]],
  ascii: [[0, 127]],
  blank: [[9, 9], [32, 32]],
  cntrl: [[0, 31], [127, 127]],
  digit: [[48, 57]],
  graph: [[33, 126]],
  lower: [[97, 122]],
  print: [[32, 126]],
  punct: [[33, 47], [58, 64], [91, 96], [123, 126]],
  space: [[9, 13], [32, 32]],
  upper: [[65, 90]],
  word: [[48, 57], [65, 90], [97, 122], [95, 95]],
  xdigit: [[48, 57], [65, 70], [97, 102]],
}

const CONTROL_ESCAPES: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 }

/** Escapes a literal for use in a JavaScript regex source. */
function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
}

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122)

/** A literal character outside a class, both cases when folding. */
function literalChar(ch: string, fold: boolean): string {
  const c = ch.charCodeAt(0)
  if (fold && isLetter(c)) return `[${ch.toLowerCase()}${ch.toUpperCase()}]`
  return escapeLiteral(ch)
}

/** Literal text as regex source, letters in both cases when folding. */
export function literalText(text: string, fold: boolean): string {
  let out = ''
  for (const ch of text) out += literalChar(ch, fold)
  return out
}

function hex4(c: number): string {
  return '\\u' + c.toString(16).padStart(4, '0')
}

/** Parses \x{...} or \xHH at src[i] (the backslash); returns [code, next index]. */
function hexEscape(src: string, i: number): [number, number] {
  if (src[i + 2] === '{') {
    const close = src.indexOf('}', i + 3)
    const digits = close < 0 ? '' : src.slice(i + 3, close)
    const cp = /^[0-9a-fA-F]{1,6}$/.test(digits) ? parseInt(digits, 16) : NaN
    if (!(cp <= 0xffff)) throw new GoRegexError(`unsupported escape ${src.slice(i, close < 0 ? i + 3 : close + 1)}`)
    return [cp, close + 1]
  }
  const digits = src.slice(i + 2, i + 4)
  if (!/^[0-9a-fA-F]{2}$/.test(digits)) throw new GoRegexError(`invalid escape \\x${digits}`)
  return [parseInt(digits, 16), i + 4]
}

/** One class member at src[i]: a character code, or a class escape (\d, \w, ...) kept as is. */
function classAtom(src: string, i: number): [code: number, escape: string, next: number] {
  if (src[i] !== '\\') {
    const cp = src.codePointAt(i)!
    if (cp > 0xffff) throw new GoRegexError('characters outside the BMP are not supported in a class')
    return [cp, '', i + 1]
  }
  const d = src[i + 1]
  if (d === undefined) throw new GoRegexError('trailing backslash')
  if ('dDsSwW'.includes(d)) return [-1, '\\' + d, i + 2]
  if (d === 'x') {
    const [cp, next] = hexEscape(src, i)
    return [cp, '', next]
  }
  if (d in CONTROL_ESCAPES) return [CONTROL_ESCAPES[d]!, '', i + 2]
  if (d === 'p' || d === 'P') throw new GoRegexError(`Unicode class \\${d} is not supported`)
  if (/[0-9A-Za-z]/.test(d)) throw new GoRegexError(`invalid escape \\${d} in a class`)
  return [d.charCodeAt(0), '', i + 2]
}

function classChar(c: number): string {
  if (c < 32 || c > 126) return hex4(c)
  const ch = String.fromCharCode(c)
  return '\\]['.includes(ch) || ch === '^' || ch === '-' ? '\\' + ch : ch
}

/** A bracket class starting after its '['; returns [JavaScript class, next index]. */
function translateClass(src: string, start: number, fold: boolean): [string, number] {
  let i = start
  const negate = src[i] === '^'
  if (negate) i++
  const ranges: Range[] = []
  let escapes = ''
  // A ']' first in a Go class is literal.
  for (let first = true; ; first = false) {
    if (i >= src.length) throw new GoRegexError('missing closing ]')
    if (src[i] === ']' && !first) break
    if (src[i] === '[' && src[i + 1] === ':') {
      const close = src.indexOf(':]', i + 2)
      const name = close < 0 ? '' : src.slice(i + 2, close)
      if (name.startsWith('^')) throw new GoRegexError(`negated POSIX class [:${name}:] is not supported`)
      const members = POSIX_CLASSES[name]
      if (members === undefined) throw new GoRegexError(`unknown POSIX class [:${name}:]`)
      ranges.push(...members)
      i = close + 2
      continue
    }
    const [lo, escape, next] = classAtom(src, i)
    i = next
    if (escape) {
      escapes += escape
      continue
    }
    if (src[i] === '-' && i + 1 < src.length && src[i + 1] !== ']') {
      const [hi, hiEscape, after] = classAtom(src, i + 1)
      if (hiEscape || hi < lo) throw new GoRegexError(`invalid class range ${src.slice(start, after)}`)
      ranges.push([lo, hi])
      i = after
    } else {
      ranges.push([lo, lo])
    }
  }
  if (fold) {
    for (const [lo, hi] of [...ranges]) {
      const l = Math.max(lo, 97), h = Math.min(hi, 122)
      if (l <= h) ranges.push([l - 32, h - 32])
      const L = Math.max(lo, 65), H = Math.min(hi, 90)
      if (L <= H) ranges.push([L + 32, H + 32])
    }
  }
  const body = ranges.map(([lo, hi]) => (lo === hi ? classChar(lo) : `${classChar(lo)}-${classChar(hi)}`)).join('')
  return [`[${negate ? '^' : ''}${body}${escapes}]`, i + 1]
}

/** Translates a Go regex body (no leading flag group) to JavaScript source. */
export function translateGoSource(src: string, opts: GoRegexOptions = {}): string {
  const fold = opts.host === true || opts.fold === true
  const end = opts.host ? HOST_END : opts.multiline ? TEXT_END_M : '$'
  const start = opts.multiline ? TEXT_START_M : '^'
  let out = ''
  let i = 0
  while (i < src.length) {
    const c = src[i]!
    if (c === '\\') {
      const d = src[i + 1]
      if (d === undefined) throw new GoRegexError('trailing backslash')
      if (d === 'z' || d === 'A') {
        out += d === 'z' ? end : start
        i += 2
      } else if (d === 'Q') {
        const close = src.indexOf('\\E', i + 2)
        out += literalText(src.slice(i + 2, close < 0 ? src.length : close), fold)
        i = close < 0 ? src.length : close + 2
      } else if (d === 'x') {
        const [cp, next] = hexEscape(src, i)
        out += hex4(cp)
        i = next
      } else if (d in CONTROL_ESCAPES) {
        out += hex4(CONTROL_ESCAPES[d]!)
        i += 2
      } else if (d >= '1' && d <= '9') {
        throw new GoRegexError(`backreference \\${d} is not valid Go regexp syntax`)
      } else if (d === 'p' || d === 'P') {
        throw new GoRegexError(`Unicode class \\${d} is not supported`)
      } else if (/[0-9A-Za-z]/.test(d) && !'dDsSwWbB'.includes(d)) {
        throw new GoRegexError(`invalid escape \\${d}`)
      } else {
        out += c + d
        i += 2
      }
      continue
    }
    if (c === '[') {
      const [cls, next] = translateClass(src, i + 1, fold)
      out += cls
      i = next
      continue
    }
    if (c === '(' && src[i + 1] === '?') {
      const rest = src.slice(i + 2)
      const named = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest)
      if (named) {
        // The group name is copied as is (never case-folded).
        out += `(?<${named[1]}>`
        i += 2 + named[0].length
        continue
      }
      if (rest.startsWith(':')) { out += '(?:'; i += 3; continue }
      if (/^P?<[^=!]/.test(rest)) throw new GoRegexError(`invalid group name in (?${rest.slice(0, rest.indexOf('>') + 1 || 3)}`)
      if (/^[imsU-]+[):]/.test(rest)) throw new GoRegexError('inline flags are only supported as a (?flags) prefix of the whole expression')
      throw new GoRegexError(`unsupported group (?${rest.slice(0, 2)}… (Go regexp has no lookaround)`)
    }
    if (c === '$' && opts.host) {
      out += end
      i++
      continue
    }
    out += fold && isLetter(src.charCodeAt(i)) ? literalChar(c, true) : c
    i++
  }
  return out
}

/** Compiles a Go regex; throws GoRegexError or SyntaxError with the reason. */
export function goRegExp(src: string, opts: GoRegexOptions = {}): RegExp {
  let flags = ''
  let fold = opts.host === true
  let body = src
  const prefix = /^\(\?([imsU]+)\)/.exec(src)
  if (prefix) {
    for (const f of prefix[1]!) {
      if (f === 'U') throw new GoRegexError('the ungreedy flag (?U) is not supported')
      if (f === 'i') fold = true
      else if (!flags.includes(f)) flags += f
    }
    body = src.slice(prefix[0].length)
  }
  return new RegExp(translateGoSource(body, { ...opts, fold, multiline: flags.includes('m') }), flags)
}
