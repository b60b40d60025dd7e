// The static configuration while it is being read: every key that was given,
// nothing defaulted yet. `on` is an explicit true/false for a section
// (`--api=false`); `touched` says some key inside it was set, which turns the
// section on as in Traefik.
import type { Level, Format } from '../log.js'
import type { EntryPoint } from './static.js'
import type { Origin } from './values.js'

interface Section {
  on?: boolean
  touched?: boolean
}

export interface Draft {
  /** lower-cased name -> entrypoint with the name as first spelled */
  entryPoints: Map<string, EntryPoint & { name: string }>
  /** lower-cased entrypoint name -> its http.middlewares, and where they were given */
  epMiddlewares: Map<string, { names: string[]; at: Origin }>
  workers?: number
  throttleMs?: number
  file: Section & { filename?: string; directory?: string; watch?: boolean }
  docker: Section & {
    /** a v1 spelling (--docker, --docker.*) was used */
    v1?: boolean
    endpoint?: string
    tls: { ca?: string; cert?: string; key?: string; insecureSkipVerify?: boolean }
    exposedByDefault?: boolean
    network?: string
    defaultRule?: string
    watch?: boolean
    constraints?: string
    allowEmptyServices?: boolean
    useBindPortIP?: boolean
    domain?: string
  }
  api: Section & { insecure?: boolean; dashboard?: boolean }
  ping?: boolean
  prometheus: Section & { buckets?: number[]; entryPoint?: string; entryPointAt?: Origin }
  accessLog: Section & { filePath?: string; format?: Format; bufferingSize?: number }
  log: { level?: Level; format?: Format }
  transport: { responseHeaderTimeoutMs?: number; dialTimeoutMs?: number; maxIdleConnsPerHost?: number }
  graceTimeOutMs?: number
}

export function emptyDraft(): Draft {
  return {
    entryPoints: new Map(),
    epMiddlewares: new Map(),
    file: {},
    docker: { tls: {} },
    api: {},
    prometheus: {},
    accessLog: {},
    log: {},
    transport: {},
  }
}
