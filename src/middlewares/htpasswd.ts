// htpasswd password hashes, as Traefik checks them (go-http-auth): bcrypt
// ($2y$, $2a$, $2b$, $2x$), Apache's apr1 and FreeBSD's $1$ MD5-crypt, and
// {SHA}. Comparisons of the computed hash with the stored one take the same
// time whatever they contain. bcrypt (bcryptjs, pure JavaScript) costs
// milliseconds, so it runs asynchronously; the others are synchronous.
import { createHash, timingSafeEqual } from 'node:crypto'
import { bcryptjs } from '../lazy-modules.js'

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

function to64(v: number, n: number): string {
  let s = ''
  while (n-- > 0) {
    s += ITOA64[v & 0x3f]
    v >>>= 6
  }
  return s
}

const md5 = (...parts: (Buffer | string)[]): Buffer => {
  const h = createHash('md5')
  for (const p of parts) h.update(p)
  return h.digest()
}

/** MD5-crypt with magic `$1$` or `$apr1$`: the whole hash string for password and salt. */
export function md5Crypt(password: Buffer, salt: string, magic: string): string {
  salt = salt.slice(0, 8)
  const ctx = createHash('md5').update(password).update(magic).update(salt)
  let final = md5(password, salt, password)
  for (let pl = password.length; pl > 0; pl -= 16) ctx.update(final.subarray(0, Math.min(pl, 16)))
  for (let i = password.length; i > 0; i >>= 1) ctx.update(i & 1 ? Buffer.of(0) : password.subarray(0, 1))
  final = ctx.digest()
  for (let i = 0; i < 1000; i++) {
    const c = createHash('md5')
    c.update(i & 1 ? password : final)
    if (i % 3) c.update(salt)
    if (i % 7) c.update(password)
    c.update(i & 1 ? final : password)
    final = c.digest()
  }
  const f = final
  const out =
    to64((f[0]! << 16) | (f[6]! << 8) | f[12]!, 4) +
    to64((f[1]! << 16) | (f[7]! << 8) | f[13]!, 4) +
    to64((f[2]! << 16) | (f[8]! << 8) | f[14]!, 4) +
    to64((f[3]! << 16) | (f[9]! << 8) | f[15]!, 4) +
    to64((f[4]! << 16) | (f[10]! << 8) | f[5]!, 4) +
    to64(f[11]!, 2)
  return `${magic}${salt}$${out}`
}

/** Equal-time comparison of two strings of any lengths. */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  // Compare equal lengths always (y against itself when lengths differ), so the time does not tell.
  return timingSafeEqual(x.length === y.length ? x : y, y) && x.length === y.length
}

/** The kind of hash a stored secret is, or '' when Traefik would not accept it. */
export function hashKind(secret: string): 'bcrypt' | 'md5' | 'sha' | '' {
  if (/^\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}$/.test(secret)) return 'bcrypt'
  if (/^\$(apr)?1\$[^$]{0,8}\$[./A-Za-z0-9]{22}$/.test(secret)) return 'md5'
  if (/^\{SHA\}[A-Za-z0-9+/]{27}=$/.test(secret)) return 'sha'
  return ''
}

/** Whether password matches secret: a boolean, or a promise of one for bcrypt. */
export function checkSecret(password: Buffer, secret: string): boolean | Promise<boolean> {
  switch (hashKind(secret)) {
    case 'bcrypt':
      // bcryptjs knows $2a$ and $2b$; $2y$ and $2x$ hash the same way for passwords of 7-bit characters.
      return bcryptjs().compare(password.toString('utf8'), secret.replace(/^\$2[xy]\$/, '$2b$'))
    case 'md5': {
      const magic = secret.startsWith('$apr1$') ? '$apr1$' : '$1$'
      const salt = secret.slice(magic.length, secret.indexOf('$', magic.length))
      return sameText(md5Crypt(password, salt, magic), secret)
    }
    case 'sha':
      return sameText(`{SHA}${createHash('sha1').update(password).digest('base64')}`, secret)
  }
  return false
}
