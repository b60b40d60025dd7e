// What the file provider reports about a dynamic configuration file: errors
// (the file set is refused, the last good configuration stays) and warnings
// (a Traefik key pier ignores). Each names the file and, where it applies,
// the router or service.

export interface Problem {
  file: string
  router?: string
  service?: string
  message: string
}

/** One line for logs and tests: `routes.yml: router "whoami": bad rule ...`. */
export function formatProblem(p: Problem): string {
  const who = p.router !== undefined ? `router ${JSON.stringify(p.router)}: ` : p.service !== undefined ? `service ${JSON.stringify(p.service)}: ` : ''
  return `${p.file}: ${who}${p.message}`
}
