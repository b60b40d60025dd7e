// `pier --help`: every static configuration key with its default, in
// Traefik's spelling (cli.ts adds the middleware kinds' options, from their
// schemas). A unit test checks that every accepted key is here.

/** [key, default, what it does] */
export const KEY_DOCS: Array<[string, string, string]> = [
  ['configFile', 'traefik.toml, .yaml or .yml in /etc/traefik, $XDG_CONFIG_HOME, $HOME/.config or the working directory', 'YAML or TOML file with the same keys (Traefik static file shape); flags override it'],
  ['entryPoints.<name>.address', ':80 for web', '[host]:port to listen on; any number of entrypoints; `traefik` is the API entrypoint'],
  ['entryPoints.<name>.http.middlewares', '', 'middlewares (name@provider) every router on the entrypoint runs before its own'],
  ['workers', 'CPU cores', 'worker threads serving traffic'],
  ['providers.providersThrottleDuration', '100ms', 'after a provider update is applied, later ones within this window are coalesced (Traefik: 2s)'],
  ['providers.file.filename', '', 'dynamic configuration file (YAML or TOML)'],
  ['providers.file.directory', '', 'directory of dynamic configuration files (*.yml, *.yaml, *.toml), merged'],
  ['providers.file.watch', 'true', 're-read on change'],
  ['providers.docker', 'false', 'discover containers from the Docker engine'],
  ['providers.docker.endpoint', 'unix:///var/run/docker.sock or $DOCKER_HOST', 'Docker engine: unix://, tcp://, http:// or https://'],
  ['providers.docker.tls.ca', '$DOCKER_CERT_PATH/ca.pem when $DOCKER_TLS_VERIFY is set', 'CA certificate for a tcp:// endpoint'],
  ['providers.docker.tls.cert', '$DOCKER_CERT_PATH/cert.pem when $DOCKER_TLS_VERIFY is set', 'client certificate'],
  ['providers.docker.tls.key', '$DOCKER_CERT_PATH/key.pem when $DOCKER_TLS_VERIFY is set', 'client key'],
  ['providers.docker.tls.insecureSkipVerify', 'false', 'accept any engine certificate'],
  ['providers.docker.exposedByDefault', 'true', 'route containers without traefik.enable=true'],
  ['providers.docker.network', '', 'network whose container address is used'],
  ['providers.docker.defaultRule', 'Host(`{{ normalize .Name }}`)', 'rule for containers without one'],
  ['providers.docker.watch', 'true', 'follow Docker events'],
  ['providers.docker.constraints', '', 'which containers to consider: Label(`k`,`v`), LabelRegex, &&, ||, !'],
  ['providers.docker.allowEmptyServices', 'false', 'keep a service with no usable container (503 instead of 404)'],
  ['providers.docker.useBindPortIP', 'false', 'use the published host IP and port'],
  ['providers.docker.domain', '', 'domain for Traefik v1 default rules (v1: --docker.domain)'],
  ['log.level', 'INFO', 'DEBUG, INFO, WARN or ERROR (any case)'],
  ['log.format', 'common', 'common or json'],
  ['serversTransport.forwardingTimeouts.responseHeaderTimeout', '0 (none)', 'time to wait for a backend response head (504 after)'],
  ['serversTransport.forwardingTimeouts.dialTimeout', '30s', 'time to connect to a backend'],
  ['serversTransport.maxIdleConnsPerHost', '64', 'keep-alive connections per backend server per worker (Traefik: 200)'],
  ['lifecycle.graceTimeOut', '10s', 'on SIGTERM/SIGINT, how long requests in flight may finish'],
  ['api', 'false', 'enable the API object (served only with api.insecure)'],
  ['api.insecure', 'false', 'serve the API on the traefik entrypoint (:8080)'],
  ['api.dashboard', 'true when the API is on', 'serve the dashboard at /dashboard/'],
  ['ping', 'false', 'serve /ping on the traefik entrypoint'],
  ['metrics.prometheus', 'false', 'serve /metrics in the Prometheus format'],
  ['metrics.prometheus.buckets', '0.1,0.3,1.2,5', 'latency histogram buckets, seconds'],
  ['metrics.prometheus.entryPoint', 'traefik', 'entrypoint serving /metrics'],
  ['metrics.prometheus.addEntryPointsLabels', 'true', 'accepted for Traefik compatibility; pier always exports these series'],
  ['metrics.prometheus.addRoutersLabels', 'true', 'accepted for Traefik compatibility; pier always exports these series'],
  ['metrics.prometheus.addServicesLabels', 'true', 'accepted for Traefik compatibility; pier always exports these series'],
  ['accessLog', 'false', 'one line per request'],
  ['accessLog.filePath', 'stdout', 'where access log lines go'],
  ['accessLog.format', 'common', 'common or json'],
  ['accessLog.bufferingSize', '0', 'lines buffered before a write'],
  ['global.checkNewVersion', '', 'accepted for Traefik compatibility; pier never phones home'],
  ['global.sendAnonymousUsage', '', 'accepted for Traefik compatibility; pier never phones home'],
]

/** Traefik v1 spellings and what they mean in v2 terms. */
export const V1_DOCS: Array<[string, string]> = [
  ['docker', 'providers.docker'],
  ['docker.<option>', 'providers.docker.<option> (endpoint, tls.*, exposedByDefault, network, domain, watch, ...)'],
  ['logLevel', 'log.level'],
  ['web', 'api.insecure, with the traefik entrypoint on :8080'],
  ['web.address', 'api.insecure, with the traefik entrypoint on this address'],
  ['entryPoints', "entrypoints in v1 form: 'Name:http Address::80', several joined by commas"],
  ['providersThrottleDuration', 'providers.providersThrottleDuration'],
]

export function usage(): string {
  const lines = [
    'Usage: pier [--key=value | --key value | --flag] ...',
    '       pier healthcheck [same flags]   asks the running pier for /ping (needs --ping): exit 0 when it answers 200, else 1',
    '       pier version                    prints the version, Node.js, uWebSockets.js and OS/arch',
    '',
    'Traefik-style static configuration; keys are case-insensitive. A bare boolean flag means true.',
    'Durations: 100ms, 2s, 1m30s, or a number of seconds.',
    'Every key may also be set as an environment variable TRAEFIK_<KEY>, dots written as underscores',
    '(TRAEFIK_LOG_LEVEL=DEBUG). Flags win over the environment, which wins over the file.',
    '',
  ]
  for (const [key, def, what] of KEY_DOCS) lines.push(`  --${key}${def ? `  (default: ${def})` : ''}`, `      ${what}`)
  lines.push('', 'Traefik v1 spellings:')
  for (const [key, means] of V1_DOCS) lines.push(`  --${key}`, `      ${means}`)
  return lines.join('\n') + '\n'
}
