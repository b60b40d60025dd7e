// `pier version`, laid out as `traefik version` prints it.
import { createRequire } from 'node:module'
import { PIER_VERSION } from '../version.js'

/** The uWebSockets.js build pier runs on, from its package.json. */
function uwsVersion(): string {
  try {
    const pkg = createRequire(import.meta.url)('uWebSockets.js/package.json') as { name: string; version: string }
    return `${pkg.version} (${pkg.name})`
  } catch {
    return 'not found'
  }
}

export function versionText(): string {
  return [
    `Version:      ${PIER_VERSION}`,
    'Codename:     pier',
    `Node version: ${process.version}`,
    `uWS version:  ${uwsVersion()}`,
    `OS/Arch:      ${process.platform}/${process.arch}`,
  ].join('\n') + '\n'
}
