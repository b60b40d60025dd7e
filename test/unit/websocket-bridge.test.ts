// The frames pier hands uWS toward a client, with a recording stand-in for
// uWS's WebSocket. uWS 20.30 writes a frame of 16 KiB or more straight to
// the socket when it holds nothing for the client, and loses the payload when
// the kernel then takes no more than the header (the CI failure "invalid
// opcode 3" of the flood test): while nothing is buffered, no such frame may
// reach it, and the frames must still carry every message whole and in order.
import t, { type Test } from 'tap'
import type { WebSocket } from 'uWebSockets.js'
import { Bridge } from '../../src/worker/websocket-bridge.js'
import type { Slot } from '../../src/worker/websocket-behavior.js'
import type { Tunnel } from '../../src/upstream/upgrade.js'
import { frame } from '../helpers/ws-frames.js'

interface Sent {
  kind: 'send' | 'first' | 'frag' | 'last'
  data: Buffer
  compress: boolean
  /** What uWS held for the client when the frame was handed over. */
  buffered: number
}

/** A bridge whose client side records every frame; buffered(n) says what uWS holds after n frames. */
function bridge(buffered: (n: number) => number, compress = false, tls = false): { b: Bridge; sent: Sent[] } {
  const sent: Sent[] = []
  // A copy: what the bridge hands over is valid during the call only.
  const record = (kind: Sent['kind'], data: Buffer, compress: boolean): number => {
    sent.push({ kind, data: Buffer.from(data), compress, buffered: buffered(sent.length) })
    return 1
  }
  const ws = {
    send: (d: Buffer, _binary: boolean, c: boolean) => record('send', d, c),
    sendFirstFragment: (d: Buffer, _binary: boolean, c: boolean) => record('first', d, c),
    sendFragment: (d: Buffer, c: boolean) => record('frag', d, c),
    sendLastFragment: (d: Buffer, c: boolean) => record('last', d, c),
    getBufferedAmount: () => buffered(sent.length),
  }
  const tunnel = { start() {}, pause() {}, resume() {}, send: () => true, buffered: 0, closeWrite() {}, destroy() {} }
  const b = new Bridge(tunnel as unknown as Tunnel, { bridgeEnded() {} }, { maxMessageSize: 16 << 20, compress }, tls)
  b.opened(ws as unknown as WebSocket<Slot>)
  return { b, sent }
}

/** The messages the recorded frames carry, checking that each starts and ends where it should. */
function messages(t: Test, sent: Sent[]): Buffer[] {
  const out: Buffer[] = []
  let open: Buffer[] | null = null
  for (const s of sent) {
    if (s.kind === 'send' || s.kind === 'first') {
      t.equal(open, null, 'a message starts only after the last one ended')
      open = [s.data]
    } else {
      t.not(open, null, 'a continuation belongs to a message')
      open!.push(s.data)
    }
    if (s.kind === 'send' || s.kind === 'last') {
      out.push(Buffer.concat(open!))
      open = null
    }
  }
  t.equal(open, null, 'the last message ended')
  return out
}

const counting = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 0xff))

/** Feeds bytes to the bridge in reads of at most `read` bytes, as the tunnel does. */
function feed(t: Test, b: Bridge, bytes: Buffer, read = 64 * 1024): void {
  for (let at = 0; at < bytes.length; at += read) {
    const chunk = Buffer.from(bytes.subarray(at, at + read))
    t.equal(b.onTunnelData(chunk, 0, chunk.length), chunk.length, 'each read is consumed')
  }
}

t.test('nothing buffered toward the client: no frame of 16 KiB or more, every message whole', async (t) => {
  const { b, sent } = bridge(() => 0)
  // The flood test's frames (64 KiB with the header: one read each), one across four reads, one small.
  const whole = counting(65532)
  const long = counting(200_000)
  feed(t, b, Buffer.concat([frame({ op: 2, payload: whole }), frame({ op: 2, payload: long }), frame({ op: 1, payload: 'small' })]))
  t.same(sent.filter((s) => s.data.length >= 16 * 1024).map((s) => s.data.length), [], 'every frame is below 16 KiB')
  const got = messages(t, sent)
  t.equal(got.length, 3)
  t.ok(got[0]!.equals(whole), 'the 64 KiB message intact')
  t.ok(got[1]!.equals(long), 'the 200 KB message intact')
  t.equal(got[2]!.toString(), 'small')
  t.equal(b.bytesOut, whole.length + long.length + 5)
})

t.test('once uWS holds bytes for the client, the rest of a piece goes as one frame', async (t) => {
  const { b, sent } = bridge((n) => (n === 0 ? 0 : 5000))
  const whole = counting(65532)
  feed(t, b, frame({ op: 2, payload: whole }))
  t.same(sent.map((s) => [s.kind, s.data.length, s.buffered]), [['first', 16 * 1024 - 8, 0], ['last', 65532 - (16 * 1024 - 8), 5000]])
  t.ok(messages(t, sent)[0]!.equals(whole))
})

t.test('--webSocket.compression: a message that came whole is still sent whole, compressed', async (t) => {
  const { b, sent } = bridge(() => 0, true)
  const whole = counting(65532)
  feed(t, b, frame({ op: 2, payload: whole }))
  t.same(sent.map((s) => [s.kind, s.data.length, s.compress]), [['send', 65532, true]])
})

t.test('a client on TLS: uWS never writes to it directly, so a piece goes as one frame', async (t) => {
  const { b, sent } = bridge(() => 0, false, true)
  const whole = counting(65532)
  feed(t, b, frame({ op: 2, payload: whole }))
  t.same(sent.map((s) => [s.kind, s.data.length]), [['send', 65532]])
})
