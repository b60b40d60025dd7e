// The outcome of recent password checks, so a bcrypt hash is not recomputed
// for every request of a browser session. Keyed by a SHA-256 of the user, the
// password given and the stored hash: no password is kept, an entry only
// says "these exact credentials did (or did not) match this exact stored
// hash", which is true for ever, so a cached outcome is never wrong. The
// TTL and the size bound only limit memory and how long a credential the
// operator removed stays known (removing a user changes the options, which
// replaces the middleware and its cache at once anyway).
import { createHash } from 'node:crypto'

const TTL_MS = 60_000
const MAX = 1024

export class CredentialCache {
  /** key -> [matched, expires]; insertion order is age order. */
  private readonly entries = new Map<string, [boolean, number]>()
  /** Checks in progress, so concurrent requests with one credential cost one check. */
  readonly pending = new Map<string, Promise<boolean>>()

  key(user: string, password: Buffer, secret: string): string {
    return createHash('sha256').update(user).update('\0').update(password).update('\0').update(secret).digest('base64')
  }

  get(key: string, now: number): boolean | undefined {
    const e = this.entries.get(key)
    if (e === undefined) return undefined
    if (e[1] < now) {
      this.entries.delete(key)
      return undefined
    }
    return e[0]
  }

  set(key: string, matched: boolean, now: number): void {
    this.entries.delete(key)
    if (this.entries.size >= MAX) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(key, [matched, now + TTL_MS])
  }
}
