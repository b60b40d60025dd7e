// The benchmark scenarios and the routing model each one gives every target.
// A model is target-neutral: services (each a list of backend servers with
// weights) and hosts (each routed to one service); bench/peers/render.mjs
// turns it into each proxy's own configuration.

export const SCENARIOS = [
  { name: '1-backend', what: 'GET, small body, one backend', backends: 1, rate: 2000 },
  { name: 'rr-2', what: 'GET, small body, round robin over 2 backends (the scoreboard scene)', backends: 2, rate: 2000 },
  { name: 'wrr-5', what: 'GET, small body, 5 backends weighted 1-5 (WRR)', backends: 5, weights: [1, 2, 3, 4, 5], rate: 2000 },
  { name: 'hosts-1000', what: 'GET, small body, 1,000 routed hosts over 5 services, requests spread over all hosts', backends: 5, hosts: 1000, rate: 2000 },
  { name: 'body-64k', what: 'GET, 64 KiB response', backends: 1, path: '/64k', rate: 1000 },
  { name: 'post-1m', what: 'POST with a 1 MiB body', backends: 1, method: 'POST', bodyBytes: 1 << 20, rate: 100 },
  { name: 'no-keepalive', what: 'GET, small body, a new client connection per request', backends: 1, newConnectionPerRequest: true, rate: 500 },
  {
    name: 'chain',
    what: 'rr-2 under /app through headers + stripPrefix + basicAuth + rateLimit (nginx: add_header, rewrite, auth_basic, limit_req); run with --targets=direct,pier,nginx',
    backends: 2,
    chain: true,
    path: '/app/x',
    rate: 2000,
  },
]

/** The chain scenario's credentials and their {SHA} hash (cheap for every target, so the proxies are measured, not the hash). */
export const CHAIN_USER = { user: 'bench', password: 'bench', htpasswd: 'bench:{SHA}5cicUp3MubQnFvTZEY1hB5yIPZ4=' }

/**
 * The fixed request rate of a scenario, the same for every target: its
 * nominal rate, lowered to half the slowest target's saturated median so no
 * target is overloaded.
 */
export function fixedRate(s, saturatedRps) {
  const live = saturatedRps.filter((r) => r > 0)
  const half = live.length ? Math.floor(Math.min(...live) / 2) : s.rate
  return Math.max(1, Math.min(s.rate, half))
}

export const SCENARIO_NAMES = SCENARIOS.map((s) => s.name)

/** The single host every non-multi-host scenario is routed by. */
export const BENCH_HOST = 'bench.local'

/**
 * The routing model for scenario s over backend ports.
 * hosts-1000 gives host i to service i % services.length, one backend each;
 * the others route BENCH_HOST to one service over all backends.
 */
export function modelFor(s, backendPorts) {
  if (backendPorts.length !== s.backends) {
    throw Object.assign(new Error(`scenario ${s.name} needs ${s.backends} backend ports, got ${backendPorts.length}`), { code: 'EMODEL' })
  }
  if (s.hosts) {
    const services = backendPorts.map((port, i) => ({ name: `svc${i}`, servers: [{ port, weight: 1 }] }))
    const hosts = Array.from({ length: s.hosts }, (_, i) => ({ host: `h${i}.bench`, service: `svc${i % services.length}` }))
    return { services, hosts }
  }
  const servers = backendPorts.map((port, i) => ({ port, weight: s.weights?.[i] ?? 1 }))
  return { services: [{ name: 'svc0', servers }], hosts: [{ host: BENCH_HOST, service: 'svc0' }], chain: s.chain === true }
}

/** The load-generator request spec of scenario s (everything but url, duration, connections, rate). */
export function requestSpec(s, model) {
  const spec = { path: s.path ?? '/', method: s.method ?? 'GET' }
  if (s.bodyBytes) spec.bodyBytes = s.bodyBytes
  if (s.newConnectionPerRequest) spec.newConnectionPerRequest = true
  if (s.hosts) spec.hosts = model.hosts.map((h) => h.host)
  else spec.headers = { host: BENCH_HOST }
  if (s.chain) spec.headers.authorization = `Basic ${Buffer.from(`${CHAIN_USER.user}:${CHAIN_USER.password}`).toString('base64')}`
  return spec
}
