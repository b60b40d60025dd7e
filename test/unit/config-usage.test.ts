// Help text: every key the parser accepts is documented, and only those.
import t from 'tap'
import { knownKeys } from '../../src/config/keys.js'
import { KEY_DOCS, V1_DOCS, usage } from '../../src/config/usage.js'
import { parseStaticConfig } from '../../src/config/parse.js'

t.test('every accepted key is documented', async (t) => {
  const documented = new Set(KEY_DOCS.map(([k]) => k.toLowerCase()))
  const v1 = new Set(V1_DOCS.map(([k]) => k.toLowerCase()))
  for (const key of knownKeys()) {
    const lower = key.toLowerCase()
    const ok = documented.has(lower) || v1.has(lower) || (lower.startsWith('docker.') && v1.has('docker.<option>'))
    t.ok(ok, `${key} is documented`)
  }
})

t.test('every documented key is accepted', async (t) => {
  const accepted = new Set(knownKeys().map((k) => k.toLowerCase()))
  for (const [key] of KEY_DOCS) t.ok(accepted.has(key.toLowerCase()), `${key} is accepted`)
})

t.test('usage lists keys with defaults', async (t) => {
  const u = usage()
  t.match(u, /--providers\.providersThrottleDuration  \(default: 100ms\)\n {6}after a provider update/)
  t.match(u, /--logLevel\n {6}log\.level\n/)
})

t.test('documented defaults match the parser', async (t) => {
  const c = parseStaticConfig(['--providers.docker', '--api.insecure', '--metrics.prometheus', '--accesslog'], {})
  const def = (k: string): string => KEY_DOCS.find(([key]) => key === k)![1]
  t.equal(def('providers.providersThrottleDuration'), `${c.providers.throttleMs}ms`)
  t.equal(def('serversTransport.maxIdleConnsPerHost'), String(c.serversTransport.maxIdleConnsPerHost))
  t.equal(def('serversTransport.forwardingTimeouts.dialTimeout'), `${c.serversTransport.dialTimeoutMs / 1000}s`)
  t.equal(def('lifecycle.graceTimeOut'), `${c.lifecycle.graceTimeOutMs / 1000}s`)
  t.equal(def('metrics.prometheus.buckets'), c.metrics!.prometheus!.buckets.join(','))
  t.equal(def('providers.docker.defaultRule'), c.providers.docker!.defaultRule)
  t.equal(def('log.level'), c.log.level)
  t.equal(def('accessLog.format'), c.accessLog!.format)
  t.equal(def('webSocket.maxMessageSize'), `${c.webSocket.maxMessageSize / 1048576}MiB`)
  t.equal(def('webSocket.compression'), String(c.webSocket.compression))
})
