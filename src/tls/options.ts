// Traefik's tls.options, compiled to what uWebSockets.js 20.30 can set per
// server name: a TLS 1.2 cipher list. uWS fixes the rest: TLS 1.2 at least,
// 1.3 at most, BoringSSL's groups (X25519, P-256, P-384), no ALPN (HTTP/1.1
// only), session tickets on. An option pier cannot honour is an error: the
// routers using it are disabled (fail closed); one it honours more strictly
// than asked (a floor under 1.2) is a warning.
import type { TlsOptionsConfig } from '../config/dynamic.js'

export interface CompiledOptions {
  /** uWS ssl_ciphers (TLS 1.2 and below); undefined: BoringSSL's defaults */
  ciphers?: string
  /** Refuse unknown server names instead of serving the default certificate */
  sniStrict: boolean
}

export interface OptionsResult {
  options?: CompiledOptions
  errors: string[]
  warnings: string[]
}

/**
 * A TLS 1.2 cipher list that no handshake can use: PSK suites need a PSK
 * callback, which uWS never sets. With it, only TLS 1.3 (whose suites
 * BoringSSL does not let anyone configure) remains: minVersion VersionTLS13.
 */
export const TLS13_ONLY_CIPHERS = 'PSK-AES128-CBC-SHA'

/** Go's TLS 1.2 suite names (Traefik's spelling) -> BoringSSL's. */
const SUITES: Record<string, string> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
}
/** TLS 1.3 suites: always on, as in Go, whatever the list says. */
const TLS13_SUITES = new Set(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'])

/** The groups BoringSSL offers in uWS; a curvePreferences list must allow all of them. */
const OFFERED_CURVES = ['X25519', 'CurveP256', 'CurveP384']
const CURVE_ALIASES: Record<string, string> = {
  x25519: 'X25519',
  curvep256: 'CurveP256',
  secp256r1: 'CurveP256',
  'p-256': 'CurveP256',
  curvep384: 'CurveP384',
  secp384r1: 'CurveP384',
  'p-384': 'CurveP384',
  curvep521: 'CurveP521',
  secp521r1: 'CurveP521',
  'p-521': 'CurveP521',
}

const VERSIONS = ['VersionTLS10', 'VersionTLS11', 'VersionTLS12', 'VersionTLS13']

export function compileOptions(o: TlsOptionsConfig): OptionsResult {
  const errors: string[] = []
  const warnings: string[] = []
  const min = o.minVersion ?? 'VersionTLS12'
  const max = o.maxVersion ?? 'VersionTLS13'
  if (!VERSIONS.includes(min)) errors.push(`minVersion ${JSON.stringify(min)} is not one of ${VERSIONS.join(', ')}`)
  else if (min === 'VersionTLS10' || min === 'VersionTLS11') warnings.push(`minVersion ${min}: pier never accepts less than TLS 1.2, so older clients are refused`)
  if (!VERSIONS.includes(max)) errors.push(`maxVersion ${JSON.stringify(max)} is not one of ${VERSIONS.join(', ')}`)
  else if (max !== 'VersionTLS13') errors.push(`maxVersion ${max} cannot be enforced: uWebSockets.js 20.30 always offers TLS 1.3`)
  const tls13Only = min === 'VersionTLS13'

  let ciphers: string | undefined
  if (o.cipherSuites !== undefined) {
    const mapped: string[] = []
    for (const s of o.cipherSuites) {
      if (TLS13_SUITES.has(s)) continue
      const m = SUITES[s]
      if (m) mapped.push(m)
      else errors.push(`cipher suite ${JSON.stringify(s)} is unknown or not available in BoringSSL`)
    }
    ciphers = mapped.length > 0 ? mapped.join(':') : TLS13_ONLY_CIPHERS
  }
  if (tls13Only) ciphers = TLS13_ONLY_CIPHERS

  if (o.curvePreferences !== undefined) {
    const given = new Set<string>()
    for (const c of o.curvePreferences) {
      const name = CURVE_ALIASES[c.toLowerCase()]
      if (name) given.add(name)
      else errors.push(`curve ${JSON.stringify(c)} is unknown`)
    }
    const missing = OFFERED_CURVES.filter((c) => !given.has(c))
    if (missing.length > 0) errors.push(`curvePreferences cannot exclude ${missing.join(', ')}: uWebSockets.js 20.30 always offers X25519, CurveP256 and CurveP384`)
  }
  if (o.clientAuth !== undefined) errors.push('clientAuth (client certificates) is not supported yet')
  if (o.disableSessionTickets === true) errors.push('disableSessionTickets cannot be enforced: uWebSockets.js 20.30 always issues session tickets')
  if (errors.length > 0) return { errors, warnings }
  const options: CompiledOptions = { sniStrict: o.sniStrict === true }
  if (ciphers !== undefined) options.ciphers = ciphers
  return { options, errors, warnings }
}
