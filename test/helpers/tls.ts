// A test CA issuing ECDSA P-256 certificates (made in memory with
// @peculiar/x509), and TLS requests that report what the server presented.
import { webcrypto, randomBytes, createHash, X509Certificate } from 'node:crypto'
import { isIP } from 'node:net'
import { connect, type ConnectionOptions, type TLSSocket, type PeerCertificate } from 'node:tls'
import * as x509 from '@peculiar/x509'

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
const crypto = webcrypto as unknown as Crypto

const pem = (label: string, der: ArrayBuffer): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`

export interface Issued {
  cert: string
  key: string
}

export interface TestCA {
  cert: string
  /** names: DNS names, IP addresses or URIs (SANs of each type); client: usable as a client certificate too. */
  issue(names: string[], opts?: { cn?: string; days?: number; client?: boolean }): Promise<Issued>
}

const serial = (): string => randomBytes(8).toString('hex').replace(/^[89a-f]/, '1')

export async function makeCA(cn = 'pier test CA'): Promise<TestCA> {
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])
  const now = Date.now()
  const caCert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: `CN=${cn}`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 30 * 86_400_000),
      keys,
      signingAlgorithm: alg,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
    },
    crypto,
  )
  return {
    cert: caCert.toString('pem'),
    async issue(names, opts = {}) {
      const leafKeys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])
      const leaf = await x509.X509CertificateGenerator.create(
        {
          serialNumber: serial(),
          subject: `CN=${opts.cn ?? names[0]}`,
          issuer: caCert.subject,
          notBefore: new Date(Date.now() - 60_000),
          notAfter: new Date(Date.now() + (opts.days ?? 10) * 86_400_000),
          signingKey: keys.privateKey,
          publicKey: leafKeys.publicKey,
          signingAlgorithm: alg,
          extensions: [
            new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: isIP(value) ? ('ip' as const) : value.includes('://') ? ('url' as const) : ('dns' as const), value }))),
            new x509.ExtendedKeyUsageExtension(opts.client ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth] : [x509.ExtendedKeyUsage.serverAuth]),
          ],
        },
        crypto,
      )
      return { cert: leaf.toString('pem'), key: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey)) }
    },
  }
}

/** base64 sha256 of a certificate's SubjectPublicKeyInfo: Chromium's --ignore-certificate-errors-spki-list. */
export function spkiHash(certPem: string): string {
  const der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' })
  return createHash('sha256').update(der).digest('base64')
}

export interface TlsReply {
  status: number
  headers: string
  body: string
  /** The certificate the server presented */
  peer: PeerCertificate
  protocol: string | null
  reused: boolean
  authorized: boolean
  session?: Buffer
}

/**
 * One HTTP/1.1 request over a fresh TLS connection to 127.0.0.1:port, with
 * servername as SNI (none when ''), Host defaulting to it. Rejects on a
 * failed handshake.
 */
export function tlsGet(port: number, servername: string, opts: ConnectionOptions & { path?: string; host?: string } = {}): Promise<TlsReply> {
  const { path = '/', host = servername, ...tlsOpts } = opts
  return new Promise((resolve, reject) => {
    let session: Buffer | undefined
    let secured = false
    const s: TLSSocket = connect({ host: '127.0.0.1', port, servername: servername || undefined, rejectUnauthorized: false, ...tlsOpts }, () => {
      secured = true
      s.write(`GET ${path} HTTP/1.1\r\nhost: ${host || 'localhost'}\r\nconnection: close\r\n\r\n`)
    })
    s.on('session', (b) => (session = b))
    let data = ''
    s.setEncoding('utf8')
    s.on('data', (d: string) => (data += d))
    s.on('error', reject)
    // a server that refuses the handshake may just close the connection
    s.on('close', () => secured || reject(Object.assign(new Error('connection closed during the TLS handshake'), { code: 'HANDSHAKE_CLOSED' })))
    s.on('end', () => {
      if (!secured) return
      const [head = '', ...rest] = data.split('\r\n\r\n')
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
      resolve({ status, headers: head, body: rest.join('\r\n\r\n'), peer: s.getPeerCertificate(), protocol: s.getProtocol(), reused: s.isSessionReused(), authorized: s.authorized, session })
    })
  })
}
