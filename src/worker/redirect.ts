// The entrypoint redirection (http.redirections.entryPoint): every request
// that no router of higher priority takes is sent to the target scheme and
// port, as Traefik's generated redirect router and redirectScheme
// middleware do. A step of the request handler until middlewares exist.

export interface EntryPointRedirect {
  scheme: string
  /** Target port; the scheme's default port is left out of the Location */
  port: number
  permanent: boolean
  /** Routers of a higher priority on the entrypoint are served instead */
  priority: number
}

/** Traefik's codes: 301/302 for GET, 308/307 for other methods (which must not turn into a GET). */
export function redirectStatus(method: string, permanent: boolean): string {
  if (method === 'GET') return permanent ? '301 Moved Permanently' : '302 Found'
  return permanent ? '308 Permanent Redirect' : '307 Temporary Redirect'
}

/** The Location for a request to host (maybe with a port) and target (path and query). */
export function redirectLocation(r: EntryPointRedirect, host: string, target: string): string {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '')
  const defaultPort = (r.scheme === 'https' && r.port === 443) || (r.scheme === 'http' && r.port === 80)
  return `${r.scheme}://${name}${defaultPort ? '' : `:${r.port}`}${target}`
}
