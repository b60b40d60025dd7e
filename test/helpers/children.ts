// Child processes a test file started are killed when it ends, however it
// ends: a tap timeout kills the file (SIGALRM) without running its
// teardowns, and pier (or pebble) would otherwise outlive it, holding ports.
import type { ChildProcess } from 'node:child_process'
import t from 'tap'

const live = new Set<ChildProcess>()

function killAll(): void {
  for (const p of live) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
}
process.once('exit', killAll)
t.on('timeout', killAll)

/** Kills proc when this test file ends or times out, unless it has ended by then. */
export function reapOnExit(proc: ChildProcess): ChildProcess {
  live.add(proc)
  proc.once('exit', () => live.delete(proc))
  return proc
}
