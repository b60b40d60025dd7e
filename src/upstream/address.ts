// Where a backend listens. Port 0 means host is the path of a Unix socket:
// pier's own internal services (api@internal and the rest), which the primary
// serves on sockets only its own user can open.
import type { NetConnectOpts } from 'node:net'

export const isSocketPath = (host: string, port: number): boolean => port === 0 && host.startsWith('/')

export function dialTarget(host: string, port: number): NetConnectOpts {
  return isSocketPath(host, port) ? { path: host } : { host, port, noDelay: true }
}
