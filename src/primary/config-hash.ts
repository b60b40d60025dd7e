// A fingerprint of a configuration: sha1 over canonical JSON (object keys
// sorted, undefined dropped), so equal configs hash equal whatever the key
// order their provider built them in.
import { createHash } from 'node:crypto'

/** JSON.stringify with every object's keys in sorted order; objects already sorted are not copied. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
    const keys = Object.keys(v)
    let sorted = true
    for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1]! < keys[i]!
    if (sorted) return v
    const copy: Record<string, unknown> = {}
    for (const k of keys.sort()) copy[k] = (v as Record<string, unknown>)[k]
    return copy
  }) ?? 'null'
}

export function configHash(value: unknown): string {
  return createHash('sha1').update(canonicalJson(value)).digest('hex')
}
