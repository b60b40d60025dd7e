// The file provider's configuration from the text of every file it read:
// each file parsed and validated, then merged. The same router, service or
// middleware in two files is an error naming both; a router's service must exist in one of
// the files unless it names another provider (`name@docker`). Pure.
import type { DynamicConfig, TlsConfig } from '../../config/dynamic.js'
import { FileProblem, type Problem } from './problems.js'
import { parseText, type LineOf } from './syntax.js'
import { validateDynamic } from './validate.js'
import { isV1Dynamic, translateV1Dynamic } from './v1-dynamic.js'

export const PROVIDER_NAME = 'file'

export interface SourceFile {
  /** Path as shown in messages */
  file: string
  text: string
  /** A v1 traefik.toml read for its inline [frontends] and [backends]: its static sections are skipped. */
  static?: boolean
}

export interface Built {
  /** Present only when there are no errors */
  config?: DynamicConfig
  errors: Problem[]
  warnings: Problem[]
}

/** v1HealthInterval: [healthcheck] interval, for v1 backends whose healthCheck names none. */
export function buildFileConfig(sources: SourceFile[], opts: { v1HealthInterval?: string } = {}): Built {
  const errors: Problem[] = []
  const warnings: Problem[] = []
  const config: DynamicConfig = { http: { routers: {}, services: {} } }
  const routerFile = new Map<string, string>()
  const serviceFile = new Map<string, string>()
  const middlewareFile = new Map<string, string>()
  const lineOf = new Map<string, LineOf>()
  for (const { file, text, static: isStatic } of sources) {
    const parsed = parseText(file, text)
    if ('error' in parsed) {
      errors.push(parsed.error)
      continue
    }
    if (parsed.lineOf) lineOf.set(file, parsed.lineOf)
    const v1 = isStatic || isV1Dynamic(parsed.data) ? translateV1Dynamic(file, (parsed.data ?? {}) as Record<string, unknown>, isStatic, opts.v1HealthInterval) : undefined
    const v = validateDynamic(file, v1 ? v1.data : parsed.data)
    if (v1) {
      errors.push(...v1.errors)
      warnings.push(...v1.warnings)
      for (const [name, why] of v1.refused) {
        const r = v.config.http.routers[name]
        if (r) r.unsupported = [...(r.unsupported ?? []), ...why]
      }
    }
    errors.push(...v.errors)
    warnings.push(...v.warnings)
    if (v.config.tls) mergeTls(config, v.config.tls)
    for (const [name, r] of Object.entries(v.config.http.routers)) {
      const other = routerFile.get(name)
      if (other !== undefined) errors.push({ file, router: name, code: FileProblem.DUPLICATE, message: `is also defined in ${other}` })
      else routerFile.set(name, file)
      config.http.routers[name] = r
    }
    for (const [name, s] of Object.entries(v.config.http.services)) {
      const other = serviceFile.get(name)
      if (other !== undefined) errors.push({ file, service: name, code: FileProblem.DUPLICATE, message: `is also defined in ${other}` })
      else serviceFile.set(name, file)
      config.http.services[name] = s
    }
    for (const [name, m] of Object.entries(v.config.http.middlewares ?? {})) {
      const other = middlewareFile.get(name)
      if (other !== undefined) errors.push({ file, middleware: name, code: FileProblem.DUPLICATE, message: `is also defined in ${other}` })
      else middlewareFile.set(name, file)
      ;(config.http.middlewares ??= {})[name] = m
    }
    for (const kind of ['tcp', 'udp'] as const) {
      const sec = v.config[kind]
      if (!sec) continue
      const into = (config[kind] ??= { routers: {} })
      Object.assign(into.routers, sec.routers)
      if (sec.services) into.services = { ...into.services, ...sec.services }
    }
  }
  // a service refused above already has its own error; do not call it missing too
  const refused = new Set(errors.map((e) => e.service).filter((s) => s !== undefined))
  for (const [name, r] of Object.entries(config.http.routers)) {
    const at = r.service.lastIndexOf('@')
    if (at >= 0 && r.service.slice(at + 1) !== PROVIDER_NAME) continue
    const local = at >= 0 ? r.service.slice(0, at) : r.service
    if (!serviceFile.has(local) && !refused.has(local)) errors.push({ file: routerFile.get(name)!, router: name, code: FileProblem.UNKNOWN_SERVICE, message: `service ${JSON.stringify(r.service)} does not exist` })
  }
  for (const p of [...errors, ...warnings]) {
    const at = lineOf.get(p.file)
    if (!at || p.line !== undefined) continue
    if (p.router !== undefined) p.line = at('routers', p.router)
    else if (p.service !== undefined) p.line = at('services', p.service)
    else if (p.middleware !== undefined) p.line = at('middlewares', p.middleware)
  }
  return errors.length > 0 ? { errors, warnings } : { config, errors, warnings }
}

/** Files add to one tls section: certificates append, stores and options by name (a later file's wins). */
function mergeTls(config: DynamicConfig, tls: TlsConfig): void {
  const into = (config.tls ??= {})
  if (tls.certificates) (into.certificates ??= []).push(...tls.certificates)
  if (tls.stores) into.stores = { ...into.stores, ...tls.stores }
  if (tls.options) into.options = { ...into.options, ...tls.options }
}
