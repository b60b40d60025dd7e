// Byte classes from RFC 9110/9112, as lookup tables so the parsers test a
// byte with one array read instead of a regex or a chain of comparisons.

/** tchar: the bytes allowed in a header name (token). */
export const TOKEN = new Uint8Array(256)
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1
for (let i = 0x30; i <= 0x39; i++) TOKEN[i] = 1
for (let i = 0x41; i <= 0x5a; i++) TOKEN[i] = 1
for (let i = 0x61; i <= 0x7a; i++) TOKEN[i] = 1

/** Bytes allowed in a header value, reason phrase or chunk extension: HTAB, SP, VCHAR, obs-text. */
export const FIELD = new Uint8Array(256)
FIELD[0x09] = 1
for (let i = 0x20; i <= 0x7e; i++) FIELD[i] = 1
for (let i = 0x80; i <= 0xff; i++) FIELD[i] = 1

/** FIELD without obs-text: what nearly every value holds, scanned first. */
export const ASCII_FIELD = FIELD.slice()
ASCII_FIELD.fill(0, 0x80)

/** Hex digit value + 1 (0 = not a hex digit). */
export const HEX = new Uint8Array(256)
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i + 1
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 11 + i
  HEX[0x61 + i] = 11 + i
}

export const CR = 0x0d
export const LF = 0x0a
export const SP = 0x20
export const HTAB = 0x09

/** True when buf[s..e) equals the lower-case ASCII word, ignoring ASCII case. */
export function eqLower(buf: Uint8Array, s: number, e: number, word: Uint8Array): boolean {
  if (e - s !== word.length) return false
  for (let i = 0; i < word.length; i++) if ((buf[s + i]! | 0x20) !== word[i]) return false
  return true
}

export const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0))

/** latin1 decoding of a byte range: Buffer's internal slice skips the argument checks of toString. */
export const latin1 = (buf: Buffer, s: number, e: number): string =>
  (buf as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(s, e)
