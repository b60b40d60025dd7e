// One certificate as pier serves it: the PEM chain and key, checked in the
// primary before any worker sees them (uWS silently ignores, or crashes on,
// files it cannot load), and the names SNI finds it by.
import { X509Certificate, createPrivateKey, createHash } from 'node:crypto'

export const CertErrorCode = {
  /** No PEM certificate block, or one that does not parse. */
  BAD_CERT: 'TLS_BAD_CERT',
  /** No PEM private key block, or one that does not parse (encrypted keys included). */
  BAD_KEY: 'TLS_BAD_KEY',
  /** The key is not the certificate's. */
  KEY_MISMATCH: 'TLS_KEY_MISMATCH',
  /** The certificate names no DNS name (SAN or CN). */
  NO_NAMES: 'TLS_NO_NAMES',
} as const
export type CertErrorCodeValue = (typeof CertErrorCode)[keyof typeof CertErrorCode]

export class CertError extends Error {
  constructor(
    readonly code: CertErrorCodeValue,
    message: string,
  ) {
    super(message)
    this.name = 'CertError'
  }
}

export interface Certificate {
  /** PEM: the leaf first, then its chain */
  cert: string
  key: string
  /** Lower-case DNS names (SANs, else the CN); wildcards as `*.example.com` */
  names: string[]
  notBefore: Date
  notAfter: Date
  /** sha256 over cert and key: equal content, equal id */
  id: string
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g
const KEY_BLOCK = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/

/** Parses and checks a PEM chain and key; throws CertError saying what is wrong. */
export function loadCertificate(certPem: string, keyPem: string): Certificate {
  const blocks = certPem.match(CERT_BLOCK)
  if (!blocks) throw new CertError(CertErrorCode.BAD_CERT, 'no PEM certificate (-----BEGIN CERTIFICATE-----) found')
  let leaf: X509Certificate
  try {
    leaf = new X509Certificate(blocks[0])
    for (const b of blocks.slice(1)) new X509Certificate(b)
  } catch (err) {
    throw new CertError(CertErrorCode.BAD_CERT, `the certificate does not parse (${(err as Error).message})`)
  }
  const keyBlock = KEY_BLOCK.exec(keyPem)
  if (!keyBlock) throw new CertError(CertErrorCode.BAD_KEY, 'no PEM private key (-----BEGIN PRIVATE KEY-----) found')
  if (keyBlock[1] === 'ENCRYPTED PRIVATE KEY') throw new CertError(CertErrorCode.BAD_KEY, 'the private key is encrypted (pier takes unencrypted keys)')
  let key
  try {
    key = createPrivateKey(keyBlock[0])
  } catch (err) {
    throw new CertError(CertErrorCode.BAD_KEY, `the private key does not parse (${(err as Error).message})`)
  }
  if (!leaf.checkPrivateKey(key)) throw new CertError(CertErrorCode.KEY_MISMATCH, 'the private key does not belong to the certificate')
  const names = certNames(leaf)
  if (names.length === 0) throw new CertError(CertErrorCode.NO_NAMES, 'the certificate names no DNS name (subjectAltName or CN)')
  const cert = blocks.join('\n') + '\n'
  const keyOut = keyBlock[0] + '\n'
  return {
    cert,
    key: keyOut,
    names,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    id: createHash('sha256').update(cert).update(keyOut).digest('hex').slice(0, 32),
  }
}

/** DNS names of a leaf: its DNS SANs, else a CN that looks like a host name. */
function certNames(leaf: X509Certificate): string[] {
  const out = new Set<string>()
  for (const part of (leaf.subjectAltName ?? '').split(/,\s*/)) {
    if (part.startsWith('DNS:')) out.add(part.slice(4).toLowerCase().replace(/\.$/, ''))
  }
  if (out.size === 0) {
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(leaf.subject)?.[1]?.trim().toLowerCase()
    if (cn && /^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(cn)) out.add(cn)
  }
  return [...out].filter((n) => n !== '')
}

/** True when a certificate name (maybe `*.example.com`) covers host, as TLS wildcards do: one label. */
export function nameCovers(name: string, host: string): boolean {
  if (name === host) return true
  if (!name.startsWith('*.')) return false
  const dot = host.indexOf('.')
  return dot > 0 && host.slice(dot + 1) === name.slice(2)
}
