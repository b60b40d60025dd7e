// Fuzzing pier's WebSocket frame parser, seeded and bounded:
// 1. random valid streams (every opcode, fragments with control frames
//    between them, all length forms, UTF-8 text) split randomly report
//    exactly what the whole stream reports;
// 2. random byte mutations never throw, end in messages or a close code to
//    answer (1002, 1007, 1009), and report the same whole or split.
import t from 'tap'
import { closeFrame, feedFrames, frame } from '../helpers/ws-frames.js'
import { rng } from '../helpers/rng.js'

const SEED = Number(process.env.FUZZ_SEED ?? 0x3e55)
const STREAMS = Number(process.env.FUZZ_STREAMS ?? 300)
const MUTATIONS = Number(process.env.FUZZ_MUTATIONS ?? 3000)
const TEXTS = ['', 'a', 'hello', 'é', '€uro', '😀 smile', 'mixed é€😀 text'.repeat(20)]

function randomStream(next: () => number): Buffer {
  const frames: Buffer[] = []
  const n = 1 + Math.floor(next() * 8)
  for (let i = 0; i < n; i++) {
    const kind = next()
    if (kind < 0.15) frames.push(frame({ op: next() < 0.5 ? 9 : 10, payload: Buffer.alloc(Math.floor(next() * 126), 0x70) }))
    else if (kind < 0.5) frames.push(frame({ op: 1, payload: TEXTS[Math.floor(next() * TEXTS.length)]! }))
    else if (kind < 0.8) {
      const size = [0, 5, 125, 126, 300, 65535, 65536, 100_000][Math.floor(next() * 8)]!
      frames.push(frame({ op: 2, payload: Buffer.alloc(size, Math.floor(next() * 256)) }))
    } else {
      // A fragmented text message cut inside characters, with a ping between fragments.
      const text = Buffer.from(TEXTS[TEXTS.length - 1]!)
      const a = Math.floor(next() * text.length)
      const b = a + Math.floor(next() * (text.length - a))
      frames.push(frame({ op: 1, payload: text.subarray(0, a), fin: false }), frame({ op: 9, payload: 'x' }), frame({ op: 0, payload: text.subarray(a, b), fin: false }), frame({ op: 0, payload: text.subarray(b) }))
    }
  }
  if (next() < 0.5) frames.push(closeFrame(1000 + Math.floor(next() * 4), 'done'))
  return Buffer.concat(frames)
}

function randomSplits(next: () => number, len: number): number[] {
  return Array.from({ length: 1 + Math.floor(next() * 10) }, () => Math.floor(next() * len))
}

t.test('valid streams split anywhere report what they report whole', async (t) => {
  const next = rng(SEED)
  let bad = 0
  for (let i = 0; i < STREAMS && bad === 0; i++) {
    const s = randomStream(next)
    const whole = feedFrames(s)
    if (whole.error !== null) {
      bad++
      t.fail(`stream ${i} refused: ${whole.error.message}`)
    }
    for (let k = 0; k < 5 && bad === 0; k++) {
      const splits = randomSplits(next, s.length)
      const r = feedFrames(s, splits)
      if (JSON.stringify(r) !== JSON.stringify(whole)) {
        bad++
        t.same(r, whole, `stream ${i} split at ${splits}`)
      }
    }
  }
  t.equal(bad, 0, `${STREAMS} streams`)
})

t.test('mutated streams end in messages or a close code, the same whole or split', async (t) => {
  const next = rng(SEED + 1)
  const codes = new Set([1002, 1007, 1009])
  let bad = 0
  for (let i = 0; i < MUTATIONS && bad === 0; i++) {
    const s = Buffer.from(randomStream(next).subarray(0, 3000))
    const flips = 1 + Math.floor(next() * 4)
    for (let f = 0; f < flips; f++) s[Math.floor(next() * s.length)] = Math.floor(next() * 256)
    let whole
    try {
      whole = feedFrames(s, [], 64 * 1024)
    } catch (err) {
      bad++
      t.fail(`mutation ${i} threw: ${(err as Error).stack}`)
      break
    }
    if (whole.error !== null && !codes.has(whole.error.code)) {
      bad++
      t.fail(`mutation ${i}: unexpected code ${whole.error.code}`)
    }
    const splits = randomSplits(next, s.length)
    const r = feedFrames(s, splits, 64 * 1024)
    if (JSON.stringify(r) !== JSON.stringify(whole)) {
      bad++
      t.same(r, whole, `mutation ${i} split at ${splits} (${s.subarray(0, 40).toString('hex')})`)
    }
  }
  t.equal(bad, 0, `${MUTATIONS} mutations`)
})
