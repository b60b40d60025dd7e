// Traefik's list parameters: page/per_page with the X-Next-Page header, and
// search/status/serviceName filters.
import type { MiddlewareState, RouterState, ServiceState } from '../primary/state.js'

export const NEXT_PAGE_HEADER = 'X-Next-Page'
const DEFAULT_PER_PAGE = 100

export class QueryError extends Error {
  readonly code = 'API_BAD_QUERY'
}

export interface Page<T> {
  items: T[]
  nextPage: number
}

/** Slices items as Traefik does; the next page is 1 when there is none. */
export function paginate<T>(items: T[], query: URLSearchParams): Page<T> {
  const perPage = intParam(query, 'per_page', DEFAULT_PER_PAGE)
  const page = intParam(query, 'page', 1)
  const start = (page - 1) * perPage
  if (start !== 0 && start >= items.length) throw new QueryError(`invalid request: page: ${page}, per_page: ${perPage}`)
  return { items: items.slice(start, start + perPage), nextPage: page * perPage < items.length ? page + 1 : 1 }
}

function intParam(query: URLSearchParams, key: string, dflt: number): number {
  const raw = query.get(key)
  if (raw === null || raw === '') return dflt
  const v = Number(raw)
  if (!Number.isInteger(v) || v <= 0) throw new QueryError(`invalid request: ${key}: ${JSON.stringify(raw)} is not a whole number above 0`)
  return v
}

export interface Criterion {
  search: string
  status: string
  serviceName: string
}

export function criterion(query: URLSearchParams): Criterion {
  return { search: (query.get('search') ?? '').toLowerCase(), status: (query.get('status') ?? '').toLowerCase(), serviceName: query.get('serviceName') ?? '' }
}

const searchIn = (c: Criterion, ...values: string[]): boolean => c.search === '' || values.some((v) => v.toLowerCase().includes(c.search))
const withStatus = (c: Criterion, status: string): boolean => c.status === '' || c.status === status

export function routerMatches(c: Criterion, r: Pick<RouterState, 'status' | 'rule' | 'name' | 'service' | 'provider'>): boolean {
  return withStatus(c, r.status) && searchIn(c, r.rule, r.name) && (c.serviceName === '' || c.serviceName === r.service || `${c.serviceName}@${r.provider}` === r.service)
}

export function serviceMatches(c: Criterion, s: Pick<ServiceState, 'status' | 'name'>): boolean {
  return withStatus(c, s.status) && searchIn(c, s.name)
}

export function middlewareMatches(c: Criterion, m: MiddlewareState): boolean {
  return withStatus(c, m.status) && searchIn(c, m.name)
}
