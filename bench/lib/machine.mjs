// What the results were measured on: CPU, cores, arch, kernel, Node, and how
// the harness split the cores between the load generator, proxy and backends.
import os from 'node:os'
import { readFileSync } from 'node:fs'

export function machine() {
  let cpu = os.cpus()[0]?.model?.trim() || 'unknown'
  if (cpu === 'unknown' || cpu === '') {
    // ARM kernels often leave the model empty in os.cpus(); /proc/cpuinfo may name it
    const info = readFileSync('/proc/cpuinfo', 'utf8')
    cpu = /^(?:Model|Hardware)\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown'
  }
  return {
    cpu,
    cores: os.availableParallelism(),
    arch: process.arch,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    memMB: Math.round(os.totalmem() / 2 ** 20),
    hostname: os.hostname(),
  }
}

/** A short, file-name-safe machine label for result directories, e.g. x64-2c-amd-epyc. */
export function machineLabel(m) {
  const cpu = m.cpu.toLowerCase().replace(/\(r\)|\(tm\)|cpu|processor|@.*$/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
  return `${m.arch}-${m.cores}c-${cpu || 'cpu'}`.slice(0, 60)
}
