#!/usr/bin/env node
// pier's command line: Traefik-style flags (and --configfile) -> static
// configuration -> start. Bad flags and files exit 2 with one clear line.
import { parseStaticConfig, ConfigError } from './config/parse.js'
import { usage } from './config/usage.js'
import { createLogger } from './log.js'
import { start } from './primary/start.js'

const args = process.argv.slice(2)
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(usage())
  process.exit(0)
}

let config
try {
  config = parseStaticConfig(args, process.env)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`pier: ${err.message}\n`)
  process.exit(2)
}

const log = createLogger(config.log)
if (config.configFile) log.info('Configuration loaded from file', { file: config.configFile })
try {
  const running = await start(config, log)
  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info('stopping: no new connections, waiting for requests in flight', { signal, graceMs: config.lifecycle.graceTimeOutMs })
    running.stop().then(
      (clean) => {
        log.info('stopped', { clean })
        process.exit(clean ? 0 : 1)
      },
      (err: Error) => {
        log.error('stop failed', { error: err.message })
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
  // Hand one worker thread's work to a fresh thread, the path a thread's uncaught error takes.
  process.on('SIGUSR2', () => running.recycleWorker())
  // After logrotate: write the access log to a fresh file.
  process.on('SIGUSR1', () => void running.reopenAccessLog())
} catch (err) {
  log.error('pier could not start', { error: (err as Error).message })
  process.exit(1)
}
