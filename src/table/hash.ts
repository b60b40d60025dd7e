import { FNV_OFFSET, FNV_PRIME } from './layout.js'

/**
 * FNV-1a step over one UTF-16 code unit with bit 0x20 set: ASCII letters fold
 * to lower case without a branch. A few other units fold together too ('['
 * and '{', '@' and '`'); the key comparison after the hash tells them apart.
 */
export function hashStep(x: number, c: number): number {
  return Math.imul(x ^ (c | 0x20), FNV_PRIME)
}

export const HASH_SEED = FNV_OFFSET | 0

/** The hash of a host key as the table stores it (lower-case, no port). */
export function hashHostKey(key: string): number {
  let x = HASH_SEED
  for (let i = 0; i < key.length; i++) x = hashStep(x, key.charCodeAt(i))
  return x
}
