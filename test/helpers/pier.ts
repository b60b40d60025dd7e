// Starts the real built pier (node dist/cli.js) for integration tests.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { waitFor } from './net.js'
import { reapOnExit } from './children.js'

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))

/** Stretches startup deadlines where everything is slower (PIER_TEST_TIME_SCALE=10 under qemu). */
export const TIME_SCALE = Number(process.env.PIER_TEST_TIME_SCALE ?? 1) || 1

export interface PierProcess {
  proc: ChildProcess
  /** Everything pier wrote to stderr and stdout so far. */
  logs(): string
  /** Resolves once a log line matches re. */
  waitForLog(re: RegExp, ms?: number): Promise<void>
  /** Sends the signal (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/**
 * Spawns pier with args and waits for its readiness line ("pier ready"),
 * which the primary logs once every worker listens on every entrypoint.
 */
export async function startPier(args: string[], opts: { env?: NodeJS.ProcessEnv; ready?: boolean; timeoutMs?: number } = {}): Promise<PierProcess> {
  const proc = reapOnExit(
    spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  )
  let out = ''
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d))
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  const p: PierProcess = {
    proc,
    logs: () => out,
    waitForLog: async (re, ms = 10000) => {
      await waitFor(() => re.test(out) || proc.exitCode !== null, ms, `log ${re}`)
      if (!re.test(out)) throw new Error(`pier exited (${proc.exitCode}) before logging ${re}:\n${out}`)
    },
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal)
      return exited
    },
  }
  if (opts.ready !== false) {
    try {
      await p.waitForLog(/pier ready/, (opts.timeoutMs ?? 15000) * TIME_SCALE)
    } catch (err) {
      await p.stop('SIGKILL')
      throw err
    }
  }
  return p
}
