// Address bytes as uWS hands them over, to the text pier forwards (RFC 5952).
import t from 'tap'
import { addressText } from '../../src/worker/client-address.js'

const v6 = (...words: number[]): Uint8Array => {
  const b = new Uint8Array(16)
  words.forEach((w, i) => ((b[2 * i] = w >> 8), (b[2 * i + 1] = w & 0xff)))
  return b
}

t.test('IPv4 and IPv4-mapped', async (t) => {
  t.equal(addressText(Uint8Array.of(192, 0, 2, 33)), '192.0.2.33')
  t.equal(addressText(v6(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0221)), '192.0.2.33')
})

t.test('IPv6 compression', async (t) => {
  t.equal(addressText(v6(0, 0, 0, 0, 0, 0, 0, 1)), '::1')
  t.equal(addressText(v6(0, 0, 0, 0, 0, 0, 0, 0)), '::')
  t.equal(addressText(v6(0x2001, 0xdb8, 0, 0, 0, 0, 2, 1)), '2001:db8::2:1')
  t.equal(addressText(v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1)), '2001:db8:0:1:1:1:1:1', 'one zero word stays')
  t.equal(addressText(v6(0x2001, 0, 0, 1, 0, 0, 0, 1)), '2001:0:0:1::1', 'the longest run is compressed')
  t.equal(addressText(v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1)), '2001:db8::1:0:0:1', 'the first of equal runs')
  t.equal(addressText(v6(0xfe80, 0, 0, 0, 0x1ff, 0xfe23, 0x4567, 0x890a)), 'fe80::1ff:fe23:4567:890a')
  t.equal(addressText(v6(1, 0, 0, 0, 0, 0, 0, 0)), '1::')
  t.equal(addressText(v6(0, 0, 0, 0, 0, 0xfffe, 0xc000, 0x0221)), '::fffe:c000:221', 'not mapped: ffff only')
})

t.test('other lengths', async (t) => {
  t.equal(addressText(new Uint8Array(0)), '')
})
