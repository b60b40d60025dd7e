// Which entrypoints a router is served on. Traefik serves TLS and plain
// HTTP on any entrypoint by sniffing the first bytes; uWS cannot, so a pier
// entrypoint is either TLS or plain: a TLS router (its own `tls`, or the
// entrypoint's http.tls) is served on TLS entrypoints only, a plain one on
// plain entrypoints only.
import type { Router, RouterTLS } from '../config/dynamic.js'

export interface EntryPointKind {
  /** Serves TLS */
  secure: boolean
  /** http.tls of the entrypoint: every router on it is a TLS router, with these defaults */
  tls?: RouterTLS
}

export interface Placement {
  /** Entrypoint names the router is served on */
  entryPoints: string[]
  /** The TLS settings it is served with (its own, else its entrypoint's); undefined for a plain router */
  tls?: RouterTLS
  /** Entrypoints it names but cannot be served on, with why */
  skipped: string[]
}

const PLAIN: EntryPointKind = { secure: false }

/**
 * Places r on the entrypoints it names (else defaults, else every one).
 * kinds: by entrypoint name (absent: plain); names not in all are the compiler's to report.
 */
export function place(r: Router, all: string[], kinds: ReadonlyMap<string, EntryPointKind>, defaults?: string[]): Placement {
  const named = r.entryPoints && r.entryPoints.length > 0
  const eps = named ? r.entryPoints! : (defaults ?? all)
  const out: Placement = { entryPoints: [], skipped: [] }
  for (const ep of eps) {
    const k = kinds.get(ep) ?? (all.includes(ep) ? PLAIN : undefined)
    if (!k) {
      out.entryPoints.push(ep)
      continue
    }
    const tls = r.tls ?? k.tls
    if (k.secure === (tls !== undefined)) {
      out.entryPoints.push(ep)
      if (tls) out.tls ??= tls
    } else if (named) {
      out.skipped.push(
        k.secure
          ? `entrypoint ${ep} serves TLS only: a router without tls is not served there (add tls to the router, or set http.tls on the entrypoint)`
          : `entrypoint ${ep} serves plain HTTP: a TLS router is served on TLS entrypoints only (set --entryPoints.${ep}.http.tls=true, or use port 443)`,
      )
    }
  }
  return out
}
