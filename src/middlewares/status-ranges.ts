// Traefik's HTTP status ranges: "500-599", "404", or several joined by commas.
import { MiddlewareError } from './kind.js'

export type Ranges = [low: number, high: number][]

export function parseRanges(list: readonly string[], option: string): Ranges {
  const out: Ranges = []
  for (const block of list) {
    for (const item of block.split(',')) {
      const codes = item.trim().split('-')
      const low = Number(codes[0])
      const high = Number(codes[1] ?? codes[0])
      if (codes.length > 2 || !Number.isInteger(low) || !Number.isInteger(high) || codes.some((c) => !/^\s*\d+\s*$/.test(c))) {
        throw new MiddlewareError(`${option}: ${JSON.stringify(item)} is not a status or a range such as 500-599`)
      }
      out.push([low, high])
    }
  }
  return out
}

export function inRanges(r: Ranges, status: number): boolean {
  for (const [low, high] of r) if (status >= low && status <= high) return true
  return false
}
