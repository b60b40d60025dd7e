// Go's regexp ReplaceAllString, which Traefik's regex middlewares use:
// every non-overlapping match is replaced by the template expanded Go's way.
// `$1` and `${1}` name group 1, `$name` and `${name}` a named group, `$$` is
// a dollar. A name is the longest run of letters, digits and `_`, so `$1x`
// means the (absent) group "1x" and expands to nothing; a reference to a
// group that does not exist or did not match expands to nothing; a `$`
// that starts no name is kept as it is.
import { goRegExp } from '../rules/goregex.js'

/** Compiles a Go regex for replacing (global); throws with the reason. */
export function goReplacer(src: string): RegExp {
  const re = goRegExp(src)
  return new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`)
}

const isNameChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95

function group(m: RegExpExecArray, name: string): string {
  if (/^\d+$/.test(name)) {
    // Go reads a number only without leading zeros; otherwise it is a (never present) name.
    if (name.length > 1 && name[0] === '0') return ''
    return m[Number(name)] ?? ''
  }
  return m.groups?.[name] ?? ''
}

/** The template expanded for one match. */
export function expand(template: string, m: RegExpExecArray): string {
  let out = ''
  let i = 0
  while (i < template.length) {
    const dollar = template.indexOf('$', i)
    if (dollar < 0) {
      out += template.slice(i)
      break
    }
    out += template.slice(i, dollar)
    i = dollar + 1
    if (template[i] === '$') {
      out += '$'
      i++
      continue
    }
    if (template[i] === '{') {
      const close = template.indexOf('}', i + 1)
      const name = close < 0 ? '' : template.slice(i + 1, close)
      if (name !== '' && [...name].every((ch) => isNameChar(ch.charCodeAt(0)))) {
        out += group(m, name)
        i = close + 1
      } else out += '$'
      continue
    }
    let j = i
    while (j < template.length && isNameChar(template.charCodeAt(j))) j++
    if (j === i) {
      out += '$'
      continue
    }
    out += group(m, template.slice(i, j))
    i = j
  }
  return out
}

/** Every match of re (global) in s replaced by the expanded template; empty matches next to a previous match are skipped, as in Go. */
export function replaceAll(re: RegExp, s: string, template: string): string {
  re.lastIndex = 0
  let out = ''
  let last = 0
  let prevEnd = -1
  for (;;) {
    const m = re.exec(s)
    if (m === null) break
    const start = m.index
    const end = start + m[0].length
    if (m[0].length === 0) {
      re.lastIndex = end + 1
      if (start === prevEnd) {
        if (re.lastIndex > s.length) break
        continue
      }
    }
    out += s.slice(last, start) + expand(template, m)
    last = end
    prevEnd = end
    if (re.lastIndex > s.length) break
  }
  return out + s.slice(last)
}

/** Whether re matches anywhere in s. */
export function matches(re: RegExp, s: string): boolean {
  re.lastIndex = 0
  const ok = re.test(s)
  re.lastIndex = 0
  return ok
}
