// TLS to a server a middleware calls (forwardAuth's https:// address), as
// Traefik's ClientTLS: ca, cert and key as PEM text or a file path (read by
// the primary when it compiles the configuration), insecureSkipVerify.
import type { ConnectionOptions } from 'node:tls'
import { MiddlewareError, type CompileContext } from './kind.js'

export interface ClientTls {
  ca: string
  cert: string
  key: string
  insecureSkipVerify: boolean
}

function pem(value: unknown, what: string, ctx: CompileContext): string {
  if (typeof value !== 'string' || value === '') return ''
  const text = value.includes('-----BEGIN') ? value : ctx.readFile(value)
  if (!text.includes('-----BEGIN')) throw new MiddlewareError(`tls.${what}: ${JSON.stringify(value)} holds no PEM block`)
  return text
}

export function clientTlsOptions(o: Record<string, unknown>, ctx: CompileContext): ClientTls {
  const t: ClientTls = { ca: pem(o.ca, 'ca', ctx), cert: pem(o.cert, 'cert', ctx), key: pem(o.key, 'key', ctx), insecureSkipVerify: o.insecureSkipVerify === true }
  if ((t.cert === '') !== (t.key === '')) throw new MiddlewareError('tls: cert and key go together')
  return t
}

/** node:tls options for a connection to servername. */
export function clientTls(t: ClientTls | null, servername: string): ConnectionOptions {
  const o: ConnectionOptions = { servername: servername.startsWith('[') ? undefined : servername, rejectUnauthorized: !(t?.insecureSkipVerify ?? false) }
  if (t?.ca) o.ca = t.ca
  if (t?.cert) {
    o.cert = t.cert
    o.key = t.key
  }
  return o
}
