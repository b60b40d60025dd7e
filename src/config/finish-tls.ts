// Turns the HTTPS keys of a draft into the static configuration: entrypoint
// TLS and redirections (checked against the entrypoints that exist), which
// entrypoints serve TLS, ACME resolvers with Traefik's defaults, and the
// Traefik v1 forms mapped onto them.
import type { Draft } from './draft.js'
import { DEFAULT_CA_SERVER, type AcmeResolver, type Domain, type KeyType, type StaticConfig } from './static.js'
import { ConfigError, ConfigErrorCode } from './errors.js'
import { describe } from './values.js'

/** Traefik's priority for the router it makes for an entrypoint redirection. */
export const REDIRECT_PRIORITY = 2 ** 31 - 2

export function finishTls(d: Draft, cfg: StaticConfig): void {
  const byLower = new Map(Object.keys(cfg.entryPoints).map((n) => [n.toLowerCase(), n]))
  const epName = (name: string, what: string): string => {
    const found = byLower.get(name.toLowerCase())
    if (found === undefined) throw new ConfigError(ConfigErrorCode.BAD_VALUE, `${what}: no entrypoint named ${JSON.stringify(name)} (entrypoints: ${[...byLower.values()].join(', ')})`)
    return found
  }

  for (const [key, h] of d.epHttp) {
    const name = byLower.get(key)
    if (name === undefined) throw new ConfigError(ConfigErrorCode.BAD_VALUE, `entryPoints.${key}.http: the entrypoint ${JSON.stringify(key)} has no address`)
    const ep = cfg.entryPoints[name]!
    const hasTlsKeys = h.certResolver !== undefined || h.options !== undefined || h.domains.size > 0
    if (h.tls === true || (h.tls === undefined && hasTlsKeys)) {
      ep.tls = {}
      if (h.certResolver !== undefined) ep.tls.certResolver = h.certResolver
      if (h.options !== undefined) ep.tls.options = h.options
      const domains: Domain[] = []
      for (const i of [...h.domains.keys()].sort((a, b) => a - b)) {
        const dm = h.domains.get(i)!
        if (!dm.main) throw new ConfigError(ConfigErrorCode.MISSING_VALUE, `entryPoints.${name}.http.tls.domains[${i}].main is missing`)
        domains.push(dm.sans ? { main: dm.main, sans: dm.sans } : { main: dm.main })
      }
      if (domains.length > 0) ep.tls.domains = domains
    }
    const r = h.redirect
    if (r.to !== undefined || r.at !== undefined) {
      const where = r.at ? describe(r.at) : `entryPoints.${name}.http.redirections.entryPoint`
      if (r.to === undefined) throw new ConfigError(ConfigErrorCode.MISSING_VALUE, `${where}: the redirection needs entryPoint.to`)
      const to = /^:\d+$/.test(r.to) ? r.to : epName(r.to, where)
      const scheme = r.scheme ?? 'https'
      if (scheme !== 'https' && scheme !== 'http') throw new ConfigError(ConfigErrorCode.BAD_VALUE, `${where}: scheme must be https or http, not ${JSON.stringify(scheme)}`)
      ep.redirect = { to, scheme, permanent: r.permanent ?? true, priority: r.priority ?? REDIRECT_PRIORITY }
    }
  }

  // Which entrypoints are TLS: uWS cannot sniff TLS and plain HTTP on one port, as Traefik does.
  for (const ep of Object.values(cfg.entryPoints)) {
    if (ep.tls || ep.port === 443) ep.secure = true
    const to = ep.redirect?.scheme === 'https' && !ep.redirect.to.startsWith(':') ? cfg.entryPoints[ep.redirect.to] : undefined
    if (to) to.secure = true
  }

  const certs = [...d.certificates.entries()]
  if (certs.length > 0) {
    cfg.certificates = certs.map(([key, c]) => {
      if (!c.certFile || !c.keyFile) throw new ConfigError(ConfigErrorCode.MISSING_VALUE, `entryPoints.${key.replace(/\[.*$/, '')}.tls.certificates: give both certFile and keyFile`)
      return { certFile: c.certFile, keyFile: c.keyFile }
    })
  }

  for (const r of d.resolvers.values()) {
    const res: AcmeResolver = {
      storage: r.storage ?? 'acme.json',
      caServer: r.caServer ?? DEFAULT_CA_SERVER,
      keyType: (r.keyType as KeyType | undefined) ?? 'RSA4096',
      certificatesDuration: r.certificatesDuration ?? 2160,
    }
    if (r.email !== undefined) res.email = r.email
    if (r.preferredChain !== undefined) res.preferredChain = r.preferredChain
    if (r.caCertificates !== undefined) res.caCertificates = r.caCertificates
    if (r.eab.kid !== undefined || r.eab.hmacEncoded !== undefined) {
      if (!r.eab.kid || !r.eab.hmacEncoded) throw new ConfigError(ConfigErrorCode.MISSING_VALUE, `certificatesResolvers.${r.name}.acme.eab needs both kid and hmacEncoded`)
      res.eab = { kid: r.eab.kid, hmacEncoded: r.eab.hmacEncoded }
    }
    if (r.httpChallengeEntryPoint !== undefined) res.httpChallenge = { entryPoint: epName(r.httpChallengeEntryPoint, `certificatesResolvers.${r.name}.acme.httpChallenge.entryPoint`) }
    if (r.dnsChallenge) res.refused = `the ACME dnsChallenge (${describe(r.dnsChallenge)}) is not supported: it needs a DNS provider's API; use httpChallenge`
    else if (!res.httpChallenge && r.tlsChallenge) {
      res.refused = 'the ACME tlsChallenge is not supported: tls-alpn-01 needs ALPN, which uWebSockets.js 20.30 does not negotiate; use httpChallenge'
    } else if (!res.httpChallenge) res.refused = `certificatesResolvers.${r.name}.acme has no challenge: set httpChallenge.entryPoint`
    if (r.v1EntryPoint !== undefined) {
      const name = epName(r.v1EntryPoint, 'acme.entryPoint')
      const ep = cfg.entryPoints[name]!
      ep.tls ??= {}
      ep.secure = true
      // onHostRule: the Host names of its routers get certificates (without it Traefik 1.7 ordered only acme.domains, which pier lacks)
      if (r.onHostRule !== false) ep.tls.certResolver ??= r.name
    }
    cfg.certificatesResolvers[r.name] = res
  }

  for (const [name, ep] of Object.entries(cfg.entryPoints)) {
    const resolver = ep.tls?.certResolver
    if (resolver !== undefined && !Object.keys(cfg.certificatesResolvers).includes(resolver)) {
      throw new ConfigError(ConfigErrorCode.BAD_VALUE, `entryPoints.${name}.http.tls.certResolver: no certificate resolver named ${JSON.stringify(resolver)}`)
    }
  }

  if (d.defaultEntryPoints) cfg.defaultEntryPoints = d.defaultEntryPoints.map((n) => epName(n, '--defaultEntryPoints'))
}
