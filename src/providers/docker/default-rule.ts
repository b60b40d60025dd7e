// Traefik's default-rule template: a Go template reduced to the forms people use,
// `{{ normalize .Name }}`, `{{ .Name }}`, `{{ index .Labels "key" }}` and
// `{{ normalize (index .Labels "key") }}`. Compiled once, run per container.

export class TemplateError extends Error {
  readonly code = 'DOCKER_DEFAULT_RULE_TEMPLATE'
}

export interface TemplateModel {
  Name: string
  Labels: Record<string, string>
}

export type RuleTemplate = (model: TemplateModel) => string

/** Traefik's provider.Normalize: runs of non-alphanumerics become one '-'. */
export function normalize(name: string): string {
  return name.split(/[^\p{L}\p{N}]+/u).filter((s) => s !== '').join('-')
}

const ACTION = /\{\{-?\s*(.*?)\s*-?\}\}/g

/** Compiles a template; throws TemplateError naming the action it cannot run. */
export function compileRuleTemplate(template: string): RuleTemplate {
  const pieces: (string | ((m: TemplateModel) => string))[] = []
  let last = 0
  for (const match of template.matchAll(ACTION)) {
    pieces.push(template.slice(last, match.index))
    pieces.push(compileAction(match[1]!, template))
    last = match.index! + match[0].length
  }
  const tail = template.slice(last)
  if (tail.includes('{{') || tail.includes('}}')) throw new TemplateError(`unbalanced braces in default rule template ${JSON.stringify(template)}`)
  pieces.push(tail)
  return (m) => {
    let s = ''
    for (const p of pieces) s += typeof p === 'string' ? p : p(m)
    return s
  }
}

function compileAction(action: string, template: string): (m: TemplateModel) => string {
  let expr = action.trim()
  let norm = false
  const n = /^normalize\s+(.*)$/.exec(expr)
  if (n) {
    norm = true
    expr = n[1]!.trim()
    if (expr.startsWith('(') && expr.endsWith(')')) expr = expr.slice(1, -1).trim()
  }
  let get: (m: TemplateModel) => string
  const index = /^index\s+\.Labels\s+"((?:[^"\\]|\\.)*)"$/.exec(expr)
  if (expr === '.Name') get = (m) => m.Name
  else if (index) {
    const key = JSON.parse(`"${index[1]}"`) as string
    get = (m) => m.Labels[key] ?? ''
  } else {
    throw new TemplateError(
      `cannot evaluate {{ ${action} }} in default rule template ${JSON.stringify(template)}; supported: {{ .Name }}, {{ normalize .Name }}, {{ index .Labels "key" }}, {{ normalize (index .Labels "key") }}`,
    )
  }
  return norm ? (m) => normalize(get(m)) : get
}
