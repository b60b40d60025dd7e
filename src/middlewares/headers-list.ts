// Headers as flat [name, value, name, value, ...] arrays, the shape uWS's
// forEach and pier's backend client hand over. Names compare in any case;
// these helpers edit an array in place.

function sameName(a: string, lower: string): boolean {
  if (a.length !== lower.length) return false
  for (let i = 0; i < a.length; i++) {
    let c = a.charCodeAt(i)
    if (c >= 65 && c <= 90) c |= 0x20
    if (c !== lower.charCodeAt(i)) return false
  }
  return true
}

/** The first value of the header (name lower-case), or ''. */
export function getHeader(h: readonly string[], lower: string): string {
  for (let i = 0; i < h.length; i += 2) if (sameName(h[i]!, lower)) return h[i + 1]!
  return ''
}

/** Every value of the header, in order. */
export function getAll(h: readonly string[], lower: string): string[] {
  const out: string[] = []
  for (let i = 0; i < h.length; i += 2) if (sameName(h[i]!, lower)) out.push(h[i + 1]!)
  return out
}

export function hasHeader(h: readonly string[], lower: string): boolean {
  for (let i = 0; i < h.length; i += 2) if (sameName(h[i]!, lower)) return true
  return false
}

/** Removes every occurrence of the header. */
export function removeHeader(h: string[], lower: string): void {
  let w = 0
  for (let r = 0; r < h.length; r += 2) {
    if (sameName(h[r]!, lower)) continue
    h[w++] = h[r]!
    h[w++] = h[r + 1]!
  }
  h.length = w
}

/** Replaces every occurrence with one value (name as given). */
export function setHeader(h: string[], name: string, value: string): void {
  removeHeader(h, name.toLowerCase())
  h.push(name, value)
}

/** Appends a value, keeping those already there. */
export function addHeader(h: string[], name: string, value: string): void {
  h.push(name, value)
}
