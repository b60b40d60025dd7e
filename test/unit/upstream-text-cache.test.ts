// The parser's cache of short header texts (upstream/text-cache.ts) must
// always give the text of the bytes asked for: the same string for the same
// bytes, never another slot's text after a hash collision or a replacement.
import t from 'tap'
import { text } from '../../src/upstream/text-cache.js'

t.test('every range decodes as latin1, cached or not, colliding or not', async (t) => {
  let seed = 7
  const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n)
  const buf = Buffer.alloc(4096)
  let wrong = 0
  for (let round = 0; round < 20000; round++) {
    const n = rnd(64)
    const s = rnd(buf.length - n)
    // Few distinct byte values, so that many ranges repeat and many collide.
    for (let i = s; i < s + n; i++) buf[i] = 0x61 + rnd(3) + (rnd(50) === 0 ? 0x80 : 0)
    if (text(buf, s, s + n) !== buf.latin1Slice(s, s + n)) wrong++
  }
  t.equal(wrong, 0)
})

t.test('the same bytes give the same string object, wherever they sit', async (t) => {
  const a = Buffer.from('xxContent-Type: text/plain')
  const b = Buffer.from('Content-Type')
  const first = text(a, 2, 14)
  t.equal(first, 'Content-Type')
  t.equal(text(b, 0, 12), first)
  t.equal(text(a, 0, 0), '')
  const long = Buffer.alloc(100, 'z')
  t.equal(text(long, 0, 100), 'z'.repeat(100), 'longer than the cache keeps: decoded each time')
})
