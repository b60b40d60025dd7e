// Traefik's acme.json: one section per resolver, with the ACME account
// (email, registration, RSA account key as base64 PKCS#1 DER, key type) and
// the certificates (domain, base64 PEM chain and key, store). pier reads the
// file Traefik wrote and writes the same shape, atomically (a temporary file
// renamed over it) and with mode 0600, as Traefik insists.
import { readFile, writeFile, rename, chmod, stat, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { createPrivateKey } from 'node:crypto'
import type { Domain } from '../../config/static.js'

export interface StoredAccount {
  email: string
  /** lego's registration.Resource: the account body and its URL */
  registration?: { body: Record<string, unknown>; uri: string }
  /** PEM (PKCS#1 RSA) */
  privateKey: string
  /** lego's names: P256, P384, 2048, 4096, 8192 */
  keyType: string
}

export interface StoredCertificate {
  domain: Domain
  /** PEM chain and key */
  certificate: string
  key: string
  store: string
}

export interface ResolverData {
  account?: StoredAccount
  certificates: StoredCertificate[]
}

interface TraefikResolver {
  Account?: { Email?: string; Registration?: { body: Record<string, unknown>; uri: string } | null; PrivateKey?: string; KeyType?: string } | null
  Certificates?: Array<{ domain?: { main?: string; sans?: string[] }; certificate?: string; key?: string; Store?: string }> | null
}

export const StorageErrorCode = { BAD_FILE: 'ACME_STORAGE_BAD_FILE', UNREADABLE: 'ACME_STORAGE_UNREADABLE' } as const

export class StorageError extends Error {
  constructor(
    readonly code: (typeof StorageErrorCode)[keyof typeof StorageErrorCode],
    message: string,
  ) {
    super(message)
    this.name = 'StorageError'
  }
}

const b64 = (s: string): string => Buffer.from(s).toString('base64')
const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8')

/** The whole file (every resolver); {} when it does not exist yet. */
export async function readStorage(path: string): Promise<Record<string, TraefikResolver>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e.code === 'ENOENT') return {}
    throw new StorageError(StorageErrorCode.UNREADABLE, `${path}: cannot read it (${e.code ?? e.message})`)
  }
  if (text.trim() === '') return {}
  try {
    const data = JSON.parse(text) as unknown
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('not a JSON object')
    return data as Record<string, TraefikResolver>
  } catch (err) {
    throw new StorageError(StorageErrorCode.BAD_FILE, `${path}: not Traefik's acme.json (${(err as Error).message})`)
  }
}

/** A resolver's section of the file, decoded. */
export function decodeResolver(raw: TraefikResolver | undefined): ResolverData {
  const out: ResolverData = { certificates: [] }
  const a = raw?.Account
  if (a?.PrivateKey) {
    const der = Buffer.from(a.PrivateKey, 'base64')
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }).export({ type: 'pkcs1', format: 'pem' }) as string
    out.account = { email: a.Email ?? '', privateKey, keyType: a.KeyType ?? '4096' }
    if (a.Registration) out.account.registration = a.Registration
  }
  for (const c of raw?.Certificates ?? []) {
    if (!c.certificate || !c.key || !c.domain?.main) continue
    const domain: Domain = { main: c.domain.main }
    if (c.domain.sans && c.domain.sans.length > 0) domain.sans = c.domain.sans
    out.certificates.push({ domain, certificate: unb64(c.certificate), key: unb64(c.key), store: c.Store ?? 'default' })
  }
  return out
}

function encodeResolver(d: ResolverData): TraefikResolver {
  const out: TraefikResolver = {}
  if (d.account) {
    const der = createPrivateKey(d.account.privateKey).export({ type: 'pkcs1', format: 'der' })
    out.Account = { Email: d.account.email, Registration: d.account.registration ?? null, PrivateKey: der.toString('base64'), KeyType: d.account.keyType }
  }
  out.Certificates = d.certificates.map((c) => ({
    domain: c.domain.sans ? { main: c.domain.main, sans: c.domain.sans } : { main: c.domain.main },
    certificate: b64(c.certificate),
    key: b64(c.key),
    Store: c.store,
  }))
  return out
}

/** Writes run one at a time: resolvers may share a file. */
let writing: Promise<void> = Promise.resolve()

/** Writes one resolver's section, keeping the others'. */
export function writeResolver(path: string, resolver: string, data: ResolverData): Promise<void> {
  const run = async (): Promise<void> => {
    let all: Record<string, TraefikResolver> = {}
    try {
      all = await readStorage(path)
    } catch {
      // an unreadable file is replaced by what pier knows
    }
    all[resolver] = encodeResolver(data)
    await mkdir(dirname(path), { recursive: true })
    const tmp = `${path}.${process.pid}.tmp`
    await writeFile(tmp, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 })
    await chmod(tmp, 0o600)
    await rename(tmp, path)
  }
  writing = writing.then(run, run)
  return writing
}

/** Traefik refuses an acme.json others can read; pier says so and tightens it. */
export async function tooOpen(path: string): Promise<number | undefined> {
  try {
    const mode = (await stat(path)).mode & 0o777
    if (mode & 0o077) {
      await chmod(path, 0o600)
      return mode
    }
  } catch {
    // absent: it is created 0600
  }
  return undefined
}
