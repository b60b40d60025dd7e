// Go's http.DetectContentType (the WHATWG MIME sniffing algorithm, as far
// as Go implements it), for the contentType middleware.

type Sig = (data: Buffer, firstNonWS: number) => string

const isWS = (b: number): boolean => b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d || b === 0x20
const isTT = (b: number): boolean => b === 0x20 || b === 0x3e

/** An HTML tag at the first non-whitespace byte, case-insensitive, ended by space or '>'. */
function html(tag: string): Sig {
  return (d, i) => {
    if (d.length < i + tag.length + 1) return ''
    for (let k = 0; k < tag.length; k++) {
      let b = d[i + k]!
      if (b >= 0x41 && b <= 0x5a) b |= 0x20
      if (b !== tag.charCodeAt(k)) return ''
    }
    return isTT(d[i + tag.length]!) ? 'text/html; charset=utf-8' : ''
  }
}

/** Bytes at the start, with a mask (0xff where exact). */
function masked(pattern: number[], mask: number[] | null, type: string, skipWS = false): Sig {
  return (d, i) => {
    const at = skipWS ? i : 0
    if (d.length < at + pattern.length) return ''
    for (let k = 0; k < pattern.length; k++) if ((d[at + k]! & (mask ? mask[k]! : 0xff)) !== pattern[k]) return ''
    return type
  }
}

const bytes = (s: string): number[] => [...s].map((c) => c.charCodeAt(0))
const exact = (s: string | number[], type: string): Sig => masked(typeof s === 'string' ? bytes(s) : s, null, type)

const mp4: Sig = (d) => {
  if (d.length < 12) return ''
  const boxSize = d.readUInt32BE(0)
  if (d.length < boxSize || boxSize % 4 !== 0 || d.toString('latin1', 4, 8) !== 'ftyp') return ''
  for (let st = 8; st < boxSize; st += 4) {
    if (st === 12) continue
    if (d.toString('latin1', st, st + 3) === 'mp4') return 'video/mp4'
  }
  return ''
}

const text: Sig = (d, i) => {
  for (let k = i; k < d.length; k++) {
    const b = d[k]!
    if (b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f)) return ''
  }
  return 'text/plain; charset=utf-8'
}

const SIGS: Sig[] = [
  ...['!doctype html', 'html', 'head', 'script', 'iframe', 'h1', 'div', 'font', 'table', 'a', 'style', 'title', 'b', 'body', 'br', 'p', '!--'].map((t) => html(`<${t}`)),
  masked(bytes('<?xml'), null, 'text/xml; charset=utf-8', true),
  exact('%PDF-', 'application/pdf'),
  exact('%!PS-Adobe-', 'application/postscript'),
  exact([0xfe, 0xff, 0, 0], 'text/plain; charset=utf-16be'),
  masked([0xfe, 0xff], null, 'text/plain; charset=utf-16be'),
  masked([0xff, 0xfe], null, 'text/plain; charset=utf-16le'),
  masked([0xef, 0xbb, 0xbf], null, 'text/plain; charset=utf-8'),
  exact([0, 0, 1, 0], 'image/x-icon'),
  exact([0, 0, 2, 0], 'image/x-icon'),
  exact('BM', 'image/bmp'),
  exact('GIF87a', 'image/gif'),
  exact('GIF89a', 'image/gif'),
  masked(bytes('RIFF\0\0\0\0WEBPVP'), [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 'image/webp'),
  exact('\x89PNG\x0d\x0a\x1a\x0a', 'image/png'),
  exact([0xff, 0xd8, 0xff], 'image/jpeg'),
  masked(bytes('FORM\0\0\0\0AIFF'), [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], 'audio/aiff'),
  masked(bytes('ID3'), null, 'audio/mpeg'),
  masked(bytes('OggS\0'), null, 'application/ogg'),
  masked(bytes('MThd\0\0\0\x06'), null, 'audio/midi'),
  masked(bytes('RIFF\0\0\0\0AVI '), [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], 'video/avi'),
  masked(bytes('RIFF\0\0\0\0WAVE'), [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], 'audio/wave'),
  mp4,
  exact([0x1a, 0x45, 0xdf, 0xa3], 'video/webm'),
  masked(bytes('\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0LP'), [...Array(34).fill(0), 0xff, 0xff], 'application/vnd.ms-fontobject'),
  exact([0, 1, 0, 0], 'font/ttf'),
  exact('OTTO', 'font/otf'),
  exact('ttcf', 'font/collection'),
  exact('wOFF', 'font/woff'),
  exact('wOF2', 'font/woff2'),
  exact([0x1f, 0x8b, 0x08], 'application/x-gzip'),
  exact('PK\x03\x04', 'application/zip'),
  exact('Rar!\x1a\x07\x00', 'application/x-rar-compressed'),
  exact('Rar!\x1a\x07\x01\x00', 'application/x-rar-compressed'),
  exact([0, 0x61, 0x73, 0x6d], 'application/wasm'),
  text,
]

/** The content type of data (its first 512 bytes are looked at); application/octet-stream when nothing fits. */
export function detectContentType(data: Buffer): string {
  const d = data.subarray(0, 512)
  let first = 0
  while (first < d.length && isWS(d[first]!)) first++
  for (const sig of SIGS) {
    const t = sig(d, first)
    if (t !== '') return t
  }
  return 'application/octet-stream'
}
