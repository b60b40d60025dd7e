// What the file provider reports about a dynamic configuration file: errors
// (the file set is refused, the last good configuration stays) and warnings
// (a Traefik key pier ignores). Each names the file and, where it applies,
// the router, service or middleware.

/** Stable codes for what went wrong. */
export const FileProblem = {
  /** The file or directory cannot be read. */
  READ: 'FILE_READ',
  /** YAML/TOML syntax, or a file type that is neither. */
  SYNTAX: 'FILE_SYNTAX',
  /** A key neither pier nor Traefik has (the message suggests the nearest). */
  UNKNOWN_KEY: 'FILE_UNKNOWN_KEY',
  /** A Traefik feature pier does not implement (warning when ignorable, else error). */
  UNSUPPORTED: 'FILE_UNSUPPORTED',
  /** A value of the wrong type or out of range. */
  BAD_VALUE: 'FILE_BAD_VALUE',
  /** A required key is absent. */
  MISSING: 'FILE_MISSING',
  /** A router's rule does not parse. */
  BAD_RULE: 'FILE_BAD_RULE',
  /** A router, service or middleware is defined in two files. */
  DUPLICATE: 'FILE_DUPLICATE',
  /** A router names a service that no file defines. */
  UNKNOWN_SERVICE: 'FILE_UNKNOWN_SERVICE',
} as const
export type FileProblemCode = (typeof FileProblem)[keyof typeof FileProblem]

export interface Problem {
  file: string
  /** Where the router or service is defined (YAML files) */
  line?: number
  router?: string
  service?: string
  middleware?: string
  serversTransport?: string
  code: FileProblemCode
  message: string
}

/** One line for logs and tests: `routes.yml line 4: router "whoami": bad rule ...`. */
export function formatProblem(p: Problem): string {
  const who =
    p.router !== undefined ? `router ${JSON.stringify(p.router)}: ` : p.service !== undefined ? `service ${JSON.stringify(p.service)}: ` : p.middleware !== undefined ? `middleware ${JSON.stringify(p.middleware)}: ` : p.serversTransport !== undefined ? `serversTransport ${JSON.stringify(p.serversTransport)}: ` : ''
  return `${p.file}${p.line !== undefined ? ` line ${p.line}` : ''}: ${who}${p.message}`
}
