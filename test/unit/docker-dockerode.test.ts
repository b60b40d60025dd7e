// dockerode as pier loads it: the SSH transport and BuildKit's gRPC session
// stay unloaded until dockerode calls them, and then work as dockerode's own.
import { createRequire } from 'node:module'
import { Agent } from 'node:http'
import t from 'tap'
import { Docker } from '../../src/providers/docker/dockerode.js'

const require = createRequire(import.meta.url)
const loaded = (pkg: string): boolean => Object.keys(require.cache).some((f) => f.includes(`/node_modules/${pkg}/`))

t.test('the SSH transport and the gRPC session are not loaded with dockerode', async (t) => {
  t.type(new Docker({ socketPath: '/var/run/docker.sock' }).listContainers, 'function')
  t.ok(loaded('docker-modem'), 'dockerode itself is loaded')
  for (const pkg of ['ssh2', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs']) t.notOk(loaded(pkg), `${pkg} is not loaded`)
})

t.test('the first call loads the real module and answers as it does', async (t) => {
  const modem = createRequire(createRequire(require.resolve('dockerode')).resolve('docker-modem'))
  const ssh = modem('./ssh') as (opt: object) => Agent
  const agent = ssh({ host: '127.0.0.1' })
  t.ok(loaded('ssh2'), 'ssh2 loaded on first use')
  t.type(agent, Agent, 'an http.Agent over SSH, not yet connected')
  t.type(agent.createConnection, 'function')
  t.not(modem('./ssh'), ssh, 'the real module now answers require')
  agent.destroy()
})
