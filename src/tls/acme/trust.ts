// Which roots the ACME client trusts for the CA server: lego's
// LEGO_CA_CERTIFICATES (PEM files, comma- or colon-separated, replacing the
// system roots unless LEGO_CA_SYSTEM_CERT_POOL=true), the resolver's
// caCertificates, and Node's own NODE_EXTRA_CA_CERTS, which Node applies by
// itself when no roots are given here.
import { readFileSync } from 'node:fs'
import { rootCertificates } from 'node:tls'
import { Agent } from 'node:https'

/** An agent for the CA server, or undefined for Node's defaults. Throws naming an unreadable file. */
export function caAgent(env: NodeJS.ProcessEnv, caCertificates: string[] = []): Agent | undefined {
  const files = [...(env.LEGO_CA_CERTIFICATES ?? '').split(/[,:]/), ...caCertificates].map((f) => f.trim()).filter((f) => f !== '')
  if (files.length === 0) return undefined
  const read = (f: string, from: string): string => {
    try {
      return readFileSync(f, 'utf8')
    } catch (err) {
      throw new Error(`${from} ${f}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
    }
  }
  const ca = files.map((f) => read(f, 'CA certificate'))
  if (/^(1|true)$/i.test(env.LEGO_CA_SYSTEM_CERT_POOL ?? '')) ca.push(...rootCertificates)
  if (env.NODE_EXTRA_CA_CERTS) ca.push(read(env.NODE_EXTRA_CA_CERTS, 'NODE_EXTRA_CA_CERTS'))
  return new Agent({ ca, keepAlive: true })
}
