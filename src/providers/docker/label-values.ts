// Label value readers shared by the v1 and v2 label parsers: a bad value
// warns, naming the label, and reads as null.
import type { BuildWarning } from './warning.js'

export type Sink = (label: string, code: BuildWarning['code'], message: string) => void

export function int(key: string, value: string, warn: Sink, min: number, max = 2 ** 31 - 1): number | null {
  if (/^\d+$/.test(value)) {
    const n = Number(value)
    if (n >= min && n <= max) return n
  }
  warn(key, 'DOCKER_BAD_LABEL', `${JSON.stringify(value)} is not an integer between ${min} and ${max}`)
  return null
}

export function bool(key: string, value: string, warn: Sink): boolean | null {
  const v = value.toLowerCase()
  if (v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  warn(key, 'DOCKER_BAD_LABEL', `${JSON.stringify(value)} is not true or false`)
  return null
}

export function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '')
}
