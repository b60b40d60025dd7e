// digestAuth: RFC 2617 Digest (MD5, qop=auth) against htdigest entries
// (user:realm:HA1), as go-http-auth checks it for Traefik. Nonces are made
// without state that threads would have to share: a timestamp and an HMAC of
// it under the run's secret, valid for 5 minutes in every thread (an older or
// unknown one gets a stale challenge). Each thread refuses a nonce count it
// has already seen for a nonce; a replay sent to another thread within the
// nonce's lifetime is not caught.
import { createHash, createHmac } from 'node:crypto'
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, type Middleware, type Step, type WorkerEnv } from './kind.js'
import { digestAuthSchema } from './schemas.js'
import type { Flow } from './flow.js'
import { readUsers } from './basic-auth.js'
import { sameText } from './htpasswd.js'

interface Compiled {
  /** "user:realm" -> HA1 */
  users: [string, string][]
  realm: string
  headerField: string
  removeHeader: boolean
}

const NONCE_MS = 5 * 60_000
const SEEN_MAX = 1000

const md5hex = (s: string): string => createHash('md5').update(s).digest('hex')

/** The key=value pairs after "Digest ", values unquoted; null for any other scheme. */
export function digestParams(header: string): Map<string, string> | null {
  if (!header.startsWith('Digest ')) return null
  const out = new Map<string, string>()
  const re = /\s*([^=,\s]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,]*)\s*(?:,|$)/gy
  const text = header.slice(7)
  let m: RegExpExecArray | null
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) out.set(m[1]!, m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2]!.trim())
  return out
}

class DigestAuth implements Middleware {
  private readonly users: Map<string, string>
  private readonly key: Buffer
  private readonly opaque: string
  /** nonce -> the last nonce count seen in this thread. */
  private readonly seen = new Map<string, number>()

  constructor(
    private readonly c: Compiled,
    env: WorkerEnv,
    name: string,
  ) {
    this.users = new Map(c.users)
    this.key = createHmac('sha256', env.shared.input.secret).update(`digest ${name}`).digest()
    this.opaque = createHmac('sha256', this.key).update('opaque').digest('hex').slice(0, 32)
  }

  private nonce(now: number): string {
    const ts = now.toString(16)
    return `${ts}.${createHmac('sha256', this.key).update(ts).digest('base64url').slice(0, 22)}`
  }

  /** Whether a nonce is one of ours and still young. */
  private fresh(nonce: string, now: number): boolean {
    const dot = nonce.indexOf('.')
    const ts = nonce.slice(0, dot)
    if (dot < 0 || !/^[0-9a-f]{1,12}$/.test(ts)) return false
    const age = now - parseInt(ts, 16)
    return age >= 0 && age <= NONCE_MS && sameText(nonce, `${ts}.${createHmac('sha256', this.key).update(ts).digest('base64url').slice(0, 22)}`)
  }

  request(flow: Flow): Step {
    const p = digestParams(flow.getHeader('authorization'))
    if (p === null) return this.deny(flow, false)
    if (!p.has('algorithm')) p.set('algorithm', 'MD5')
    if (p.get('opaque') !== this.opaque || p.get('algorithm') !== 'MD5' || p.get('qop') !== 'auth') return this.deny(flow, false)
    const uri = p.get('uri') ?? ''
    const target = flow.target()
    if (uri !== target) {
      // As go-http-auth: the uri may be a path prefix of the request's.
      const path = uri.split('?')[0]!
      if (path.length > flow.path.length || !flow.path.startsWith(path) || path === '') return this.deny(flow, false)
    }
    const user = p.get('username') ?? ''
    const ha1 = this.users.get(`${user}:${this.c.realm}`) ?? ''
    const nc = p.get('nc') ?? ''
    const ha2 = md5hex(`${flow.method}:${uri}`)
    const kd = md5hex([ha1, p.get('nonce') ?? '', nc, p.get('cnonce') ?? '', 'auth', ha2].join(':'))
    if (ha1 === '' || !sameText(kd, p.get('response') ?? '')) return this.deny(flow, false)
    if (!/^[0-9a-fA-F]{1,16}$/.test(nc)) return this.deny(flow, false)
    const nonce = p.get('nonce')!
    const now = Date.now()
    if (!this.fresh(nonce, now)) return this.deny(flow, true)
    const count = parseInt(nc, 16)
    const last = this.seen.get(nonce)
    if (last !== undefined && last >= count) return this.deny(flow, true)
    this.seen.delete(nonce)
    if (this.seen.size >= SEEN_MAX) this.seen.delete(this.seen.keys().next().value!)
    this.seen.set(nonce, count)
    if (this.c.headerField !== '') flow.setHeader(this.c.headerField, user)
    if (this.c.removeHeader) flow.removeHeader('authorization')
    return NEXT
  }

  private deny(flow: Flow, stale: boolean): Step {
    const challenge = `Digest realm="${this.c.realm}", nonce="${this.nonce(Date.now())}", opaque="${this.opaque}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`
    return flow.answer(401, ['content-type', 'text/plain', 'www-authenticate', challenge], '401 Unauthorized\n')
  }
}

export default kind<Compiled>({
  schema: digestAuthSchema,
  phases: () => PHASE_REQUEST,
  compile(o, ctx) {
    const entries = readUsers(o, ctx, 3, 'digestAuth user')
    if (entries.length === 0) throw new MiddlewareError('no users found')
    const users = [...new Map(entries.map(([u, r, h]) => [`${u}:${r}`, h!])).entries()]
    return { users, realm: typeof o.realm === 'string' && o.realm !== '' ? o.realm : 'traefik', headerField: typeof o.headerField === 'string' ? o.headerField : '', removeHeader: o.removeHeader === true }
  },
  create: (c, env, name) => new DigestAuth(c, env, name),
})
