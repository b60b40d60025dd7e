// Traefik v2 (gorilla/mux) templates: a host or path with {name} or
// {name:regex} variables, e.g. {sub:[a-z]+}.example.com, translated to one
// JavaScript regex source. Literal parts match literally.
import { GoRegexError, literalText, translateGoSource, type GoRegexOptions } from './goregex.js'

const VARIABLE = /\{[A-Za-z_][\w-]*[:}]/

/** True when the text uses mux variables rather than being a v3 regex or a literal. */
export function isTemplate(text: string): boolean {
  return VARIABLE.test(text)
}

/**
 * Regex source (unanchored) for a template. `defaultPattern` is what a bare
 * {name} matches: one host label ([^.]+) or one path segment ([^/]+).
 */
export function templateSource(tpl: string, defaultPattern: string, opts: GoRegexOptions = {}): string {
  let out = ''
  let level = 0
  let varStart = 0
  let literalStart = 0
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl[i]
    if (c === '{') {
      if (level++ === 0) {
        out += literalText(tpl.slice(literalStart, i), opts.host === true)
        varStart = i + 1
      }
    } else if (c === '}') {
      if (--level < 0) throw new GoRegexError(`unbalanced braces in template '${tpl}'`)
      if (level === 0) {
        const body = tpl.slice(varStart, i)
        const colon = body.indexOf(':')
        const pattern = colon < 0 ? '' : body.slice(colon + 1)
        if (colon === 0 || body === '') throw new GoRegexError(`missing variable name in template '${tpl}'`)
        out += `(?:${pattern === '' ? defaultPattern : translateGoSource(pattern, opts)})`
        literalStart = i + 1
      }
    }
  }
  if (level !== 0) throw new GoRegexError(`unbalanced braces in template '${tpl}'`)
  return out + literalText(tpl.slice(literalStart), opts.host === true)
}
