// basicAuth: HTTP Basic credentials checked against htpasswd entries (users
// and usersFile), 401 with a Basic challenge otherwise. An unknown user is
// checked against a real entry all the same, so the time does not tell
// which users exist. Outcomes are cached briefly (credential-cache.ts).
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, WAIT, type CompileContext, type Middleware, type Step } from './kind.js'
import { basicAuthSchema } from './schemas.js'
import type { Flow } from './flow.js'
import { checkSecret, hashKind } from './htpasswd.js'
import { CredentialCache } from './credential-cache.js'

interface Compiled {
  users: [string, string][]
  realm: string
  headerField: string
  removeHeader: boolean
}

/** Lines of a users file: blank lines and # comments skipped. */
export function userLines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
}

/** users and usersFile entries (file first, as Traefik reads them), split by `parts` colons. */
export function readUsers(o: Record<string, unknown>, ctx: CompileContext, parts: number, what: string): string[][] {
  const lines = [...(typeof o.usersFile === 'string' && o.usersFile !== '' ? userLines(ctx.readFile(o.usersFile)) : []), ...((o.users as string[] | undefined) ?? [])]
  return lines.map((line) => {
    const split = line.split(':')
    if (split.length !== parts) throw new MiddlewareError(`${what} entry ${JSON.stringify(line.replace(/:.*/, ':…'))} is not ${parts === 2 ? 'user:hash' : 'user:realm:hash'}`)
    return split
  })
}

/** user and password of a Basic Authorization header, or null. */
export function basicCredentials(header: string): [string, Buffer] | null {
  if (header.length < 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return null
  const b64 = header.slice(6)
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return null
  const raw = Buffer.from(b64, 'base64')
  const colon = raw.indexOf(0x3a)
  if (colon < 0) return null
  return [raw.subarray(0, colon).toString('utf8'), raw.subarray(colon + 1)]
}

class BasicAuth implements Middleware {
  private readonly users: Map<string, string>
  /** Checked for unknown users, so they cost what known ones do. */
  private readonly decoy: string
  private readonly cache = new CredentialCache()
  private readonly challenge: string[]

  constructor(private readonly c: Compiled) {
    this.users = new Map(c.users)
    this.decoy = c.users[0]![1]
    this.challenge = ['content-type', 'text/plain', 'www-authenticate', `Basic realm="${c.realm}"`]
  }

  request(flow: Flow): Step {
    const creds = basicCredentials(flow.getHeader('authorization'))
    if (creds === null) return this.deny(flow)
    const [user, password] = creds
    const known = this.users.get(user)
    const secret = known ?? this.decoy
    const key = this.cache.key(user, password, secret)
    const now = Date.now()
    const cached = this.cache.get(key, now)
    if (cached !== undefined) return cached && known !== undefined ? this.allow(flow, user) : this.deny(flow)
    let check = this.cache.pending.get(key)
    if (check === undefined) {
      const r = checkSecret(password, secret)
      if (typeof r === 'boolean') {
        this.cache.set(key, r, now)
        return r && known !== undefined ? this.allow(flow, user) : this.deny(flow)
      }
      check = r.then(
        (ok) => (this.cache.set(key, ok, Date.now()), ok),
        () => false,
      )
      this.cache.pending.set(key, check)
      void check.finally(() => this.cache.pending.delete(key))
    }
    void check.then((ok) => {
      if (flow.aborted) return
      if (ok && known !== undefined && this.allow(flow, user) === NEXT) flow.next()
      else if (!(ok && known !== undefined)) this.deny(flow)
    })
    return WAIT
  }

  private allow(flow: Flow, user: string): Step {
    if (this.c.headerField !== '') flow.setHeader(this.c.headerField, user)
    if (this.c.removeHeader) flow.removeHeader('authorization')
    return NEXT
  }

  private deny(flow: Flow): Step {
    return flow.answer(401, [...this.challenge], '401 Unauthorized\n')
  }
}

export default kind<Compiled>({
  schema: basicAuthSchema,
  phases: () => PHASE_REQUEST,
  compile(o, ctx) {
    const entries = readUsers(o, ctx, 2, 'basicAuth user')
    if (entries.length === 0) throw new MiddlewareError(`no users found${typeof o.usersFile === 'string' && o.usersFile !== '' ? ` in ${o.usersFile}` : ''}`)
    // Later entries win, as in Traefik's map.
    const users = [...new Map(entries.map(([u, h]) => [u!, h!])).entries()]
    for (const [user, hash] of users) if (hashKind(hash) === '') throw new MiddlewareError(`user ${JSON.stringify(user)}: the hash is not bcrypt, apr1/MD5 ($apr1$, $1$) or {SHA}`)
    return { users, realm: typeof o.realm === 'string' && o.realm !== '' ? o.realm : 'traefik', headerField: typeof o.headerField === 'string' ? o.headerField : '', removeHeader: o.removeHeader === true }
  },
  create: (c) => new BasicAuth(c),
})
