// A WebSocket server in a real container (websocketd echoing lines), routed
// by its Traefik labels through the built pier's Docker provider exactly as
// an HTTP service is: no WebSocket-specific label.
import t from 'tap'
import { docker, ensureEngine, ensureWsEchoImage, removeLabelled, unique, WSECHO_IMAGE } from '../fixtures/docker/engine.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startPier } from '../helpers/pier.js'
import { connect } from '../helpers/ws.js'

t.setTimeout(300_000)

t.test('a container whose labels route WebSocket like HTTP', async (t) => {
  await ensureEngine()
  await ensureWsEchoImage()
  const tag = unique('pierws')
  t.teardown(() => removeLabelled(`pier.test=${tag}`))
  const web = await freePort()
  const pier = await startPier([
    `--entrypoints.web.address=127.0.0.1:${web}`, '--providers.docker=true',
    `--providers.docker.constraints=Label(\`pier.test\`,\`${tag}\`)`, '--workers=2', '--lifecycle.graceTimeOut=1s',
  ], { timeoutMs: 60_000 })
  t.teardown(() => pier.stop())
  const host = `${tag}.test`
  await docker('run', '-d', '--name', `${tag}-echo`,
    '--label', `pier.test=${tag}`,
    '--label', `traefik.http.routers.${tag}.rule=Host(\`${host}\`)`,
    '--label', `traefik.http.services.${tag}.loadbalancer.server.port=8000`,
    WSECHO_IMAGE)
  const c = await waitFor(() => connect(web, host, '/'), 20000, 'the container routable over WebSocket')
  c.ws.send('hello from outside')
  t.equal((await c.nth(0)).data.toString(), 'hello from outside', 'echoed by websocketd in the container')
  c.ws.send('second line')
  t.equal((await c.nth(1)).data.toString(), 'second line')
  c.ws.close(1000)
  t.equal((await c.closed).code, 1000)
})
