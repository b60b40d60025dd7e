// Renders each peer's configuration for one scenario's routing model
// (bench/lib/scenarios.mjs modelFor) from the templates next to this file.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const template = (name) => readFileSync(fileURLToPath(new URL(name, import.meta.url)), 'utf8')

/** Replaces {{key}} with vars[key]; a missing key is an error, not an empty string. */
export function fill(text, vars) {
  return text.replace(/\{\{(\w+)\}\}/g, (_, key) => {
    if (!(key in vars)) throw Object.assign(new Error(`template needs {{${key}}} but it was not given`), { code: 'ETEMPLATE' })
    return String(vars[key])
  })
}

import { CHAIN_USER } from '../lib/scenarios.mjs'

const hostsOf = (model, service) => model.hosts.filter((h) => h.service === service).map((h) => h.host)

/** nginx.conf text. opts: { port, workers, dir, asRoot }. */
export function renderNginx(model, { port, workers, dir, asRoot = false }) {
  const upstreams = model.services
    .map((s) => {
      const servers = s.servers.map((v) => `        server 127.0.0.1:${v.port} weight=${v.weight};`).join('\n')
      return `    upstream ${s.name} {\n${servers}\n        keepalive 256;\n        keepalive_requests 1000000;\n    }`
    })
    .join('\n')
  // The chain scenario: under /app what pier's middlewares do, in nginx's own directives.
  const chain = (s) => [
    '        location /app/ {',
    '            auth_basic "bench";',
    `            auth_basic_user_file ${dir}/htpasswd;`,
    '            limit_req zone=bench burst=1000000 nodelay;',
    '            add_header X-Frame-Options DENY always;',
    '            add_header X-Content-Type-Options nosniff always;',
    '            rewrite ^/app(/.*)$ $1 break;',
    `            proxy_pass http://${s.name};`,
    '            proxy_http_version 1.1;',
    '            proxy_set_header Connection "";',
    '            proxy_set_header X-Script-Name bench;',
    '            proxy_set_header X-Forwarded-Prefix /app;',
    '        }',
  ]
  const servers = model.services
    .map((s, i) => {
      const names = hostsOf(model, s.name)
      return [
        '    server {',
        `        listen 127.0.0.1:${port}${i === 0 ? ' default_server' : ''};`,
        `        server_name ${names.join(' ') || '_'};`,
        ...(model.chain ? chain(s) : []),
        '        location / {',
        `            proxy_pass http://${s.name};`,
        '            proxy_http_version 1.1;',
        '            proxy_set_header Connection "";',
        '        }',
        '    }',
      ].join('\n')
    })
    .join('\n')
  // As root, nginx would drop its workers to "nobody", who cannot use the temp dirs made here.
  const zones = model.chain ? '    limit_req_zone $binary_remote_addr zone=bench:10m rate=1000000r/s;\n' : ''
  return fill(template('nginx.conf.tmpl'), { workers, dir, user: asRoot ? 'user root;\n' : '', upstreams: zones + upstreams, servers })
}

/** { cfg, map }: haproxy.cfg text and the hosts.map text it reads from mapFile. */
export function renderHaproxy(model, { port, workers, mapFile }) {
  const backends = model.services
    .map((s) => {
      const servers = s.servers.map((v, i) => `    server s${i} 127.0.0.1:${v.port} weight ${v.weight}`).join('\n')
      return `backend ${s.name}\n    balance roundrobin\n${servers}`
    })
    .join('\n\n')
  const cfg = fill(template('haproxy.cfg.tmpl'), { workers, port, mapFile, defaultBackend: model.services[0].name, backends })
  const map = model.hosts.map((h) => `${h.host} ${h.service}`).join('\n') + '\n'
  return { cfg, map }
}

/** Caddyfile text (the harness sets GOMAXPROCS = workers in Caddy's environment). */
export function renderCaddy(model, { port }) {
  const sites = model.services
    .map((s, i) => {
      // The first service also takes unknown hosts (http://:port), as the other peers' defaults do.
      const addrs = hostsOf(model, s.name).map((h) => `http://${h}:${port}`)
      if (i === 0) addrs.push(`http://:${port}`)
      const upstreams = s.servers.flatMap((v) => Array(v.weight).fill(`127.0.0.1:${v.port}`)).join(' ')
      return [
        `${addrs.join(', ')} {`,
        `    reverse_proxy ${upstreams} {`,
        '        lb_policy round_robin',
        '        transport http {',
        '            keepalive 90s',
        '            keepalive_idle_conns_per_host 256',
        '        }',
        '    }',
        '}',
      ].join('\n')
    })
    .join('\n\n')
  return fill(template('Caddyfile.tmpl'), { sites })
}

/**
 * Traefik's dynamic configuration (YAML) for the model: what pier and traefik
 * both read with --providers.file.filename.
 */
export function renderRoutes(model) {
  const lines = ['# Routes for the pier and traefik targets (rendered by bench/peers/render.mjs).', 'http:', '  routers:']
  model.hosts.forEach((h, i) => {
    lines.push(`    r${i}:`, `      rule: "Host(\`${h.host}\`)"`, `      service: ${h.service}`, '      entryPoints: [web]')
  })
  if (model.chain) {
    lines.push(
      '    chain:',
      `      rule: "Host(\`${model.hosts[0].host}\`) && PathPrefix(\`/app\`)"`,
      `      service: ${model.hosts[0].service}`,
      '      entryPoints: [web]',
      '      middlewares: [bench-chain]',
      '  middlewares:',
      '    bench-chain: { chain: { middlewares: [hdr, strip, auth, limit] } }',
      '    hdr: { headers: { customRequestHeaders: { X-Script-Name: bench }, frameDeny: true, contentTypeNosniff: true } }',
      '    strip: { stripPrefix: { prefixes: [/app] } }',
      `    auth: { basicAuth: { users: ["${CHAIN_USER.htpasswd}"] } }`,
      '    limit: { rateLimit: { average: 1000000, burst: 1000000 } }',
    )
  }
  lines.push('  services:')
  for (const s of model.services) {
    lines.push(`    ${s.name}:`, '      loadBalancer:', '        servers:')
    for (const v of s.servers) lines.push(`          - url: "http://127.0.0.1:${v.port}"`, `            weight: ${v.weight}`)
  }
  return lines.join('\n') + '\n'
}

/** JSON the node-http-proxy peer (bench/peers/node-http-proxy.mjs) reads. */
export function renderNodeProxy(model, { port, workers }) {
  return JSON.stringify({ port, workers, ...model }, null, 2) + '\n'
}
