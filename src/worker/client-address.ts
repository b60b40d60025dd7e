// The client's IP address as text (X-Forwarded-For, X-Real-Ip, ClientIP rules,
// the access log). uWS returns the raw address in a fresh ArrayBuffer on every
// call; keep-alive clients repeat it request after request, so the last one
// is remembered and its text reused while the bytes match.
import type { HttpResponse } from 'uWebSockets.js'

const last = new Uint8Array(16)
let lastLength = -1
let lastText = ''

export function clientAddress(res: HttpResponse): string {
  const bytes = new Uint8Array(res.getRemoteAddress())
  const n = bytes.length
  if (n === lastLength) {
    let i = 0
    while (i < n && bytes[i] === last[i]) i++
    if (i === n) return lastText
  }
  last.set(bytes)
  lastLength = n
  lastText = addressText(bytes)
  return lastText
}

/** 4 or 16 address bytes as text ('' for anything else). */
export function addressText(b: Uint8Array): string {
  return b.length === 4 ? dotted(b, 0) : b.length === 16 ? ipv6(b) : ''
}

const dotted = (b: Uint8Array, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`

/** RFC 5952 text; an IPv4-mapped address (a v4 client on a dual-stack socket) as plain IPv4. */
function ipv6(b: Uint8Array): string {
  let mapped = b[10] === 0xff && b[11] === 0xff
  for (let i = 0; i < 10 && mapped; i++) mapped = b[i] === 0
  if (mapped) return dotted(b, 12)
  const words: number[] = []
  for (let i = 0; i < 16; i += 2) words.push((b[i]! << 8) | b[i + 1]!)
  // The longest run of two or more zero words becomes "::" (the first, on a tie).
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && words[j] === 0) j++
    if (j - i > bestLen) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':')
  if (best < 0) return hex(words)
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`
}
