// htpasswd hashes against vectors made by Apache's htpasswd and OpenSSL,
// Basic and Digest header parsing.
import t from 'tap'
import { checkSecret, hashKind, md5Crypt } from '../../src/middlewares/htpasswd.js'
import { basicCredentials, userLines } from '../../src/middlewares/basic-auth.js'
import { digestParams } from '../../src/middlewares/digest-auth.js'

// [what, password, stored hash (htpasswd -nbB / -nbm / -nbs, openssl passwd -1 / -apr1)]
const vectors: [string, string, string][] = [
  ['bcrypt $2y$ cost 5', 'wonder land', '$2y$05$8UUQXdINh/YwSUJu0N4TUuzSCDu1qcG5LIwAJJvTckD0GTmROuVXK'],
  ['bcrypt $2y$ cost 10', 'pass10', '$2y$10$twFYl.5PGFPVaHwb//Z3puDe7BJeAbtGmHCQRePsPKJl3bzjYXn1C'],
  ['apr1', 'b0b$pass', '$apr1$gNMBMiJO$LbvLkhSPKodQzgp/hYSgH1'],
  ['apr1 (Traefik docs)', 'test', '$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/'],
  ['MD5-crypt $1$', 'secret', '$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1'],
  ['SHA1', 'c:arol', '{SHA}TNc/dSFllukK0EsQYYC16CXfws0='],
]

for (const [what, password, hash] of vectors) {
  t.test(`htpasswd ${what}`, async (t) => {
    t.not(hashKind(hash), '')
    t.equal(await checkSecret(Buffer.from(password), hash), true, 'the password matches')
    t.equal(await checkSecret(Buffer.from(`${password}x`), hash), false, 'another does not')
    t.equal(await checkSecret(Buffer.from(''), hash), false, 'nor the empty one')
  })
}

t.test('MD5-crypt is the algorithm, not a lookalike: every byte of the output checked', async (t) => {
  t.equal(md5Crypt(Buffer.from('test'), 'H6uskkkW', '$apr1$'), '$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/')
  t.equal(md5Crypt(Buffer.from('secret'), 'abcdefgh', '$1$'), '$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1')
})

t.test('a plain-text or unknown secret is no hash pier accepts', async (t) => {
  for (const s of ['hunter2', '$5$rounds=1000$x$y', '{SSHA}abc', '$2y$10$short']) t.equal(hashKind(s), '', s)
  t.equal(checkSecret(Buffer.from('hunter2'), 'hunter2'), false)
})

// [header, credentials or null]
const basics: [string, [string, string] | null][] = [
  [`Basic ${Buffer.from('alice:wonder land').toString('base64')}`, ['alice', 'wonder land']],
  [`basic ${Buffer.from('a:b').toString('base64')}`, ['a', 'b']],
  [`Basic ${Buffer.from('a:b:c').toString('base64')}`, ['a', 'b:c']],
  [`Basic ${Buffer.from('nocolon').toString('base64')}`, null],
  ['Basic !!!!', null],
  ['Bearer abc', null],
  ['', null],
]
for (const [header, want] of basics) {
  t.test(`Basic credentials of ${JSON.stringify(header)}`, async (t) => {
    const got = basicCredentials(header)
    t.same(got && [got[0], got[1].toString()], want)
  })
}

t.test('users files skip blanks and comments', async (t) => {
  t.same(userLines('# admins\nalice:x\n\n  bob:y  \n'), ['alice:x', 'bob:y'])
})

t.test('Digest parameters, quoted or not', async (t) => {
  const p = digestParams('Digest username="Mufasa", realm="a, b", nonce="n", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae4", opaque="5ccc"')!
  t.same(Object.fromEntries(p), { username: 'Mufasa', realm: 'a, b', nonce: 'n', uri: '/dir/index.html', qop: 'auth', nc: '00000001', cnonce: '0a4f113b', response: '6629fae4', opaque: '5ccc' })
  t.equal(digestParams('Basic x'), null)
})
