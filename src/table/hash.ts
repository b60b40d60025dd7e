import { FNV_OFFSET, FNV_PRIME } from './layout.js'

/** ASCII lower-casing of one UTF-16 code unit. */
export function lowerCode(c: number): number {
  return c >= 65 && c <= 90 ? c | 0x20 : c
}

/**
 * The end of the host part of a Host header: before a `:port`, and before a
 * trailing dot. `[v6]:port` keeps its brackets.
 */
export function hostEnd(h: string): number {
  let end = h.length
  if (h.charCodeAt(0) === 91 /* [ */) {
    const close = h.indexOf(']')
    if (close > 0) end = close + 1
  } else {
    const colon = h.indexOf(':')
    if (colon >= 0) end = colon
  }
  if (end > 0 && h.charCodeAt(end - 1) === 46 /* . */) end--
  return end
}

/** FNV-1a over h[0, end) lower-cased; allocation-free. */
export function hashHost(h: string, end: number): number {
  let x = FNV_OFFSET | 0
  for (let i = 0; i < end; i++) x = Math.imul(x ^ lowerCode(h.charCodeAt(i)), FNV_PRIME)
  return x | 0
}
