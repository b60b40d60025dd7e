// Go's replacement templates and Traefik's path handling, table-driven.
import t from 'tap'
import { goReplacer, replaceAll } from '../../src/middlewares/go-replace.js'
import { decodePath, encodedPrefixLen, isClean } from '../../src/middlewares/path.js'

// [regex, input, template, Go's result]
const replacements: [string, string, string, string][] = [
  ['^/old/(.*)', '/old/abc', '/new/$1', '/new/abc'],
  ['^/old/(.*)', '/old/abc', '/new/${1}x', '/new/abcx'],
  ['^/old/(.*)', '/old/abc', '/new/$1x', '/new/', ], // $1x is the absent group "1x"
  ['^/old/(.*)', '/old/abc', '/cost/$$1', '/cost/$1'],
  ['^/old/(.*)', '/old/abc', '/a/$', '/a/$'], // a $ that starts no name stays
  ['^/old/(.*)', '/old/abc', '/a/${1', '/a/${1'], // unterminated brace: literal
  ['^/(?P<first>[a-z]+)/(?P<second>[a-z]+)', '/ab/cd', '/${second}/${first}', '/cd/ab'],
  ['^/(?P<first>[a-z]+)', '/ab', '/$first.html', '/ab.html'],
  ['^/(a)?(b)', '/b', '[$1][$2]', '[][b]'], // an unmatched group expands to nothing
  ['^/(a)', '/a', '$01', ''], // a number with a leading zero is a (never present) name
  ['a', 'banana', 'o', 'bonono'], // every match
  ['x*', 'abc', '-', '-a-b-c-'], // empty matches, as Go places them
  ['a*', 'baaac', '-', '-b-c-'], // an empty match right after a match is skipped
]

for (const [re, input, template, want] of replacements) {
  t.test(`replace ${re} in ${input} by ${template}`, async (t) => {
    t.equal(replaceAll(goReplacer(re), input, template), want)
  })
}

t.test('decoded paths are byte strings; prefixes are cut in the raw path', async (t) => {
  t.equal(decodePath('/a%2Fb'), '/a/b')
  t.equal(decodePath('/a%zz'), '/a%zz', 'a malformed escape stays')
  t.equal(decodePath('/%C3%A9'), '/\xc3\xa9', 'UTF-8 bytes, one char each, as Go counts them')
  t.equal(encodedPrefixLen('/a%2Fb/c', 4), 6)
  t.equal(encodedPrefixLen('/abc', 2), 2)
})

// [path, clean]
const cleanliness: [string, boolean][] = [
  ['/', true],
  ['/a/b', true],
  ['/a/b/', true],
  ['//a', false],
  ['/a//b', false],
  ['/a/./b', false],
  ['/a/../b', false],
  ['/a/..', false],
  ['/a/.', false],
  ['/a/.b', true],
  ['/a/..b', true],
  ['/a/%2e%2e/b', true], // Go cleans the escaped path: an escaped dot is not a dot there
  ['a/b', false],
]
for (const [p, clean] of cleanliness) t.test(`isClean(${p})`, async (t) => t.equal(isClean(p), clean))
