// Traefik's environment form of the static keys: TRAEFIK_LOG_LEVEL=DEBUG is
// --log.level=DEBUG. Env names are upper case by habit, so the whole key,
// names included, is read in lower case (TRAEFIK_ENTRYPOINTS_WEB_ADDRESS is
// entrypoint `web`). Names containing `_` cannot be written this way.
import type { FlagEntry } from './flags.js'
import { findKey, unknownKeyError } from './keys.js'

const PREFIX = 'TRAEFIK_'

export function readEnv(env: NodeJS.ProcessEnv): FlagEntry[] {
  const out: FlagEntry[] = []
  for (const name of Object.keys(env).sort()) {
    if (!name.toUpperCase().startsWith(PREFIX) || name.length === PREFIX.length) continue
    // list indices are written as numbers: ..._DOMAINS_0_MAIN is domains[0].main
    const key = name.slice(PREFIX.length).toLowerCase().split('_').join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]')
    const at = { label: name, where: 'environment' }
    const found = findKey(key)
    if (!found) throw unknownKeyError(key, at)
    const value = env[name]!
    out.push({ ...found, value: { raw: value === '' && found.spec.bare ? true : value, at } })
  }
  return out
}
