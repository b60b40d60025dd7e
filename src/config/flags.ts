// Traefik's command-line forms: `--a.b=value`, `--a.b value`, and a bare
// `--a.b` meaning true for booleans and sections. Keys are case-insensitive.
import { ConfigError, ConfigErrorCode } from './errors.js'
import { findKey, unknownKeyError, type Found } from './keys.js'
import type { Value } from './values.js'

export interface FlagEntry extends Found {
  value: Value
}

const boolWords = new Set(['true', 'false'])

export function readFlags(argv: string[]): FlagEntry[] {
  const out: FlagEntry[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const body = arg.startsWith('--') ? arg.slice(2) : arg.startsWith('-') ? arg.slice(1) : undefined
    if (body === undefined || body === '' || body.startsWith('=')) {
      throw new ConfigError(ConfigErrorCode.UNEXPECTED_ARGUMENT, `unexpected argument ${JSON.stringify(arg)}: options are written --name=value`)
    }
    const eq = body.indexOf('=')
    const key = eq >= 0 ? body.slice(0, eq) : body
    const label = `--${key}`
    const found = findKey(key)
    if (!found) throw unknownKeyError(key, { label })
    let raw: string | true
    if (eq >= 0) {
      raw = body.slice(eq + 1)
    } else if (found.spec.bare) {
      // `--api.insecure false` is a value; `--docker --web` is two bare flags
      const next = argv[i + 1]
      raw = next !== undefined && boolWords.has(next.toLowerCase()) ? argv[++i]! : true
    } else {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('-')) {
        throw new ConfigError(ConfigErrorCode.MISSING_VALUE, `${label} needs a value (${label}=VALUE or ${label} VALUE)`)
      }
      raw = argv[++i]!
    }
    out.push({ ...found, value: { raw, at: { label } } })
  }
  return out
}
