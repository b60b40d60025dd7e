// Static keys for HTTPS: entrypoint http.tls and redirections, ACME
// certificate resolvers, and their Traefik v1 spellings (--acme.*, the
// `TLS` and `Redirect.*` words of --entryPoints, [entryPoints.x.redirect]).
import type { Draft, EntryPointHttpDraft, ResolverDraft } from './draft.js'
import * as V from './values.js'
import type { Value } from './values.js'

type Apply = (d: Draft, v: Value, name: string, index: number) => void
type Def = (key: string, bare: boolean, apply: Apply) => void

export function epHttp(d: Draft, name: string): EntryPointHttpDraft {
  const key = name.toLowerCase()
  let h = d.epHttp.get(key)
  if (!h) d.epHttp.set(key, (h = { domains: new Map(), redirect: {} }))
  return h
}

function resolver(d: Draft, name: string): ResolverDraft {
  const key = name.toLowerCase()
  let r = d.resolvers.get(key)
  if (!r) d.resolvers.set(key, (r = { name, eab: {} }))
  return r
}

const domain = (h: EntryPointHttpDraft, i: number): { main?: string; sans?: string[] } => {
  let dm = h.domains.get(i)
  if (!dm) h.domains.set(i, (dm = {}))
  return dm
}

const list = (v: Value): string[] => V.str(v).split(',').map((s) => s.trim()).filter((s) => s !== '')

const KEY_TYPES = ['EC256', 'EC384', 'RSA2048', 'RSA4096', 'RSA8192']

export function defineTlsKeys(def: Def): void {
  const ep = 'entryPoints.<name>.http'
  def(`${ep}.tls`, true, (d, v, name) => (epHttp(d, name).tls = V.bool(v)))
  def(`${ep}.tls.certResolver`, false, (d, v, name) => (epHttp(d, name).certResolver = V.str(v)))
  def(`${ep}.tls.options`, false, (d, v, name) => (epHttp(d, name).options = V.str(v)))
  def(`${ep}.tls.domains[<i>].main`, false, (d, v, name, i) => (domain(epHttp(d, name), i).main = V.str(v).toLowerCase()))
  def(`${ep}.tls.domains[<i>].sans`, false, (d, v, name, i) => (domain(epHttp(d, name), i).sans = list(v).map((s) => s.toLowerCase())))
  const redirect = (f: (r: EntryPointHttpDraft['redirect'], v: Value) => void): Apply => (d, v, name) => {
    const r = epHttp(d, name).redirect
    f(r, v)
    r.at ??= v.at
  }
  def(`${ep}.redirections.entryPoint.to`, false, redirect((r, v) => (r.to = V.str(v))))
  def(`${ep}.redirections.entryPoint.scheme`, false, redirect((r, v) => (r.scheme = V.str(v).toLowerCase())))
  def(`${ep}.redirections.entryPoint.permanent`, true, redirect((r, v) => (r.permanent = V.bool(v))))
  def(`${ep}.redirections.entryPoint.priority`, false, redirect((r, v) => (r.priority = V.int(v, 1, 2 ** 31 - 1))))
  // v1 TOML: [entryPoints.http.redirect] entryPoint = "https", and [entryPoints.https.tls] with certificates
  def('entryPoints.<name>.redirect.entryPoint', false, redirect((r, v) => (r.to = V.str(v))))
  def('entryPoints.<name>.redirect.permanent', true, redirect((r, v) => (r.permanent = V.bool(v))))
  def('entryPoints.<name>.tls', true, (d, v, name) => (epHttp(d, name).tls = V.bool(v)))
  const cert = (d: Draft, name: string, i: number): { certFile?: string; keyFile?: string } => {
    const key = `${name.toLowerCase()}[${i}]`
    let c = d.certificates.get(key)
    if (!c) d.certificates.set(key, (c = {}))
    epHttp(d, name).tls ??= true
    return c
  }
  def('entryPoints.<name>.tls.certificates[<i>].certFile', false, (d, v, name, i) => (cert(d, name, i).certFile = V.str(v)))
  def('entryPoints.<name>.tls.certificates[<i>].keyFile', false, (d, v, name, i) => (cert(d, name, i).keyFile = V.str(v)))

  const acme = 'certificatesResolvers.<name>.acme'
  const r = (f: (r: ResolverDraft, v: Value) => void): Apply => (d, v, name) => f(resolver(d, name), v)
  def(`${acme}.email`, false, r((x, v) => (x.email = V.str(v))))
  def(`${acme}.storage`, false, r((x, v) => (x.storage = V.str(v))))
  def(`${acme}.caServer`, false, r((x, v) => (x.caServer = V.str(v))))
  def(`${acme}.keyType`, false, r((x, v) => (x.keyType = keyType(v))))
  def(`${acme}.certificatesDuration`, false, r((x, v) => (x.certificatesDuration = V.int(v, 1))))
  def(`${acme}.preferredChain`, false, r((x, v) => (x.preferredChain = V.str(v))))
  def(`${acme}.eab.kid`, false, r((x, v) => (x.eab.kid = V.str(v))))
  def(`${acme}.eab.hmacEncoded`, false, r((x, v) => (x.eab.hmacEncoded = V.str(v))))
  def(`${acme}.httpChallenge.entryPoint`, false, r((x, v) => (x.httpChallengeEntryPoint = V.str(v))))
  def(`${acme}.tlsChallenge`, true, r((x, v) => (x.tlsChallenge = V.bool(v))))
  def(`${acme}.caCertificates`, false, r((x, v) => (x.caCertificates = list(v))))
  for (const k of ['dnsChallenge', 'dnsChallenge.provider', 'dnsChallenge.delayBeforeCheck', 'dnsChallenge.resolvers', 'dnsChallenge.disablePropagationCheck']) {
    def(`${acme}.${k}`, k === 'dnsChallenge', r((x, v) => (x.dnsChallenge ??= v.at)))
  }

  // Traefik 1.7: one resolver, named acme
  const v1 = (f: (r: ResolverDraft, v: Value) => void): Apply => (d, v) => f(resolver(d, 'acme'), v)
  def('acme', true, v1(() => {}))
  def('acme.email', false, v1((x, v) => (x.email = V.str(v))))
  def('acme.storage', false, v1((x, v) => (x.storage = V.str(v))))
  def('acme.caServer', false, v1((x, v) => (x.caServer = V.str(v))))
  def('acme.keyType', false, v1((x, v) => (x.keyType = keyType(v))))
  def('acme.entryPoint', false, v1((x, v) => (x.v1EntryPoint = V.str(v))))
  def('acme.onHostRule', true, v1((x, v) => (x.onHostRule = V.bool(v))))
  def('acme.httpChallenge.entryPoint', false, v1((x, v) => (x.httpChallengeEntryPoint = V.str(v))))
  def('acme.tlsChallenge', true, v1((x, v) => (x.tlsChallenge = V.bool(v))))
  def('acme.dnsChallenge.provider', false, v1((x, v) => (x.dnsChallenge ??= v.at)))
  def('defaultEntryPoints', false, (d, v) => (d.defaultEntryPoints = list(v)))
}

function keyType(v: Value): string {
  const s = V.str(v).toUpperCase()
  if (!KEY_TYPES.includes(s)) throw V.badValue(v, KEY_TYPES.join(', '))
  return s
}
