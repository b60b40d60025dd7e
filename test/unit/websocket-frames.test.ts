// pier's WebSocket framing toward backends: the strict frame parser, the
// masked frames it writes, the streaming UTF-8 check and the handshake checks.
import t, { type Test } from 'tap'
import { closeFrame, feedFrames, frame } from '../helpers/ws-frames.js'
import { closePayload, maskedFrame } from '../../src/websocket/frame-writer.js'
import { Utf8Stream } from '../../src/websocket/utf8.js'
import { acceptFor, checkBackendHandshake, hasToken, isWebSocketKey } from '../../src/websocket/handshake.js'
import { isSendableCloseCode } from '../../src/websocket/close-codes.js'

const M = Buffer.from([1, 2, 3, 4])

t.test('valid streams: messages, fragments, control frames between fragments, close', async (t) => {
  const bytes = Buffer.concat([
    frame({ op: 1, payload: 'hello' }),
    frame({ op: 2, payload: Buffer.from([0, 255, 10]) }),
    frame({ op: 1, payload: 'frag', fin: false }),
    frame({ op: 9, payload: 'p1' }),
    frame({ op: 0, payload: 'men', fin: false }),
    frame({ op: 10, payload: '' }),
    frame({ op: 0, payload: 'ted' }),
    frame({ op: 1, payload: '' }),
    frame({ op: 2, payload: Buffer.alloc(300, 7) }),
    frame({ op: 2, payload: Buffer.alloc(70000, 8) }),
    frame({ op: 1, payload: 'é€😀' }),
    closeFrame(4001, 'bye'),
    frame({ op: 1, payload: 'after close' }),
  ])
  const whole = feedFrames(bytes)
  t.same(whole.messages.map((m) => [m.binary, m.data.length]), [[false, 5], [true, 3], [false, 10], [false, 0], [true, 300], [true, 70000], [false, 9]])
  t.equal(whole.messages[2]!.data, 'fragmented')
  t.equal(Buffer.from(whole.messages[6]!.data, 'latin1').toString(), 'é€😀')
  t.same(whole.pings, ['p1'])
  t.same(whole.pongs, [''])
  t.same(whole.close, { code: 4001, reason: 'bye' })
  t.equal(whole.error, null)
  t.equal(whole.left, frame({ op: 1, payload: 'after close' }).length, 'nothing is read after the close frame')
  // Split at every byte of the small frames' region: the same result.
  for (let i = 1; i < 80; i++) t.same(feedFrames(bytes, [i]), whole, `split at ${i}`)
  t.same(feedFrames(bytes, Array.from({ length: bytes.length / 997 }, (_, i) => i * 997)), whole, 'many splits')
})

t.test('close frames: no code is 1005; reasons kept', async (t) => {
  t.same(feedFrames(frame({ op: 8 })).close, { code: 1005, reason: '' })
  t.same(feedFrames(closeFrame(1000)).close, { code: 1000, reason: '' })
  t.same(feedFrames(closeFrame(1001, 'going')).close, { code: 1001, reason: 'going' })
})

const refused: Array<[string, Buffer, number, number?]> = [
  ['masked frame', frame({ op: 1, payload: 'x', mask: M }), 1002],
  ['RSV1 (compressed) without negotiation', frame({ op: 1, payload: 'x', rsv: 4 }), 1002],
  ['RSV2', frame({ op: 2, payload: 'x', rsv: 2 }), 1002],
  ['data opcode 3', frame({ op: 3, payload: 'x' }), 1002],
  ['control opcode 11', frame({ op: 11 }), 1002],
  ['fragmented ping', frame({ op: 9, fin: false }), 1002],
  ['ping of 126 bytes', frame({ op: 9, payload: Buffer.alloc(126) }), 1002],
  ['close with 1 byte', frame({ op: 8, payload: Buffer.from([3]) }), 1002],
  ['close code 1005 on the wire', closeFrame(1005), 1002],
  ['close code 1006 on the wire', closeFrame(1006), 1002],
  ['close code 999', closeFrame(999), 1002],
  ['close code 2000', closeFrame(2000), 1002],
  ['close code 5000', closeFrame(5000), 1002],
  ['close reason not UTF-8', frame({ op: 8, payload: Buffer.from([0x03, 0xe8, 0xff]) }), 1007],
  ['continuation without a message', frame({ op: 0, payload: 'x' }), 1002],
  ['new message inside a fragmented one', Buffer.concat([frame({ op: 1, payload: 'a', fin: false }), frame({ op: 1, payload: 'b' })]), 1002],
  ['16-bit length for 5 bytes', frame({ op: 2, payload: 'hello', lengthForm: 16 }), 1002],
  ['64-bit length for 300 bytes', frame({ op: 2, payload: Buffer.alloc(300), lengthForm: 64 }), 1002],
  ['64-bit length with the top bit', Buffer.from([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1]), 1002],
  ['text not UTF-8', frame({ op: 1, payload: Buffer.from([0x61, 0xc3, 0x28]) }), 1007],
  ['text cut inside a character at the end', frame({ op: 1, payload: Buffer.from([0x61, 0xe2, 0x82]) }), 1007],
  ['overlong encoding', frame({ op: 1, payload: Buffer.from([0xc0, 0xaf]) }), 1007],
  ['surrogate half', frame({ op: 1, payload: Buffer.from([0xed, 0xa0, 0x80]) }), 1007],
  ['message over the limit in one frame', frame({ op: 2, payload: Buffer.alloc(101) }), 1009, 100],
  ['message over the limit across fragments', Buffer.concat([frame({ op: 2, payload: Buffer.alloc(60), fin: false }), frame({ op: 0, payload: Buffer.alloc(60) })]), 1009, 100],
  ['huge announced length', frame({ op: 2, length: 2 ** 40, lengthForm: 64 }), 1009],
]

