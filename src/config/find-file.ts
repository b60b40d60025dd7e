// Where Traefik looks for its static file when --configFile is not given:
// traefik.toml, traefik.yaml or traefik.yml in /etc/traefik, $XDG_CONFIG_HOME,
// $HOME/.config and the working directory, first found wins. pier does the
// same so a mounted /etc/traefik/traefik.yml keeps working.
import { statSync } from 'node:fs'
import { join } from 'node:path'

const EXTENSIONS = ['toml', 'yaml', 'yml']

export function findConfigFile(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const dirs = ['/etc/traefik', env.XDG_CONFIG_HOME, env.HOME ? join(env.HOME, '.config') : undefined, cwd]
  for (const dir of dirs) {
    if (!dir) continue
    for (const ext of EXTENSIONS) {
      const file = join(dir, `traefik.${ext}`)
      if (statSync(file, { throwIfNoEntry: false })?.isFile()) return file
    }
  }
  return undefined
}
