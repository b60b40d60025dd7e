// One ACME certificate resolver (certificatesResolvers.<name>.acme), run in
// the primary. It serves what acme.json holds at once, orders a certificate
// for every domain set its routers need and no certificate covers, one
// order at a time, answers http-01 through the workers' challenge table,
// renews before expiry, and retries failed orders with backoff. The
// account key is kept in acme.json across restarts.
import type { Client } from 'acme-client'
import { generateKeyPair } from 'node:crypto'
import { promisify } from 'node:util'
import type { AcmeResolver as AcmeResolverConfig, Domain } from '../../config/static.js'
import type { Logger } from '../../log.js'
import { loadCertificate, nameCovers, type Certificate } from '../certificate.js'
import type { ChallengeBoard } from './challenges.js'
import { decodeResolver, readStorage, tooOpen, writeResolver, type ResolverData, type StoredCertificate } from './storage.js'
import { renewAt, retryDelay } from './schedule.js'
import { caAgent } from './trust.js'

export interface ResolverDeps {
  log: Logger
  challenges: ChallengeBoard
  /** Every certificate the resolver holds, after each change */
  certificates(certs: Certificate[]): void
  env: NodeJS.ProcessEnv
  /** First retry delay after a failed order (tests shorten it) */
  retryMs?: number
}

/** lego's key type names, as acme.json stores them. */
const LEGO_KEY_TYPE: Record<string, string> = { EC256: 'P256', EC384: 'P384', RSA2048: '2048', RSA4096: '4096', RSA8192: '8192' }

/** Traefik's account keys are RSA 4096 (PKCS#1 in acme.json), whatever keyType the certificates use. */
async function newAccountKey(): Promise<string> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 4096 })
  return privateKey.export({ type: 'pkcs1', format: 'pem' }) as string
}

const key = (d: Domain): string => [d.main, ...(d.sans ?? [])].join(',')
const names = (d: Domain): string[] => [...new Set([d.main, ...(d.sans ?? [])])]

interface Held {
  stored: StoredCertificate
  cert: Certificate
}

export class AcmeResolver {
  private data: ResolverData = { certificates: [] }
  private held: Held[] = []
  private client: Client | null = null
  private queue: Domain[] = []
  private busy = false
  private readonly failures = new Map<string, { count: number; next: number }>()
  private wanted: Domain[] = []
  private timer: NodeJS.Timeout | undefined
  private stopped = false
  /** The account key being made, when acme.json has no account yet */
  private newKey: Promise<string> | undefined

  constructor(
    readonly name: string,
    private readonly cfg: AcmeResolverConfig,
    private readonly deps: ResolverDeps,
  ) {}

  /** Reads acme.json and hands over the certificates it holds. */
  async load(): Promise<void> {
    const mode = await tooOpen(this.cfg.storage)
    if (mode !== undefined) this.deps.log.warn('acme.json was readable by others; its mode is now 0600', { file: this.cfg.storage, mode: mode.toString(8) })
    this.data = decodeResolver((await readStorage(this.cfg.storage))[this.name])
    this.held = []
    for (const stored of this.data.certificates) {
      try {
        this.held.push({ stored, cert: loadCertificate(stored.certificate, stored.key) })
      } catch (err) {
        this.deps.log.error('certificate in acme.json not served', { file: this.cfg.storage, domain: stored.domain.main, error: (err as Error).message })
      }
    }
    this.deps.certificates(this.held.map((h) => h.cert))
    // an RSA 4096 key takes seconds: start on it now rather than when the first router asks
    if (!this.data.account) this.newKey = newAccountKey()
    this.deps.log.info('ACME resolver ready', { certificates: this.held.length, file: this.cfg.storage })
  }

