// dockerode, without loading at start the parts pier never reaches. dockerode
// requires BuildKit's gRPC session (@grpc/grpc-js, protobufjs) and
// docker-modem requires its SSH transport (ssh2) as they load: ~10 MB of the
// primary's RSS, for image builds (pier only reads) and ssh:// endpoints
// (pier takes unix, tcp, http and https). Each of those two files exports one
// function, so a stand-in that loads the real file on its first call takes its
// place in require's cache: dockerode behaves as before if it ever calls one.
import Module, { createRequire } from 'node:module'
import type DockerType from 'dockerode'

const require = createRequire(import.meta.url)
const dockerodeRequire = createRequire(require.resolve('dockerode'))
defer(dockerodeRequire, './session')
defer(createRequire(dockerodeRequire.resolve('docker-modem')), './ssh')

export const Docker: typeof DockerType = require('dockerode')
export type Docker = DockerType

function defer(from: NodeRequire, id: string): void {
  let file: string
  try {
    file = from.resolve(id)
  } catch (err) {
    // Another dockerode layout: nothing to defer, it loads as it is.
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return
    throw err
  }
  if (require.cache[file]) return
  const standIn = new Module(file)
  standIn.filename = file
  standIn.loaded = true
  standIn.exports = function (this: unknown, ...args: unknown[]): unknown {
    if (require.cache[file] === standIn) delete require.cache[file]
    return (from(id) as (...a: unknown[]) => unknown).apply(this, args)
  }
  require.cache[file] = standIn
}
