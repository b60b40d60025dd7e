// The primary's certificate store: certificates from files (the file
// provider's tls.certificates, v1 entrypoint certificates), from ACME
// resolvers, and the default one, turned into the snapshot every worker
// serves. A certificate that cannot be read or does not check is named in
// one line and left out; the others keep being served.
import { readFile, stat } from 'node:fs/promises'
import type { CertificateRef, DynamicConfig, RouterTLS } from '../config/dynamic.js'
import type { StaticConfig } from '../config/static.js'
import type { Logger } from '../log.js'
import type { CompileOptions, CompileReport } from '../table/compile.js'
import type { EntryPointKind } from '../table/placement.js'
import { CertError, loadCertificate, nameCovers, type Certificate } from './certificate.js'
import { CertificateFiles } from './files.js'
import { compileOptions, type CompiledOptions } from './options.js'
import { defaultCertificate } from './self-signed.js'
import { additions, type SniEntry, type TlsSnapshot } from './snapshot.js'

export interface StorePublisher {
  /** Only names were added: the workers add them in place (snapshot: the whole set, for threads started later) */
  add(snapshot: TlsSnapshot, names: SniEntry[]): Promise<void>
  /** Anything else changed: fresh worker threads take the snapshot */
  replace(snapshot: TlsSnapshot): Promise<void>
}

/** A router served over TLS, as the compiler placed it. */
export interface TlsRouter {
  name: string
  tls: RouterTLS
  hosts: string[] | null
}

const providerOf = (name: string): string => name.slice(name.lastIndexOf('@') + 1)
const isPem = (s: string): boolean => s.includes('-----BEGIN')

export class CertificateStore {
  readonly files = new CertificateFiles()
  private generated: Certificate | undefined
  private dynamic: DynamicConfig['tls'] = undefined
  private routers: TlsRouter[] = []
  private readonly acme = new Map<string, Certificate[]>()
  private current: TlsSnapshot | null = null
  private version = 0
  private building: Promise<void> = Promise.resolve()
  private pending = false
  private publisher: StorePublisher | null = null
  /** Problems already logged, each said once until it goes away */
  private said = new Set<string>()
  /** Told of the TLS routers after every compiled configuration (the ACME resolvers) */
  onRouters: (routers: readonly TlsRouter[]) => void = () => {}
  /** Certificates from files by content version (path and mtime, or the PEM itself), from the last build */
  private parsed = new Map<string, Certificate>()
  /** Compiled options by qualified name, from the last configuration */
  private options = new Map<string, ReturnType<typeof compileOptions>>()

  constructor(
    private readonly config: StaticConfig,
    private readonly log: Logger,
    /** Why a resolver cannot serve a router, if it cannot */
    private readonly resolverProblem: (name: string) => string | undefined = (name) => (config.certificatesResolvers[name] ? config.certificatesResolvers[name]!.refused : `no certificate resolver named ${JSON.stringify(name)}`),
  ) {}

  /** Entrypoint kinds and the TLS check, for the compiler. */
  compileOptions(config: DynamicConfig): CompileOptions {
    this.options = new Map(Object.entries(config.tls?.options ?? {}).map(([name, o]) => [name, compileOptions(o)]))
    const kinds = new Map<string, EntryPointKind>()
    for (const [name, ep] of Object.entries(this.config.entryPoints)) kinds.set(name, ep.tls ? { secure: ep.secure === true, tls: ep.tls } : { secure: ep.secure === true })
    const out: CompileOptions = { kinds, checkTls: (router, tls) => this.check(router, tls) }
    if (this.config.defaultEntryPoints) out.defaultEntryPoints = this.config.defaultEntryPoints
    return out
  }

  private check(router: string, tls: RouterTLS): string[] {
    const errors: string[] = []
    if (tls.options !== undefined && tls.options !== 'default') {
      const name = this.optionsName(tls.options, router)
      const o = this.options.get(name)
      if (!o) errors.push(`tls.options ${JSON.stringify(tls.options)}: no TLS options named ${JSON.stringify(name)}`)
      else for (const e of o.errors) errors.push(`tls.options ${name}: ${e}`)
    } else {
      for (const e of this.defaultOptions().errors) errors.push(`tls.options default: ${e}`)
    }
    if (tls.certResolver !== undefined) {
      const why = this.resolverProblem(tls.certResolver)
      if (why) errors.push(`tls.certResolver ${tls.certResolver}: ${why}`)
    }
    return errors
  }

  private optionsName(name: string, router: string): string {
    return name.includes('@') ? name : `${name}@${providerOf(router)}`
  }

  private defaultOptions(): ReturnType<typeof compileOptions> {
    for (const [name, o] of this.options) if (name.startsWith('default@')) return o
    return compileOptions({})
  }

  /** After each compiled configuration: its tls section and the TLS routers in the table. */
  compiled(config: DynamicConfig, report: CompileReport): void {
    this.dynamic = config.tls
    this.routers = Object.entries(report.tlsRouters).map(([name, r]) => ({ name, tls: r.tls, hosts: r.hosts }))
    this.onRouters(this.routers)
    this.rebuild()
  }

  /** A resolver's certificates, all of them (from acme.json and new orders). */
  setAcme(resolver: string, certs: Certificate[]): void {
    this.acme.set(resolver, certs)
    this.rebuild()
  }

  /** Starts publishing to the workers; until then snapshots are only kept. */
  connect(publisher: StorePublisher): void {
    this.publisher = publisher
  }

  /** The snapshot once every change so far is built. */
  async snapshot(): Promise<TlsSnapshot> {
    if (!this.pending && !this.current) this.rebuild()
    while (this.pending) await this.building
    await this.building
    if (!this.current) throw new Error('the certificates could not be built (see the error above)')
    return this.current
  }

