// Every middleware kind pier has, by Traefik's type key, all imported: for
// --help, the README table and the tests. pier's threads import a kind only
// when a configuration names it (kind-modules.ts) and read definitions with
// the schemas alone (schemas.ts).
import type { Kind } from './kind.js'
import addPrefix from './add-prefix.js'
import basicAuth from './basic-auth.js'
import buffering from './buffering.js'
import chain from './chain.js'
import circuitBreaker from './circuit-breaker.js'
import compress from './compress.js'
import contentType from './content-type.js'
import digestAuth from './digest-auth.js'
import errors from './errors.js'
import forwardAuth from './forward-auth.js'
import headers from './headers.js'
import inFlightReq from './in-flight-req.js'
import { ipAllowList, ipWhiteList } from './ip-allow-list.js'
import rateLimit from './rate-limit.js'
import redirectRegex from './redirect-regex.js'
import redirectScheme from './redirect-scheme.js'
import replacePath from './replace-path.js'
import replacePathRegex from './replace-path-regex.js'
import retry from './retry.js'
import stripPrefix from './strip-prefix.js'
import stripPrefixRegex from './strip-prefix-regex.js'

export const KINDS: readonly Kind[] = [
  addPrefix,
  basicAuth,
  buffering,
  chain,
  circuitBreaker,
  compress,
  contentType,
  digestAuth,
  errors,
  forwardAuth,
  headers,
  inFlightReq,
  ipAllowList,
  ipWhiteList,
  rateLimit,
  redirectRegex,
  redirectScheme,
  replacePath,
  replacePathRegex,
  retry,
  stripPrefix,
  stripPrefixRegex,
]

const byLower = new Map(KINDS.map((k) => [k.schema.type.toLowerCase(), k]))

/** The kind for a type key in any case (Traefik's decoder ignores case), or undefined. */
export function kindOf(type: string): Kind | undefined {
  return byLower.get(type.toLowerCase())
}
