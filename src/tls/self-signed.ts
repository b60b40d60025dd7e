// Self-signed certificates made in memory: Traefik's `TRAEFIK DEFAULT CERT`,
// served when no certificate matches a client's server name. @peculiar/x509
// (acme-client's own dependency) is loaded only when one is made.
import { webcrypto, randomBytes } from 'node:crypto'
import { loadCertificate, type Certificate } from './certificate.js'

export const DEFAULT_CERT_CN = 'TRAEFIK DEFAULT CERT'

const toPem = (label: string, der: ArrayBuffer): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`

/** An ECDSA P-256 certificate for names (CN: cn), valid from a minute ago for days. */
export async function selfSigned(cn: string, names: string[], days = 365): Promise<Certificate> {
  const x509 = await import('@peculiar/x509')
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])
  const now = Date.now()
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomBytes(8).toString('hex').replace(/^[89a-f]/, '1'),
      name: `CN=${cn}`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + days * 86_400_000),
      keys,
      signingAlgorithm: alg,
      extensions: [
        new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns' as const, value }))),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ],
    },
    webcrypto as unknown as Crypto,
  )
  const key = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)
  return loadCertificate(cert.toString('pem'), toPem('PRIVATE KEY', key))
}

/** Traefik's default certificate: CN `TRAEFIK DEFAULT CERT`, a random `*.traefik.default` name. */
export function defaultCertificate(): Promise<Certificate> {
  const r = randomBytes(16).toString('hex')
  return selfSigned(DEFAULT_CERT_CN, [`${r.slice(0, 16)}.${r.slice(16)}.traefik.default`])
}
