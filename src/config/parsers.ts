// The YAML and TOML parsers, loaded on first use: pier configured by flags
// alone (the Docker image's usual case) loads neither, and one reading YAML
// files never loads TOML. require, not import(), keeps the callers synchronous.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export const yaml = (): typeof import('yaml') => require('yaml')
export const toml = (): typeof import('smol-toml') => require('smol-toml')
