// stripPrefix: removes the first configured prefix the path starts with and
// tells the backend what was removed in X-Forwarded-Prefix.
import { kind, NEXT, PHASE_REQUEST, type Middleware, type Step } from './kind.js'
import { stripPrefixSchema } from './schemas.js'
import type { Flow } from './flow.js'
import { byteString, decodePath, encodedPrefixLen, ensureLeadingSlash, isClean } from './path.js'

interface Compiled {
  prefixes: string[]
  forceSlash: boolean
}

/** Cuts `decodedLen` decoded bytes off the path and forwards the rest; false when the rest is not a clean path (400). */
export function cutPath(flow: Flow, raw: string, decoded: string, decodedLen: number, forceSlash: boolean): boolean {
  const rest = raw === decoded ? raw.slice(decodedLen) : raw.slice(encodedPrefixLen(raw, decodedLen))
  const path = forceSlash ? `/${rest.replace(/^\//, '')}` : ensureLeadingSlash(rest)
  if (path !== '' && !isClean(path)) return false
  // An emptied path goes out as "/", as Go's RequestURI() writes it.
  flow.path = path === '' ? '/' : path
  return true
}

class StripPrefix implements Middleware {
  private readonly bytes: string[]

  constructor(private readonly c: Compiled) {
    this.bytes = c.prefixes.map(byteString)
  }

  request(flow: Flow): Step {
    const raw = flow.path
    const decoded = decodePath(raw)
    for (let i = 0; i < this.bytes.length; i++) {
      const prefix = this.bytes[i]!
      if (!decoded.startsWith(prefix)) continue
      if (!cutPath(flow, raw, decoded, prefix.length, this.c.forceSlash)) return flow.error(400)
      flow.addHeader('x-forwarded-prefix', this.c.prefixes[i]!)
      break
    }
    return NEXT
  }
}

export default kind<Compiled>({
  schema: stripPrefixSchema,
  phases: () => PHASE_REQUEST,
  compile: (o) => ({ prefixes: ((o.prefixes as string[] | undefined) ?? []).map((p) => p.trim()), forceSlash: o.forceSlash === true }),
  create: (c) => new StripPrefix(c),
})