t.test('protocol violations are refused with the close code to answer', async (t) => {
  for (const [name, bytes, code, max] of refused) {
    const r = feedFrames(bytes, [], max)
    t.equal(r.error?.code, code, `${name}: ${r.error?.message}`)
    // The same at every split point.
    for (let i = 1; i < Math.min(bytes.length, 40); i++) t.equal(feedFrames(bytes, [i], max).error?.code, code, `${name} split at ${i}`)
  }
})

t.test('a message exactly at the limit passes', async (t) => {
  const r = feedFrames(Buffer.concat([frame({ op: 2, payload: Buffer.alloc(50), fin: false }), frame({ op: 0, payload: Buffer.alloc(50) })]), [], 100)
  t.equal(r.error, null)
  t.equal(r.messages[0]!.data.length, 100)
})

/** Unmasks a frame pier wrote, checking its header. */
function unmask(t: Test, f: Buffer): { fin: boolean; op: number; payload: Buffer } {
  t.ok(f[1]! & 0x80, 'masked')
  let len = f[1]! & 0x7f
  let p = 2
  if (len === 126) {
    len = f.readUInt16BE(2)
    p = 4
  } else if (len === 127) {
    len = Number(f.readBigUInt64BE(2))
    p = 10
  }
  const key = f.subarray(p, p + 4)
  const payload = Buffer.from(f.subarray(p + 4).map((b, i) => b ^ key[i & 3]!))
  t.equal(payload.length, len, 'length field matches')
  return { fin: (f[0]! & 0x80) !== 0, op: f[0]! & 0x0f, payload }
}

t.test('masked frames round-trip at every length form, with fresh keys', async (t) => {
  for (const n of [0, 1, 3, 4, 5, 125, 126, 127, 65535, 65536, 1 << 20]) {
    const data = Buffer.alloc(n)
    for (let i = 0; i < n; i++) data[i] = (i * 31) & 0xff
    const f = maskedFrame(2, data)
    const u = unmask(t, f)
    t.ok(u.fin && u.op === 2 && u.payload.equals(data), `length ${n}`)
  }
  const keys = new Set(Array.from({ length: 3000 }, () => maskedFrame(1, Buffer.from('x')).subarray(2, 6).toString('hex')))
  t.ok(keys.size > 2990, `masking keys differ (${keys.size} distinct of 3000)`)
})

t.test('close payloads: code and reason, cut to 123 bytes on a character boundary', async (t) => {
  t.equal(closePayload(1005, Buffer.from('x')).length, 0)
  t.same([...closePayload(1000, Buffer.alloc(0))], [0x03, 0xe8])
  const long = Buffer.from('é'.repeat(100))
  const p = closePayload(4000, long)
  t.ok(p.length <= 125)
  t.ok(Buffer.from(p.subarray(2)).toString() === 'é'.repeat(61), 'whole characters only')
})

t.test('UTF-8 stream: any split gives the verdict of the whole', async (t) => {
  const samples = [Buffer.from('plain ascii'), Buffer.from('é€😀 mixed ✓'), Buffer.from([0xf0, 0x9f, 0x98]), Buffer.from([0xe2, 0x28, 0xa1]), Buffer.from([0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80])]
  const { isUtf8 } = await import('node:buffer')
  for (const s of samples) {
    for (let i = 0; i <= s.length; i++) {
      for (let j = i; j <= s.length; j++) {
        const u = new Utf8Stream()
        const ok = u.push(s.subarray(0, i), false) && u.push(s.subarray(i, j), false) && u.push(s.subarray(j), true)
        t.equal(ok, isUtf8(s), `${s.toString('hex')} split at ${i},${j}`)
      }
    }
  }
})

t.test('handshake checks', async (t) => {
  const key = 'dGhlIHNhbXBsZSBub25jZQ=='
  t.equal(acceptFor(key), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', "RFC 6455's example")
  t.ok(isWebSocketKey(key))
  t.notOk(isWebSocketKey('dGhlIHNhbXBsZSBub25jZQ='))
  t.notOk(isWebSocketKey('dGhlIHNhbXBsZSBub25jZR=='), 'padding bits set')
  t.ok(hasToken('keep-alive, Upgrade', 'upgrade'))
  t.notOk(hasToken('upgrades', 'upgrade'))
  const ok = ['Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Accept', acceptFor(key)]
  t.same(checkBackendHandshake(ok, key, ''), { protocol: '', problem: '' })
  t.same(checkBackendHandshake([...ok, 'Sec-WebSocket-Protocol', 'chat'], key, 'chat, superchat'), { protocol: 'chat', problem: '' })
  t.match(checkBackendHandshake([...ok, 'Sec-WebSocket-Protocol', 'other'], key, 'chat').problem, /did not offer/)
  t.match(checkBackendHandshake([...ok, 'Sec-WebSocket-Extensions', 'permessage-deflate'], key, '').problem, /extensions/)
  t.match(checkBackendHandshake(['Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Accept', 'wrong'], key, '').problem, /Accept/)
  t.match(checkBackendHandshake(['Upgrade', 'h2c', 'Connection', 'Upgrade'], key, '').problem, /Upgrade: websocket/)
  t.match(checkBackendHandshake(['Upgrade', 'websocket', 'Sec-WebSocket-Accept', acceptFor(key)], key, '').problem, /Connection/)
})

t.test('close codes that may be sent', async (t) => {
  t.same([999, 1000, 1001, 1003, 1004, 1005, 1006, 1007, 1011, 1014, 1015, 2999, 3000, 4999, 5000].map(isSendableCloseCode), [false, true, true, true, false, false, false, true, true, true, false, false, true, true, false])
})