  private rebuild(): void {
    if (this.pending) return
    this.pending = true
    this.building = this.building.then(async () => {
      this.pending = false
      try {
        await this.build()
      } catch (err) {
        this.log.error('certificates could not be updated; the last ones stay', { error: (err as Error).stack ?? String(err) })
      }
    })
  }

  private async build(): Promise<void> {
    const t0 = performance.now()
    const problems = new Set<string>()
    const report = (what: string, error: string): void => {
      const key = `${what}: ${error}`
      problems.add(key)
      if (!this.said.has(key)) this.log.error('certificate not served', { certificate: what, error })
    }
    const load = async (ref: CertificateRef, what: string): Promise<Certificate | undefined> => {
      try {
        // parsed once per content: unchanged files are only stat'ed on the next configuration
        const version = async (f: string): Promise<string> => (isPem(f) ? f : await stat(f).then((s) => `${f}\0${s.mtimeMs}\0${s.size}\0${s.ino}`))
        const k = `${await version(ref.certFile)}\0${await version(ref.keyFile)}`
        const hit = this.parsed.get(k)
        if (hit) return (seen.set(k, hit), hit)
        const cert = isPem(ref.certFile) ? ref.certFile : await readFile(ref.certFile, 'utf8')
        const key = isPem(ref.keyFile) ? ref.keyFile : await readFile(ref.keyFile, 'utf8')
        const c = loadCertificate(cert, key)
        seen.set(k, c)
        return c
      } catch (err) {
        const e = err as NodeJS.ErrnoException
        report(what, err instanceof CertError ? `${e.message} (${e.code})` : `cannot read it (${e.code ?? e.message})`)
        return undefined
      }
    }
    const describe = (ref: CertificateRef): string => (isPem(ref.certFile) ? 'an inline certificate' : ref.certFile)
    const seen = new Map<string, Certificate>()

    const all: CertificateRef[] = [...(this.config.certificates ?? []), ...(this.dynamic?.certificates ?? [])]
    const refs = all.filter((r) => !r.stores || r.stores.includes('default'))
    // read side by side, kept in the order given (which decides ties)
    const fileCerts = (await Promise.all(refs.map((ref) => load(ref, describe(ref))))).filter((c): c is Certificate => c !== undefined)
    let fallbackCert: Certificate | undefined
    const def = this.dynamic?.stores?.default?.defaultCertificate
    if (def) fallbackCert = await load(def, `tls.stores.default.defaultCertificate ${describe(def)}`)
    fallbackCert ??= this.generated ??= await defaultCertificate()
    this.said = problems
    this.parsed = seen

    // Per name: a certificate the user gave wins over an ACME one, then the one that lasts longest.
    const chosen = new Map<string, { c: Certificate; file: boolean }>()
    const consider = (c: Certificate, file: boolean): void => {
      for (const n of c.names) {
        const had = chosen.get(n)
        if (!had || (file && !had.file) || (file === had.file && had.c.notAfter < c.notAfter)) chosen.set(n, { c, file })
      }
    }
    for (const list of this.acme.values()) for (const c of list) consider(c, false)
    for (const c of fileCerts) consider(c, true)
    const byName = new Map([...chosen].map(([n, v]) => [n, v.c]))

    const defaults = this.defaultOptions().options ?? { sniStrict: false }
    const hostOptions = new Map<string, CompiledOptions>()
    for (const r of this.routers) {
      const name = r.tls.options && r.tls.options !== 'default' ? this.optionsName(r.tls.options, r.name) : undefined
      const o = name ? this.options.get(name)?.options : undefined
      if (!o) continue
      for (const h of r.hosts ?? []) hostOptions.set(h, o)
    }
    const entries = new Map<string, SniEntry>()
    const entry = (name: string, c: Certificate, o: CompiledOptions): SniEntry => {
      const f = this.files.files(c)
      return o.ciphers ? { name, cert: f.cert, key: f.key, ciphers: o.ciphers } : { name, cert: f.cert, key: f.key }
    }
    // hosts with options of their own get their own entry, with the certificate covering them
    for (const [host, o] of hostOptions) {
      let c = byName.get(host)
      if (!c) for (const [n, cert] of byName) if (nameCovers(n, host)) c = cert
      entries.set(host, entry(host, c ?? fallbackCert, o))
    }
    for (const [n, c] of byName) if (!entries.has(n)) entries.set(n, entry(n, c, defaults))
    const f = this.files.files(fallbackCert)
    const fallback = defaults.sniStrict ? null : defaults.ciphers ? { cert: f.cert, key: f.key, ciphers: defaults.ciphers } : { cert: f.cert, key: f.key }
    const next: TlsSnapshot = { version: this.version + 1, fallback, names: [...entries.values()].sort((a, b) => (a.name < b.name ? -1 : 1)) }

    const prev = this.current
    if (prev && JSON.stringify({ ...prev, version: 0 }) === JSON.stringify({ ...next, version: 0 })) return
    this.version = next.version
    const ids = new Set<string>()
    for (const c of [...byName.values(), fallbackCert]) ids.add(c.id)
    if (!this.publisher || !prev) {
      this.current = next
      this.files.prune(ids)
      return
    }
    const added = additions(prev, next)
    this.log.info('certificates changed', { names: next.names.length, added: added?.length, inPlace: added !== undefined, buildMs: (performance.now() - t0).toFixed(1) })
    const t1 = performance.now()
    // current moves on only once the workers have it: a failed handover is tried again on the next change
    if (added) await this.publisher.add(next, added)
    else await this.publisher.replace(next)
    this.current = next
    this.log.debug('certificates in force in every worker', { version: next.version, ms: (performance.now() - t1).toFixed(1) })
    this.files.prune(ids)
  }
}
