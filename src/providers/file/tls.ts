// The `tls` section of a dynamic configuration file: certificates (paths or
// inline PEM), stores and options, checked for shape only. The certificates
// themselves are read and checked by the primary's certificate store, which
// names a bad one and keeps serving the others.
import type { CertificateRef, TlsConfig, TlsOptionsConfig, TlsStore } from '../../config/dynamic.js'
import { nearest } from '../../config/suggest.js'
import { FileProblem, type FileProblemCode } from './problems.js'

export interface TlsIssue {
  code: FileProblemCode
  message: string
  /** A warning: the key is ignored, the rest stands */
  warning?: boolean
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`)

const OPTION_KEYS = ['minVersion', 'maxVersion', 'cipherSuites', 'curvePreferences', 'sniStrict', 'alpnProtocols', 'preferServerCipherSuites', 'disableSessionTickets', 'clientAuth']

/** Keys of obj by their canonical spelling (case-insensitive); unknown ones reported. */
function keys(obj: Record<string, unknown>, known: string[], path: string, issues: TlsIssue[], ignored: string[] = []): Map<string, unknown> {
  const out = new Map<string, unknown>()
  for (const [k, v] of Object.entries(obj)) {
    const canon = known.find((x) => x.toLowerCase() === k.toLowerCase())
    if (canon) out.set(canon, v)
    else if (ignored.some((x) => x.toLowerCase() === k.toLowerCase())) issues.push({ code: FileProblem.UNSUPPORTED, message: `${path}${k} is not supported by pier and is ignored`, warning: true })
    else {
      const near = nearest(k, known)
      issues.push({ code: FileProblem.UNKNOWN_KEY, message: `unknown key ${path}${k}${near ? `; did you mean ${near}?` : ''}` })
    }
  }
  return out
}

function text(v: unknown, path: string, issues: TlsIssue[]): string | undefined {
  if (typeof v === 'string' && v.trim() !== '') return v
  issues.push({ code: v === undefined ? FileProblem.MISSING : FileProblem.BAD_VALUE, message: v === undefined ? `${path} is missing` : `${path} must be a path or PEM text, not ${kindOf(v)}` })
  return undefined
}

function strings(v: unknown, path: string, issues: TlsIssue[]): string[] | undefined {
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[]
  issues.push({ code: FileProblem.BAD_VALUE, message: `${path} must be a list of names, not ${kindOf(v)}` })
  return undefined
}

function certRef(v: unknown, path: string, issues: TlsIssue[], withStores: boolean): CertificateRef | undefined {
  if (!isObject(v)) {
    issues.push({ code: FileProblem.BAD_VALUE, message: `${path} must be a mapping with certFile and keyFile, not ${kindOf(v)}` })
    return undefined
  }
  const f = keys(v, withStores ? ['certFile', 'keyFile', 'stores'] : ['certFile', 'keyFile'], `${path}.`, issues)
  const certFile = text(f.get('certFile'), `${path}.certFile`, issues)
  const keyFile = text(f.get('keyFile'), `${path}.keyFile`, issues)
  if (certFile === undefined || keyFile === undefined) return undefined
  const ref: CertificateRef = { certFile, keyFile }
  if (f.has('stores')) {
    const stores = strings(f.get('stores'), `${path}.stores`, issues)
    if (stores) ref.stores = stores
  }
  return ref
}

function options(v: unknown, path: string, issues: TlsIssue[]): TlsOptionsConfig | undefined {
  if (v === null || v === undefined) return {}
  if (!isObject(v)) {
    issues.push({ code: FileProblem.BAD_VALUE, message: `${path} must be a mapping, not ${kindOf(v)}` })
    return undefined
  }
  const before = issues.filter((i) => !i.warning).length
  const f = keys(v, OPTION_KEYS, `${path}.`, issues)
  const o: TlsOptionsConfig = {}
  for (const k of ['minVersion', 'maxVersion'] as const) {
    const x = f.get(k)
    if (x === undefined) continue
    if (typeof x === 'string') o[k] = x
    else issues.push({ code: FileProblem.BAD_VALUE, message: `${path}.${k} must be text such as VersionTLS12, not ${kindOf(x)}` })
  }
  for (const k of ['cipherSuites', 'curvePreferences', 'alpnProtocols'] as const) {
    if (!f.has(k)) continue
    const list = strings(f.get(k), `${path}.${k}`, issues)
    if (list) o[k] = list
  }
  for (const k of ['sniStrict', 'preferServerCipherSuites', 'disableSessionTickets'] as const) {
    const x = f.get(k)
    if (x === undefined) continue
    if (typeof x === 'boolean') o[k] = x
    else if (typeof x === 'string' && /^(true|false)$/i.test(x)) o[k] = x.toLowerCase() === 'true'
    else issues.push({ code: FileProblem.BAD_VALUE, message: `${path}.${k} must be true or false, not ${kindOf(x)}` })
  }
  if (f.has('clientAuth')) o.clientAuth = f.get('clientAuth')
  return issues.filter((i) => !i.warning).length > before ? undefined : o
}

/** Checks a `tls:` section; what is wrong is returned as issues, and left out. */
export function validateTls(raw: unknown): { tls?: TlsConfig; issues: TlsIssue[] } {
  const issues: TlsIssue[] = []
  if (raw === null || raw === undefined) return { issues }
  if (!isObject(raw)) return { issues: [{ code: FileProblem.BAD_VALUE, message: `tls must be a mapping, not ${kindOf(raw)}` }] }
  const top = keys(raw, ['certificates', 'stores', 'options'], 'tls.', issues)
  const tls: TlsConfig = {}
  const certs = top.get('certificates')
  if (certs !== undefined && certs !== null) {
    if (!Array.isArray(certs)) issues.push({ code: FileProblem.BAD_VALUE, message: `tls.certificates must be a list, not ${kindOf(certs)}` })
    else {
      tls.certificates = []
      certs.forEach((c, i) => {
        const ref = certRef(c, `tls.certificates[${i}]`, issues, true)
        if (ref) tls.certificates!.push(ref)
      })
    }
  }
  const stores = top.get('stores')
  if (stores !== undefined && stores !== null) {
    if (!isObject(stores)) issues.push({ code: FileProblem.BAD_VALUE, message: `tls.stores must be a mapping, not ${kindOf(stores)}` })
    else {
      tls.stores = {}
      for (const [name, s] of Object.entries(stores)) {
        const path = `tls.stores.${name}`
        if (s === null || s === undefined) {
          tls.stores[name] = {}
          continue
        }
        if (!isObject(s)) {
          issues.push({ code: FileProblem.BAD_VALUE, message: `${path} must be a mapping, not ${kindOf(s)}` })
          continue
        }
        const f = keys(s, ['defaultCertificate'], `${path}.`, issues, ['defaultGeneratedCert'])
        const store: TlsStore = {}
        if (f.has('defaultCertificate')) {
          const ref = certRef(f.get('defaultCertificate'), `${path}.defaultCertificate`, issues, false)
          if (ref) store.defaultCertificate = ref
        }
        if (name !== 'default') issues.push({ code: FileProblem.UNSUPPORTED, message: `${path}: only the store named default is used (as in Traefik); this one is ignored`, warning: true })
        tls.stores[name] = store
      }
    }
  }
  const opts = top.get('options')
  if (opts !== undefined && opts !== null) {
    if (!isObject(opts)) issues.push({ code: FileProblem.BAD_VALUE, message: `tls.options must be a mapping, not ${kindOf(opts)}` })
    else {
      tls.options = {}
      for (const [name, o] of Object.entries(opts)) {
        if (name.includes('@')) {
          issues.push({ code: FileProblem.BAD_VALUE, message: `tls.options.${name}: the name may not contain "@"` })
          continue
        }
        const compiled = options(o, `tls.options.${name}`, issues)
        if (compiled) tls.options[name] = compiled
      }
    }
  }
  return { tls, issues }
}
