// Where each middleware kind's module is: a thread imports a kind only when
// a configuration names it (the primary before it compiles a table with it,
// a worker before it puts such a table in force), so the modules of the ~20
// kinds no router uses never take room in a heap. Definitions are read with
// the schemas alone (schemas.ts). kinds.ts lists them all, imported, for
// --help and the tests; a unit test checks the two lists agree.
import type { Kind } from './kind.js'

const LOADERS: Record<string, () => Promise<Kind>> = {
  addPrefix: async () => (await import('./add-prefix.js')).default,
  basicAuth: async () => (await import('./basic-auth.js')).default,
  buffering: async () => (await import('./buffering.js')).default,
  chain: async () => (await import('./chain.js')).default,
  circuitBreaker: async () => (await import('./circuit-breaker.js')).default,
  compress: async () => (await import('./compress.js')).default,
  contentType: async () => (await import('./content-type.js')).default,
  digestAuth: async () => (await import('./digest-auth.js')).default,
  errors: async () => (await import('./errors.js')).default,
  forwardAuth: async () => (await import('./forward-auth.js')).default,
  headers: async () => (await import('./headers.js')).default,
  inFlightReq: async () => (await import('./in-flight-req.js')).default,
  ipAllowList: async () => (await import('./ip-allow-list.js')).ipAllowList,
  ipWhiteList: async () => (await import('./ip-allow-list.js')).ipWhiteList,
  rateLimit: async () => (await import('./rate-limit.js')).default,
  redirectRegex: async () => (await import('./redirect-regex.js')).default,
  redirectScheme: async () => (await import('./redirect-scheme.js')).default,
  replacePath: async () => (await import('./replace-path.js')).default,
  replacePathRegex: async () => (await import('./replace-path-regex.js')).default,
  retry: async () => (await import('./retry.js')).default,
  stripPrefix: async () => (await import('./strip-prefix.js')).default,
  stripPrefixRegex: async () => (await import('./strip-prefix-regex.js')).default,
}

const loaderByLower = new Map(Object.entries(LOADERS).map(([type, load]) => [type.toLowerCase(), load]))

/** The type keys a loader exists for (for the test that holds this list to kinds.ts). */
export const LOADABLE_TYPES: readonly string[] = Object.keys(LOADERS)

/** Kinds loaded so far in this thread, by lower-case type key. */
const loaded = new Map<string, Kind>()

/** Imports the kinds of these type keys (any case) that this thread has not loaded yet; rejects for a type pier does not have. */
export async function loadKinds(types: Iterable<string>): Promise<void> {
  const wanted = new Set<string>()
  for (const t of types) if (!loaded.has(t.toLowerCase())) wanted.add(t.toLowerCase())
  await Promise.all(
    [...wanted].map(async (t) => {
      const load = loaderByLower.get(t)
      if (!load) throw new Error(`middleware type ${t} is not one pier has`)
      loaded.set(t, await load())
    }),
  )
}

/** A kind loadKinds has loaded (type key in any case), or undefined. */
export function loadedKind(type: string): Kind | undefined {
  return loaded.get(type.toLowerCase())
}
