#!/usr/bin/env node
// pier's command line: Traefik-style flags (and --configfile) -> static
// configuration -> start. Bad flags and files exit 2 with one clear line.
// `pier healthcheck` and `pier version` are Traefik's subcommands of those names.
import { setFlagsFromString } from 'node:v8'
import { parseStaticConfig, ConfigError } from './config/parse.js'
import { createLogger } from './log.js'
import type { LogFile } from './log-file.js'

// Each isolate (the primary and every worker) otherwise maps its own copy of
// V8's builtins next to its code: about 0.9 MB of resident pages per isolate.
setFlagsFromString('--no-short-builtin-calls')
// No baseline (Sparkplug) tier: code run often enough keeps a machine-code
// copy next to its bytecode in every isolate, most of it start-up code that
// never runs again; idle RSS with 2 workers is about 1 MB lower without it.
// The hot path is optimized code either way (CPU per request unchanged, bench/ab rr-2).
setFlagsFromString('--no-sparkplug')
// Bytecode of a function not run since the last full GC is dropped (V8's
// default waits 5 GCs, more than an idle pier sees): start-up code (flags,
// configuration, table compiler, thread set-up) leaves every heap soon after
// start; a function run again is compiled again from its source. Idle RSS
// with 2 workers about 0.8 MB lower; CPU per request unchanged (bench/ab rr-2).
setFlagsFromString('--bytecode-old-age=1')
// gc() in the workers (set before they start): a worker that goes quiet after a
// busy spell collects once, so its grown heap shrinks back (worker/idle-collect.ts).
setFlagsFromString('--expose-gc')

/** Writes to the log file; if that fails (disk full, file gone), to stderr: a log line is not worth a crash. */
function logLine(file: LogFile): (line: string) => void {
  return (line) => {
    try {
      file.write(line)
    } catch (err) {
      process.stderr.write(`log file write failed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): ${line}`)
    }
  }
}

const argv = process.argv.slice(2)
const command = argv[0] === 'healthcheck' || argv[0] === 'version' ? argv[0] : 'serve'
const args = command === 'serve' ? argv : argv.slice(1)
if (args.includes('--help') || args.includes('-h')) {
  // The usage text and the middleware schemas load only for this.
  const { usage } = await import('./config/usage.js')
  const { middlewareUsage } = await import('./middlewares/docs.js')
  process.stdout.write(`${usage()}${middlewareUsage().join('\n')}\n`)
  process.exit(0)
}
if (command === 'version') {
  const { versionText } = await import('./commands/version.js')
  process.stdout.write(versionText())
  process.exit(0)
}

let config
try {
  config = parseStaticConfig(args, process.env)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`pier: ${err.message}\n`)
  // Docker reads a health check's exit code 2 as reserved: unhealthy is 1.
  process.exit(command === 'healthcheck' ? 1 : 2)
}

if (command === 'healthcheck') {
  const { healthcheck } = await import('./commands/healthcheck.js')
  const result = await healthcheck(config)
  process.stdout.write(`${result.message}\n`)
  process.exit(result.ok ? 0 : 1)
}

let logFile: LogFile | undefined
try {
  if (config.log.filePath !== undefined) logFile = new (await import('./log-file.js')).LogFile({ ...config.log, filePath: config.log.filePath })
} catch (err) {
  process.stderr.write(`pier: log.filePath: cannot open ${JSON.stringify(config.log.filePath)}: ${(err as Error).message}\n`)
  process.exit(2)
}
const log = createLogger(logFile ? { ...config.log, write: logLine(logFile) } : config.log)
if (config.configFile) log.info('Configuration loaded from file', { file: config.configFile })
try {
  // Loaded here, not at the top: a health check (every 30 s, on a small board) needs none of it.
  const { start } = await import('./primary/start.js')
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
  // After logrotate: write the logs to fresh files.
  process.on('SIGUSR1', () => {
    logFile?.reopen()
    void running.reopenAccessLog()
  })
} catch (err) {
  log.error('pier could not start', { error: (err as Error).message })
  process.exit(1)
}
