// What a worker needs to serve TLS: for every server name the files of its
// certificate and its cipher list, and the context for every other name
// (the default certificate, or none with sniStrict). Plain data, posted to
// the workers as is.

export interface SniEntry {
  /** Lower-case name or `*.example.com` */
  name: string
  cert: string
  key: string
  /** uWS ssl_ciphers; absent: BoringSSL's defaults */
  ciphers?: string
}

export interface TlsSnapshot {
  version: number
  /** For clients naming no known server; null refuses them (sniStrict) */
  fallback: { cert: string; key: string; ciphers?: string } | null
  names: SniEntry[]
}

const same = (a: SniEntry, b: SniEntry): boolean => a.cert === b.cert && a.key === b.key && a.ciphers === b.ciphers

/**
 * The entries to add when next only adds names to prev; undefined when a
 * name changed or went away, or the fallback changed: uWS cannot replace a
 * server name safely while connections use it, so that takes fresh threads.
 */
export function additions(prev: TlsSnapshot, next: TlsSnapshot): SniEntry[] | undefined {
  const fp = prev.fallback
  const fn = next.fallback
  if ((fp === null) !== (fn === null) || (fp && fn && (fp.cert !== fn.cert || fp.key !== fn.key || fp.ciphers !== fn.ciphers))) return undefined
  const byName = new Map(next.names.map((e) => [e.name, e]))
  for (const e of prev.names) {
    const n = byName.get(e.name)
    if (!n || !same(e, n)) return undefined
    byName.delete(e.name)
  }
  return [...byName.values()]
}
