// noop@internal listens only once a configuration names it (prepare), so a
// primary with no API, ping or metrics never starts a node:http server; once
// named, it answers 418 over its socket as Traefik's noop does.
import t from 'tap'
import { existsSync } from 'node:fs'
import { get } from 'node:http'
import { startInternalServices } from '../../src/api/internal-services.js'
import { parseStaticConfig } from '../../src/config/parse.js'
import type { DynamicConfig } from '../../src/config/dynamic.js'
import { createLogger } from '../../src/log.js'
import { RuntimeState } from '../../src/primary/state.js'

const log = createLogger({ level: 'ERROR', format: 'common' })

const status = (socketPath: string): Promise<number> =>
  new Promise((resolve, reject) => get({ socketPath, path: '/' }, (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0))).on('error', reject))

const noopService = { loadBalancer: { servers: [{ url: 'unix:/x' }] } }

t.test('noop@internal listens once a configuration names it', async (t) => {
  const state = new RuntimeState(parseStaticConfig(['--entrypoints.web.address=:80'], {}))
  const internal = await startInternalServices(state, undefined, log, () => false)
  t.teardown(() => internal.close())
  const path = internal.sockets.get('noop')!
  t.ok(path, 'its socket path is known from the start')
  t.notOk(existsSync(path), 'not listening before a configuration names it')

  const unnamed: DynamicConfig = { http: { routers: { r: { rule: 'Host(`a.test`)', service: 's@file' } }, services: { 'noop@internal': noopService } } }
  t.equal(internal.prepare(unnamed), undefined, 'only defined, by the internal provider: nothing to start')
  t.notOk(existsSync(path))

  const named: DynamicConfig = {
    http: {
      routers: { r: { rule: 'Host(`a.test`)', service: 's@file', middlewares: ['e@file'] } },
      services: { 'noop@internal': noopService },
      middlewares: { 'e@file': { type: 'errors', options: { status: ['500'], service: 'noop@internal' } } },
    },
  }
  const starting = internal.prepare(named)
  t.ok(starting, "named by a middleware's options: started")
  await starting
  t.equal(await status(path), 418, "answers as Traefik's noop")
  t.equal(internal.prepare(named), undefined, 'listening: nothing more to start')
})
