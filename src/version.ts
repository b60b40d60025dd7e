// pier's version, from its package.json (one level above dist/ and src/).
import { readFileSync } from 'node:fs'

export const PIER_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
