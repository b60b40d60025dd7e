// The host index's hash. Hashing every code unit of a Host header in
// JavaScript costs ~2 ns a unit, more than the rest of a lookup; so the
// compiler picks a few positions that tell the table's host keys apart (as
// gperf does) and both sides hash only the key's length and the code units
// there. A table whose keys those positions cannot separate hashes them whole.
import { FNV_OFFSET, FNV_PRIME } from './layout.js'

/**
 * FNV-1a step over one UTF-16 code unit with bit 0x20 set: ASCII letters fold
 * to lower case without a branch. A few other units fold together too ('['
 * and '{', '@' and '`'); the key comparison after the hash tells them apart.
 */
export function hashStep(x: number, c: number): number {
  return Math.imul(x ^ (c | 0x20), FNV_PRIME)
}

const SEED = FNV_OFFSET | 0

/** The position count of a table whose keys no sample separates: every code unit is hashed. */
export const WHOLE_KEY = -1

/**
 * The hash of host[0, end). positions: count entries of offsets, from the
 * start when >= 0, from end when < 0 (-1 is the last unit); a position
 * outside the host reads as 0. count WHOLE_KEY hashes every unit.
 */
export function hashHost(host: string, end: number, positions: Int32Array, at: number, count: number): number {
  let x = hashStep(SEED, end)
  if (count === WHOLE_KEY) {
    for (let i = 0; i < end; i++) x = hashStep(x, host.charCodeAt(i))
    return x
  }
  for (let k = at; k < at + count; k++) x = hashStep(x, unitAt(host, end, positions[k]!))
  return x
}

/** The code unit at position p of host[0, end), counted from end when p < 0; 0 outside it. */
function unitAt(host: string, end: number, p: number): number {
  const i = p >= 0 ? p : end + p
  return i >= 0 && i < end ? host.charCodeAt(i) : 0
}

/** Positions tried: this many from each end of a key. */
const REACH = 16
/** Most positions a table hashes. */
export const MAX_POSITIONS = 8
/** Keys sharing a sample beyond this many: the sample is too weak, hash keys whole. */
const MAX_SHARED = 2

/**
 * Positions that tell the (lower-case) keys apart, greedily: each round adds
 * the position that splits the keys' current groups (same length, same units
 * at the positions so far) into the most groups. null (hash keys whole) when
 * no sample of MAX_POSITIONS leaves every group at MAX_SHARED keys or fewer.
 */
export function choosePositions(keys: string[]): number[] | null {
  let group = keys.map((k) => k.length)
  let groups = new Set(group).size
  const chosen: number[] = []
  const folded = (k: string, p: number): number => unitAt(k, k.length, p) | 0x20
  while (groups < keys.length && chosen.length < MAX_POSITIONS) {
    let best = 0
    let bestGroups = groups
    for (let p = -REACH; p < REACH; p++) {
      if (chosen.includes(p)) continue
      const split = new Set(keys.map((k, i) => group[i]! * 0x10000 + folded(k, p))).size
      if (split > bestGroups) [best, bestGroups] = [p, split]
    }
    if (bestGroups === groups) break
    const ids = new Map<number, number>()
    group = keys.map((k, i) => {
      const sig = group[i]! * 0x10000 + folded(k, best)
      let id = ids.get(sig)
      if (id === undefined) ids.set(sig, (id = ids.size))
      return id
    })
    groups = bestGroups
    chosen.push(best)
  }
  const sizes = new Map<number, number>()
  for (const g of group) {
    const n = (sizes.get(g) ?? 0) + 1
    if (n > MAX_SHARED) return null
    sizes.set(g, n)
  }
  return chosen
}
