// Full-duplex exchanges through the built pier: a backend that streams the
// request body back while it is still reading it (an echo, as gRPC-web,
// upload progress and chained proxies do), with a client that uploads 64 MiB
// while it reads the answer slowly, then quickly. Both directions back up at
// once, so a pause on one side that also stops the other deadlocks here.
// Every stall fails on its own, with the bytes each hop has seen.
import t from 'tap'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request, type IncomingMessage } from 'node:http'
import { freePort } from '../helpers/net.js'
import { startPier, type PierProcess } from '../helpers/pier.js'
import { startBackend, type Backend } from '../helpers/backends.js'

const SIZE = 64 * 1024 * 1024
/** No hop moving a byte for this long is a stall. */
const STALL_MS = 10_000
/** What pier, the client and the backend may hold between them while the client reads nothing. */
const MAX_IN_PIER = 4 * 1024 * 1024

let pier: PierProcess
let port: number
let echo: Backend
/** Bytes the echo backend read and wrote back, for the exchange in flight. */
const backend = { read: 0, wrote: 0 }

t.before(async () => {
  echo = await startBackend('echo', (req, res) => {
    backend.read = 0
    backend.wrote = 0
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    // Chunked, each chunk written back as it is read; the backend stops reading while its answer is backed up.
    req.on('data', (c: Buffer) => {
      backend.read += c.length
      if (!res.write(c, () => (backend.wrote += c.length))) req.pause()
    })
    res.on('drain', () => req.resume())
    req.on('end', () => res.end())
  })
  port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'pier-duplex-'))
  const file = join(dir, 'routes.yml')
  writeFileSync(file, JSON.stringify({
    http: {
      routers: { echo: { rule: 'Host(`echo.test`)', service: 'echo' } },
      services: { echo: { loadBalancer: { servers: [{ url: echo.url }] } } },
    },
  }))
  pier = await startPier([`--entrypoints.web.address=127.0.0.1:${port}`, `--providers.file.filename=${file}`, '--workers=1'])
})

t.teardown(async () => {
  await pier?.stop()
  await echo?.close()
})

/** Byte i of the upload: a pattern that shows a lost, repeated or reordered chunk. */
const patternByte = (i: number): number => (i * 7 + (i >>> 16)) & 0xff

function patternChunk(offset: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) b[i] = patternByte(offset + i)
  return b
}

interface Counts {
  /** Upload bytes the client's socket took (its own buffer stays under one chunk). */
  clientSent: number
  backendRead: number
  backendWrote: number
  clientRead: number
}

const describe = (c: Counts): string =>
  `client sent ${c.clientSent}, backend read ${c.backendRead}, backend wrote back ${c.backendWrote}, client read ${c.clientRead} (of ${SIZE} each way)`

/**
 * Uploads SIZE bytes to the echo route and reads the echo as reader says:
 * reader gets the response and the counts, and pauses and resumes it as it
 * likes. Resolves with the counts once the echo is read whole and checked,
 * rejects on a mismatch or when nothing moves for STALL_MS.
 */
function duplex(reader: (res: IncomingMessage, counts: Counts) => void): Promise<Counts> {
  const counts: Counts = { clientSent: 0, backendRead: 0, backendWrote: 0, clientRead: 0 }
  return new Promise<Counts>((resolve, reject) => {
    let last = ''
    let still = Date.now()
    const watchdog = setInterval(() => {
      counts.backendRead = backend.read
      counts.backendWrote = backend.wrote
      const now = describe(counts)
      if (now !== last) {
        last = now
        still = Date.now()
      } else if (Date.now() - still >= STALL_MS) fail(new Error(`stalled for ${STALL_MS / 1000} s: ${now}`))
    }, 250)
    const fail = (err: Error): void => {
      clearInterval(watchdog)
      req.destroy()
      reject(err)
    }
    const req = request({ host: '127.0.0.1', port, method: 'POST', agent: false, headers: { host: 'echo.test', 'content-length': String(SIZE) } }, (res) => {
      if (res.statusCode !== 200) return fail(new Error(`status ${res.statusCode}`))
      res.on('data', (c: Buffer) => {
        for (let i = 0; i < c.length; i++) {
          if (c[i] !== patternByte(counts.clientRead + i)) return fail(new Error(`echo differs at byte ${counts.clientRead + i}: ${describe(counts)}`))
        }
        counts.clientRead += c.length
      })
      res.on('end', () => {
        clearInterval(watchdog)
        counts.backendRead = backend.read
        counts.backendWrote = backend.wrote
        if (counts.clientRead !== SIZE) reject(new Error(`echo ended early: ${describe(counts)}`))
        else resolve(counts)
      })
      res.on('error', fail)
      reader(res, counts)
    })
    req.on('error', fail)
    const chunkSize = 256 * 1024
    const more = (): void => {
      while (counts.clientSent < SIZE) {
        const chunk = patternChunk(counts.clientSent, chunkSize)
        counts.clientSent += chunk.length
        if (!req.write(chunk)) return void req.once('drain', more)
      }
      req.end()
    }
    more()
  })
}

t.test('an echo of a 64 MiB upload, read slowly and then quickly, arrives whole', async (t) => {
  const counts = await duplex((res) => {
    // For 3 s one chunk (up to 64 KiB) per 50 ms, about 1.3 MB/s, so that everything upstream backs up; then as fast as it comes.
    const slowUntil = Date.now() + 3000
    const sip = (): void => {
      if (Date.now() >= slowUntil) return void res.off('data', sip)
      res.pause()
      setTimeout(() => res.resume(), 50)
    }
    res.on('data', sip)
  })
  t.equal(counts.clientRead, SIZE)
  t.equal(counts.backendRead, SIZE)
})

/**
 * Bytes queued in the kernel (send and receive queues, /proc/net/tcp) of the
 * established loopback sockets with an end on one of ports: the client's and
 * the backend's sockets, and pier's on both sides.
 */
function kernelQueued(ports: number[]): number {
  const hex = new Set(ports.map((p) => p.toString(16).toUpperCase().padStart(4, '0')))
  let n = 0
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 5 || f[3] !== '01') continue
    if (!hex.has(f[1]!.split(':')[1]!) && !hex.has(f[2]!.split(':')[1]!)) continue
    const [tx, rx] = f[4]!.split(':')
    n += parseInt(tx!, 16) + parseInt(rx!, 16)
  }
  return n
}

t.test('a client that reads nothing for 3 s holds the upload back: pier itself buffers little', async (t) => {
  let held = ''
  let inPier = 0
  const counts = await duplex((res, counts) => {
    res.pause()
    setTimeout(() => {
      counts.backendRead = backend.read
      counts.backendWrote = backend.wrote
      // Sent but not read back: in the client (under one 256 KiB chunk), the kernel, pier, and the backend (under one read).
      const kernel = kernelQueued([port, echo.port])
      inPier = counts.clientSent - counts.clientRead - kernel
      held = `${describe(counts)}; kernel queues ${kernel}`
      res.resume()
    }, 3000)
  })
  t.equal(counts.clientRead, SIZE)
  // A proxy that read the client regardless would hold most of the 64 MiB upload.
  t.ok(inPier < MAX_IN_PIER, `in flight outside the kernel after 3 s unread: ${inPier} bytes (under ${MAX_IN_PIER}); ${held}`)
})