  /** The domain sets the routers need now; missing or expiring ones are ordered. */
  want(domains: Domain[]): void {
    this.wanted = domains
    this.check()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  /** Queues what is missing or due for renewal, and arms the timer for the next renewal or retry. */
  private check(): void {
    if (this.stopped) return
    const now = Date.now()
    let next = Infinity
    for (const d of this.wanted) {
      const k = key(d)
      const bad = d.main.startsWith('*') || (d.sans ?? []).some((s) => s.startsWith('*'))
      if (bad) {
        this.failOnce(k, `${k}: a wildcard certificate needs the DNS challenge, which pier does not have`)
        continue
      }
      const covering = this.held.filter((h) => names(d).every((n) => h.cert.names.some((c) => nameCovers(c, n))))
      const best = covering.sort((a, b) => b.cert.notAfter.getTime() - a.cert.notAfter.getTime())[0]
      const due = best ? renewAt(best.cert.notBefore, best.cert.notAfter, this.cfg.certificatesDuration) : now
      const f = this.failures.get(k)
      const at = Math.max(due, f?.next ?? 0)
      if (at <= now) {
        if (!this.queue.some((q) => key(q) === k)) this.queue.push(d)
      } else next = Math.min(next, at)
    }
    clearTimeout(this.timer)
    if (next !== Infinity) {
      this.timer = setTimeout(() => this.check(), Math.min(next - now, 3_600_000) + 50)
      this.timer.unref()
    }
    void this.drain()
  }

  private said = new Set<string>()
  private failOnce(k: string, message: string): void {
    if (this.said.has(k)) return
    this.said.add(k)
    this.deps.log.error('ACME certificate not ordered', { domains: k, error: message })
  }

  private async drain(): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const d = this.queue.shift()!
        const k = key(d)
        try {
          await this.order(d)
          this.failures.delete(k)
        } catch (err) {
          const count = (this.failures.get(k)?.count ?? 0) + 1
          const wait = retryDelay(count, this.deps.retryMs)
          this.failures.set(k, { count, next: Date.now() + wait })
          this.deps.log.error('ACME order failed; retrying later', { domains: k, attempt: count, retryInSeconds: Math.round(wait / 1000), error: (err as Error).message })
        }
      }
    } finally {
      this.busy = false
    }
    this.check()
  }

  private async acmeClient(): Promise<Client> {
    if (this.client) return this.client
    const acme = (await import('acme-client')).default
    const agent = caAgent(this.deps.env, this.cfg.caCertificates)
    if (agent) acme.axios.defaults.httpsAgent = agent
    let account = this.data.account
    if (!account || (this.cfg.email !== undefined && account.email !== this.cfg.email)) {
      account = { email: this.cfg.email ?? '', privateKey: await (this.newKey ?? newAccountKey()), keyType: LEGO_KEY_TYPE[this.cfg.keyType]! }
    }
    const opts: ConstructorParameters<typeof acme.Client>[0] = { directoryUrl: this.cfg.caServer, accountKey: account.privateKey }
    if (account.registration?.uri) opts.accountUrl = account.registration.uri
    if (this.cfg.eab) opts.externalAccountBinding = { kid: this.cfg.eab.kid, hmacKey: this.cfg.eab.hmacEncoded }
    const client = new acme.Client(opts)
    if (!account.registration) {
      const body = await client.createAccount({ termsOfServiceAgreed: true, ...(account.email ? { contact: [`mailto:${account.email}`] } : {}) })
      account.registration = { body: body as unknown as Record<string, unknown>, uri: client.getAccountUrl() }
      this.data.account = account
      await writeResolver(this.cfg.storage, this.name, this.data)
      this.deps.log.info('ACME account registered', { account: account.registration.uri })
    }
    this.client = client
    return client
  }

  private async order(d: Domain): Promise<void> {
    const log = this.deps.log
    const client = await this.acmeClient()
    const acme = (await import('acme-client')).default
    const all = names(d)
    log.info('ordering an ACME certificate', { domains: all.join(',') })
    const order = await client.createOrder({ identifiers: all.map((value) => ({ type: 'dns', value })) })
    for (const authz of await client.getAuthorizations(order)) {
      if (authz.status === 'valid') continue
      const challenge = authz.challenges.find((c) => c.type === 'http-01')
      if (!challenge) throw new Error(`${authz.identifier.value}: the CA offers no http-01 challenge`)
      const keyAuthorization = await client.getChallengeKeyAuthorization(challenge)
      await this.deps.challenges.set(challenge.token, keyAuthorization)
      try {
        await client.completeChallenge(challenge)
        await client.waitForValidStatus(challenge)
      } finally {
        await this.deps.challenges.delete(challenge.token)
      }
    }
    const keyPem = await this.certificateKey(acme)
    const [, csr] = await acme.crypto.createCsr({ commonName: d.main, altNames: all }, keyPem)
    const finalized = await client.finalizeOrder(order, csr)
    const chain = await client.getCertificate(finalized, this.cfg.preferredChain)
    const cert = loadCertificate(chain, keyPem.toString())
    const stored: StoredCertificate = { domain: d, certificate: cert.cert, key: cert.key, store: 'default' }
    // the new certificate replaces the one for the same domains (a renewal)
    this.held = [...this.held.filter((h) => key(h.stored.domain) !== key(d)), { stored, cert }]
    this.data.certificates = this.held.map((h) => h.stored)
    await writeResolver(this.cfg.storage, this.name, this.data)
    log.info('ACME certificate obtained', { domains: all.join(','), notAfter: cert.notAfter.toISOString() })
    this.deps.certificates(this.held.map((h) => h.cert))
  }

  private async certificateKey(acme: typeof import('acme-client')): Promise<Buffer> {
    switch (this.cfg.keyType) {
      case 'EC256':
        return acme.crypto.createPrivateEcdsaKey('P-256')
      case 'EC384':
        return acme.crypto.createPrivateEcdsaKey('P-384')
      case 'RSA2048':
        return acme.crypto.createPrivateRsaKey(2048)
      case 'RSA8192':
        return acme.crypto.createPrivateRsaKey(8192)
      default:
        return acme.crypto.createPrivateRsaKey(4096)
    }
  }
}
