// Fuzzing the response parser, seeded and bounded:
// 1. valid responses split at every byte and in random chunkings parse to
//    exactly what the whole response parses to;
// 2. random mutations always end in a parsed response or a coded error
//    (never an exception, never left waiting after EOF), and split the same way
//    as they parse whole.
import t from 'tap'
import { parse, type Parsed } from './feed.js'
import { rng } from '../helpers/rng.js'

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed)
const MUTATIONS = Number(process.env.FUZZ_MUTATIONS ?? 4000)
const CHUNKINGS = 60


const R = (s: string): string => s.replace(/\n/g, '\r\n')
const corpus: Array<{ name: string; raw: string; isHead?: boolean }> = [
  { name: 'content-length', raw: R('HTTP/1.1 200 OK\nServer: x\nContent-Length: 11\n\nhello world') },
  { name: 'chunked+ext+trailers', raw: R('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n4;a=b\nwiki\n5 ;q="x;y"\npedia\nE\n in\n\nchunks.\n0\nExpires: never\nX-Md5: abc\n\n') },
  { name: 'chunked no trailers', raw: R('HTTP/1.1 201 Created\ntransfer-encoding: chunked\nX-A: 1\n\n1\na\n0\n\n') },
  { name: 'close-delimited', raw: R('HTTP/1.0 200 OK\nContent-Type: text/plain\n\nuntil the end\nof the stream') },
  { name: 'interim then final', raw: R('HTTP/1.1 100 Continue\n\nHTTP/1.1 103 Early Hints\nLink: </s.css>\n\nHTTP/1.1 404 Not Found\nContent-Length: 3\n\nnop') },
  { name: 'HEAD', raw: R('HTTP/1.1 200 OK\nContent-Length: 512\n\n'), isHead: true },
  { name: '204', raw: R('HTTP/1.1 204 No Content\nDate: now\n\n') },
  { name: '304 with length', raw: R('HTTP/1.1 304 Not Modified\nContent-Length: 50\nETag: "x"\n\n') },
  { name: 'bare LF head', raw: 'HTTP/1.0 200 OK\nContent-Type: text/plain\r\nX-A: b\n\nclose-delimited' },
  { name: 'binary body', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n\r\n\x00\xff\r\n0\r\n' },
]

const CODES = new Set(['UPSTREAM_BAD_RESPONSE', 'UPSTREAM_RESET'])

function ended(r: Parsed): boolean {
  return r.error !== null || r.trailers !== null
}

function randomSplits(next: () => number, len: number): number[] {
  const n = 1 + Math.floor(next() * Math.min(len, 12))
  return Array.from({ length: n }, () => Math.floor(next() * len))
}

t.test('every split point and random chunkings give identical results', async (t) => {
  const next = rng(SEED)
  for (const c of corpus) {
    const whole = parse(c.raw, [], { isHead: c.isHead })
    t.equal(whole.error, null, `${c.name} parses`)
    let same = true
    for (let i = 1; i < c.raw.length && same; i++) {
      const r = parse(c.raw, [i], { isHead: c.isHead })
      if (JSON.stringify(r) !== JSON.stringify(whole)) {
        same = false
        t.same(r, whole, `${c.name} split at ${i}`)
      }
    }
    for (let k = 0; k < CHUNKINGS && same; k++) {
      const splits = randomSplits(next, c.raw.length)
      const r = parse(c.raw, splits, { isHead: c.isHead })
      if (JSON.stringify(r) !== JSON.stringify(whole)) {
        same = false
        t.same(r, whole, `${c.name} split at ${splits}`)
      }
    }
    t.ok(same, `${c.name}: all splits agree`)
  }
})

const INTERESTING = [0x0d, 0x0a, 0x3a, 0x20, 0x09, 0x3b, 0x30, 0x31, 0x66, 0x00, 0x7f, 0xff, 0x2c, 0x22]

function mutate(next: () => number, raw: string): string {
  let s = raw
  const edits = 1 + Math.floor(next() * 3)
  for (let e = 0; e < edits; e++) {
    const i = Math.floor(next() * (s.length + 1))
    const byte = next() < 0.6 ? INTERESTING[Math.floor(next() * INTERESTING.length)]! : Math.floor(next() * 256)
    const ch = String.fromCharCode(byte)
    switch (Math.floor(next() * 5)) {
      case 0: s = s.slice(0, i) + ch + s.slice(i + 1); break // replace
      case 1: s = s.slice(0, i) + ch + s.slice(i); break // insert
      case 2: s = s.slice(0, i) + s.slice(i + 1); break // delete
      case 3: { // duplicate a range
        const len = Math.floor(next() * 20)
        s = s.slice(0, i) + s.slice(i, i + len) + s.slice(i)
        break
      }
      default: s = s.slice(0, i) // truncate
    }
  }
  return s
}

t.test('mutated responses end in a response or a coded error, split or whole', async (t) => {
  const next = rng(SEED ^ 0xabcdef)
  let parsed = 0
  let errors = 0
  let problems = 0
  for (let m = 0; m < MUTATIONS && problems < 5; m++) {
    const c = corpus[m % corpus.length]!
    const raw = mutate(next, c.raw)
    let whole: Parsed
    let split: Parsed
    const splits = randomSplits(next, Math.max(1, raw.length))
    try {
      whole = parse(raw, [], { isHead: c.isHead })
      split = parse(raw, splits, { isHead: c.isHead })
    } catch (err) {
      problems++
      t.fail(`threw on ${JSON.stringify(raw)}: ${String(err)}`)
      continue
    }
    if (!ended(whole) || (whole.error !== null && !CODES.has(whole.error.code))) {
      problems++
      t.fail(`no outcome for ${JSON.stringify(raw)}: ${JSON.stringify(whole)}`)
    }
    if (JSON.stringify(split) !== JSON.stringify(whole)) {
      problems++
      t.same(split, whole, `split ${splits} of ${JSON.stringify(raw)}`)
    }
    if (whole.error === null) parsed++
    else errors++
  }
  t.equal(problems, 0, `${MUTATIONS} mutations: ${parsed} parsed, ${errors} coded errors`)
})
