// Endpoint + TLS settings -> dockerode options. No API version is pinned:
// unversioned paths let the engine answer with its own (pinning broke Traefik
// when Docker 29 raised its minimum API version).
import { readFileSync } from 'node:fs'
import { Agent } from 'node:https'
import { join } from 'node:path'
import type { DockerOptions } from 'dockerode'
import type { DockerTLS } from '../../config/static.js'

export class DockerEndpointError extends Error {
  readonly code = 'DOCKER_ENDPOINT'
}

export interface ClientSettings {
  options: DockerOptions
  /** The engine runs on this host (unix socket or loopback TCP). */
  local: boolean
  /** The endpoint as used, for logs. */
  endpoint: string
}

export const DEFAULT_ENDPOINT = 'unix:///var/run/docker.sock'

/**
 * Resolves the endpoint (flag, else DOCKER_HOST, else the local socket) and
 * TLS (flags, else DOCKER_TLS_VERIFY + DOCKER_CERT_PATH). Throws
 * DockerEndpointError naming the setting that is wrong.
 */
export function clientSettings(endpoint: string | undefined, tls: DockerTLS | undefined, env: NodeJS.ProcessEnv = process.env): ClientSettings {
  const ep = endpoint || env.DOCKER_HOST || DEFAULT_ENDPOINT
  if (ep.startsWith('unix://')) {
    const socketPath = ep.slice('unix://'.length)
    if (!socketPath.startsWith('/')) throw new DockerEndpointError(`providers.docker.endpoint: ${JSON.stringify(ep)} needs an absolute socket path (unix:///var/run/docker.sock)`)
    return { options: { socketPath }, local: true, endpoint: ep }
  }
  let url: URL
  try {
    url = new URL(ep)
  } catch {
    throw new DockerEndpointError(`providers.docker.endpoint: ${JSON.stringify(ep)} is not unix:///path or tcp://host:port`)
  }
  if (!['tcp:', 'http:', 'https:'].includes(url.protocol)) throw new DockerEndpointError(`providers.docker.endpoint: scheme ${url.protocol} of ${JSON.stringify(ep)} is not supported (unix, tcp, http, https)`)
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  const local = host === '127.0.0.1' || host === 'localhost' || host === '::1'
  const files = tlsFiles(tls, env)
  const secure = url.protocol === 'https:' || files !== undefined
  const port = Number(url.port || (secure ? 2376 : 2375))
  const options: DockerOptions = { host, port, protocol: secure ? 'https' : 'http' }
  if (files) {
    Object.assign(options, files)
    // docker-modem takes an agent; its typings omit it.
    ;(options as DockerOptions & { agent: Agent }).agent = new Agent({ ...files, keepAlive: true, rejectUnauthorized: !tls?.insecureSkipVerify })
  }
  return { options, local, endpoint: ep }
}

function tlsFiles(tls: DockerTLS | undefined, env: NodeJS.ProcessEnv): { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined {
  const paths: Record<'ca' | 'cert' | 'key', string | undefined> = { ca: tls?.ca, cert: tls?.cert, key: tls?.key }
  if (!paths.ca && !paths.cert && !paths.key && env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== '0' && env.DOCKER_CERT_PATH) {
    for (const k of ['ca', 'cert', 'key'] as const) paths[k] = join(env.DOCKER_CERT_PATH, `${k}.pem`)
  }
  if (!paths.ca && !paths.cert && !paths.key) return tls ? {} : undefined
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {}
  for (const k of ['ca', 'cert', 'key'] as const) {
    const p = paths[k]
    if (!p) continue
    try {
      out[k] = readFileSync(p)
    } catch (err) {
      throw new DockerEndpointError(`providers.docker.tls.${k}: cannot read ${p}: ${(err as Error).message}`)
    }
  }
  return out
}
