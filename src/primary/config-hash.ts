// A fingerprint of a configuration: sha1 over canonical JSON (object keys
// sorted, undefined dropped), so equal configs hash equal whatever the key
// order their provider built them in.
import { createHash } from 'node:crypto'

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`
  const obj = value as Record<string, unknown>
  const parts: string[] = []
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] === undefined) continue
    parts.push(`${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
  }
  return `{${parts.join(',')}}`
}

export function configHash(value: unknown): string {
  return createHash('sha1').update(canonicalJson(value)).digest('hex')
}
