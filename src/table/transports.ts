// Which transport each service's servers are reached with, resolved on the
// primary: a serversTransports entry by its qualified name, or the static
// serversTransport (Traefik's default@internal). Certificates are read here,
// so workers get PEM text and never touch the file system. A name that does
// not exist, a file that cannot be read or a setting pier cannot honour makes
// the service unusable (fail closed): its routers are disabled with why.
import { isIP } from 'node:net'
import type { ConnectionOptions, PeerCertificate, SecureContextOptions } from 'node:tls'
import { nodeTls } from '../lazy-modules.js'
import type { ServersTransport } from '../config/dynamic.js'
import { TLS_VERSIONS } from '../config/servers-transport.js'

/** Everything a worker needs to open connections to one server; travels as JSON in the table. */
export interface Transport {
  /** SNI and the name checked against the certificate; '' : the url's host (no SNI for an IP). */
  serverName: string
  insecure: boolean
  /** PEM texts; empty: the system roots. */
  ca: string[]
  /** Client certificates and their keys (PEM), in pairs. */
  cert: string[]
  key: string[]
  /** The certificate must carry this URI SAN instead of the host name; '' : none. */
  peerCertURI: string
  /** node:tls names (TLSv1.2), '' : node's default. */
  minVersion: string
  maxVersion: string
  dialTimeoutMs: number
  headersTimeoutMs: number
  idleConnTimeoutMs: number
  maxConns: number
}

/** The static serversTransport, as the compiler gets it. */
export interface TransportDefaults {
  insecureSkipVerify: boolean
  rootCAs: string[]
  dialTimeoutMs: number
  responseHeaderTimeoutMs: number
  idleConnTimeoutMs: number
  maxIdleConnsPerHost: number
}

export const DEFAULT_TRANSPORT = 'default@internal'

/** PEM text as given, or the file a path names. */
function pem(value: string, what: string, readFile: (path: string) => string): string {
  if (value.includes('-----BEGIN')) return value
  let text: string
  try {
    text = readFile(value)
  } catch (err) {
    throw new Error(`${what} ${JSON.stringify(value)} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  if (!text.includes('-----BEGIN')) throw new Error(`${what} ${JSON.stringify(value)} holds no PEM block`)
  return text
}

/** The transport named (DEFAULT_TRANSPORT: the static one), or why it cannot be used. */
export function resolveTransport(
  name: string,
  defined: Record<string, ServersTransport>,
  defaults: TransportDefaults,
  readFile: (path: string) => string,
): Transport | string {
  const d = defaults
  const base: Transport = {
    serverName: '',
    insecure: d.insecureSkipVerify,
    ca: [],
    cert: [],
    key: [],
    peerCertURI: '',
    minVersion: '',
    maxVersion: '',
    dialTimeoutMs: d.dialTimeoutMs,
    headersTimeoutMs: d.responseHeaderTimeoutMs,
    idleConnTimeoutMs: d.idleConnTimeoutMs,
    maxConns: d.maxIdleConnsPerHost,
  }
  try {
    if (name === DEFAULT_TRANSPORT) {
      base.ca = d.rootCAs.map((c) => pem(c, 'serversTransport.rootCAs', readFile))
      return base
    }
    const t = defined[name]
    if (!t) return `serversTransport ${JSON.stringify(name)} does not exist`
    if (t.unsupported?.length) return `serversTransport ${JSON.stringify(name)}: ${t.unsupported.join('; ')}`
    const f = t.forwardingTimeouts ?? {}
    return {
      serverName: t.serverName ?? '',
      insecure: t.insecureSkipVerify ?? false,
      ca: (t.rootCAs ?? []).map((c) => pem(c, 'rootCAs', readFile)),
      cert: (t.certificates ?? []).map((c) => pem(c.certFile, 'certificates.certFile', readFile)),
      key: (t.certificates ?? []).map((c) => pem(c.keyFile, 'certificates.keyFile', readFile)),
      peerCertURI: t.peerCertURI ?? '',
      minVersion: t.minVersion ? TLS_VERSIONS[t.minVersion]! : '',
      maxVersion: t.maxVersion ? TLS_VERSIONS[t.maxVersion]! : '',
      dialTimeoutMs: f.dialTimeout ?? d.dialTimeoutMs,
      headersTimeoutMs: f.responseHeaderTimeout ?? d.responseHeaderTimeoutMs,
      idleConnTimeoutMs: f.idleConnTimeout ?? d.idleConnTimeoutMs,
      maxConns: t.maxIdleConnsPerHost ?? d.maxIdleConnsPerHost,
    }
  } catch (err) {
    return `serversTransport ${JSON.stringify(name)}: ${(err as Error).message}`
  }
}

/**
 * node:tls options for connections to host with t (SNI, verification, client
 * certificates, HTTP/1.1 by ALPN). Made once per pool: the secure context
 * (roots, certificates) is built here, not by every tls.connect, which would
 * parse the whole root store for each new connection.
 */
export function tlsOptions(t: Transport, host: string): ConnectionOptions {
  const { checkServerIdentity, createSecureContext } = nodeTls()
  const name = t.serverName || host
  const ctx: SecureContextOptions = {}
  if (t.ca.length > 0) ctx.ca = t.ca
  if (t.cert.length > 0) {
    ctx.cert = t.cert
    ctx.key = t.key
  }
  if (t.minVersion) ctx.minVersion = t.minVersion as SecureContextOptions['minVersion']
  if (t.maxVersion) ctx.maxVersion = t.maxVersion as SecureContextOptions['maxVersion']
  const o: ConnectionOptions = { secureContext: createSecureContext(ctx), rejectUnauthorized: !t.insecure, ALPNProtocols: ['http/1.1'] }
  // SNI must be a DNS name; an IP is checked against the certificate's IP SANs without it.
  if (isIP(name) === 0) o.servername = name
  else o.checkServerIdentity = (_h, cert) => checkServerIdentity(name, cert)
  const uri = t.peerCertURI
  if (uri) {
    // As Traefik: the chain is verified even with insecureSkipVerify, which then skips only the name check.
    o.rejectUnauthorized = true
    const names = o.checkServerIdentity ?? ((_h: string, cert: PeerCertificate) => checkServerIdentity(name, cert))
    o.checkServerIdentity = (h, cert) => {
      if (!cert.subjectaltname?.split(', ').includes(`URI:${uri}`)) return new Error(`the backend certificate has no URI SAN ${uri}`)
      return t.insecure ? undefined : names(h, cert)
    }
  }
  return o
}
