// Shared test plumbing: free ports on loopback and deadline polling.
import { createServer } from 'node:net'

/** Ports already handed out by this process: the kernel may offer a just-released one again. */
const given = new Set<number>()

/** A TCP port that was free on 127.0.0.1 a moment ago, never the same one twice in a process. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer()
      srv.once('error', reject)
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number }
        srv.close(() => resolve(port))
      })
    })
    if (given.has(port)) continue
    given.add(port)
    return port
  }
}

/** Polls fn until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(fn: () => T | Promise<T>, ms = 5000, what = 'condition', every = 10): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, every))
  }
}
