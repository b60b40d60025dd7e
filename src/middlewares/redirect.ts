// What redirectScheme and redirectRegex share: the URL the client asked for,
// as Traefik rebuilds it, and the redirect answer itself.
import type { Flow } from './flow.js'
import { DONE, type Step } from './kind.js'
import { statusText } from './status-text.js'

/** Traefik's moveHandler: 302/307, or 301/308 when permanent; 301 and 302 only for GET. */
export function redirect(flow: Flow, location: string, permanent: boolean): Step {
  const get = flow.method === 'GET'
  const status = permanent ? (get ? 301 : 308) : get ? 302 : 307
  flow.answer(status, ['location', location], statusText(status))
  return DONE
}

/**
 * The scheme of the client's request: X-Forwarded-Proto when a trusted
 * forwarder sent it (forwardedHeaders.trustedIPs; anyone else's was dropped
 * before the chain ran), else the connection's.
 */
export function schemeOf(flow: Flow): string {
  return flow.getHeader('x-forwarded-proto') || (flow.https ? 'https' : 'http')
}
