// Tokenizer for Traefik's rule language: Go-style string literals (backtick
// raw strings, double-quoted strings with escapes), identifiers, && || ! ( ) ,
import { RuleError } from './errors.js'

export type TokenKind = 'ident' | 'string' | 'lparen' | 'rparen' | 'comma' | 'and' | 'or' | 'not' | 'end'

export interface Token {
  kind: TokenKind
  /** Source text of the token, for messages ('' at the end). */
  text: string
  /** String content after unquoting (identifiers: the name). */
  value: string
  pos: number
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"',
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57)
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13
}

export function tokenize(src: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const push = (kind: TokenKind, start: number, end: number, value: string): void => {
    tokens.push({ kind, text: src.slice(start, end), value, pos: start })
  }
  while (i < src.length) {
    const c = src.charCodeAt(i)
    if (isSpace(c)) { i++; continue }
    const start = i
    if (isIdentStart(c)) {
      while (i < src.length && isIdentPart(src.charCodeAt(i))) i++
      push('ident', start, i, src.slice(start, i))
      continue
    }
    switch (src[i]) {
      case '(': push('lparen', i, ++i, '('); continue
      case ')': push('rparen', i, ++i, ')'); continue
      case ',': push('comma', i, ++i, ','); continue
      case '!': push('not', i, ++i, '!'); continue
      case '&':
      case '|': {
        if (src[i + 1] !== src[i]) throw new RuleError('RULE_UNEXPECTED_TOKEN', `unexpected '${src[i]}'`, i, `did you mean '${src[i]}${src[i]}'?`)
        i += 2
        push(src[start] === '&' ? 'and' : 'or', start, i, src.slice(start, i))
        continue
      }
      case '`': {
        const close = src.indexOf('`', i + 1)
        if (close < 0) throw new RuleError('RULE_UNTERMINATED_STRING', 'unterminated string starting', i)
        i = close + 1
        // Go drops carriage returns inside raw strings.
        push('string', start, i, src.slice(start + 1, close).replace(/\r/g, ''))
        continue
      }
      case '"': {
        const [value, end] = readQuoted(src, i)
        i = end
        push('string', start, i, value)
        continue
      }
      case "'":
        throw new RuleError('RULE_UNEXPECTED_TOKEN', "unexpected \"'\"", i, 'strings take backticks or double quotes')
      default:
        throw new RuleError('RULE_UNEXPECTED_TOKEN', `unexpected '${String.fromCodePoint(src.codePointAt(i) ?? c)}'`, i)
    }
  }
  tokens.push({ kind: 'end', text: '', value: '', pos: src.length })
  return tokens
}

/** Reads a Go interpreted string literal starting at the quote; returns [value, index after the closing quote]. */
function readQuoted(src: string, open: number): [string, number] {
  let out = ''
  let i = open + 1
  for (;;) {
    if (i >= src.length || src[i] === '\n') throw new RuleError('RULE_UNTERMINATED_STRING', 'unterminated string starting', open)
    const ch = src[i]
    if (ch === '"') return [out, i + 1]
    if (ch !== '\\') { out += ch; i++; continue }
    const esc = src[i + 1]
    if (esc !== undefined && esc in SIMPLE_ESCAPES) { out += SIMPLE_ESCAPES[esc]; i += 2; continue }
    const hexLen = esc === 'x' ? 2 : esc === 'u' ? 4 : esc === 'U' ? 8 : 0
    if (hexLen > 0) {
      const digits = src.slice(i + 2, i + 2 + hexLen)
      const cp = /^[0-9a-fA-F]+$/.test(digits) && digits.length === hexLen ? parseInt(digits, 16) : NaN
      if (!(cp <= 0x10ffff)) throw new RuleError('RULE_BAD_ESCAPE', `invalid escape '\\${esc}${digits}' in string`, i)
      // \x is a byte in Go; for the ASCII range that is the same character.
      out += String.fromCodePoint(cp)
      i += 2 + hexLen
      continue
    }
    if (esc !== undefined && esc >= '0' && esc <= '7') {
      const digits = src.slice(i + 1, i + 4)
      if (!/^[0-7]{3}$/.test(digits)) throw new RuleError('RULE_BAD_ESCAPE', `invalid escape '\\${digits}' in string`, i, 'octal escapes take 3 digits')
      out += String.fromCharCode(parseInt(digits, 8))
      i += 4
      continue
    }
    throw new RuleError('RULE_BAD_ESCAPE', `invalid escape '\\${esc ?? ''}' in string`, i)
  }
}
