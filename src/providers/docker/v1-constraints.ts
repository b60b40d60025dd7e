// Traefik 1.x provider constraints: `tag==api`, `tag!=us-*`, several joined
// by commas (a TOML list arrives joined the same way), over a container's
// `traefik.tags` label. Every constraint must hold; `==` asks that at least
// one tag match the glob, `!=` that none does. Globs have only `*`, as the
// glob library under Traefik 1.7 had.

export class V1ConstraintError extends Error {}

interface Constraint {
  mustMatch: boolean
  glob: RegExp
}

/** True when the expression is in v1 form (v2's Label(...) never starts with `tag`). */
export function isV1Constraints(expr: string): boolean {
  return /^\s*tag\s*(==|!=)/.test(expr)
}

export function compileV1Constraints(expr: string): (labels: Record<string, string>) => boolean {
  const list: Constraint[] = expr.split(',').map((one) => {
    const op = one.includes('==') ? '==' : one.includes('!=') ? '!=' : undefined
    if (!op) throw new V1ConstraintError(`constraint ${JSON.stringify(one)} has no == or != operator`)
    const [key, pattern] = [one.slice(0, one.indexOf(op)).trim(), one.slice(one.indexOf(op) + 2).trim()]
    if (key !== 'tag') throw new V1ConstraintError(`constraint ${JSON.stringify(one)} must be tag-based, such as tag==us-*`)
    const source = pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')
    return { mustMatch: op === '==', glob: new RegExp(`^${source}$`, 's') }
  })
  return (labels) => {
    const raw = Object.entries(labels).find(([k]) => k.toLowerCase() === 'traefik.tags')?.[1] ?? ''
    const tags = raw.split(',').map((t) => t.trim()).filter((t) => t !== '')
    return list.every((c) => tags.some((t) => c.glob.test(t)) === c.mustMatch)
  }
}
