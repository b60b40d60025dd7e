// Errors of the static configuration. The CLI prints `pier: <message>` and
// exits 2; `code` lets callers and tests tell the kinds apart.

export const ConfigErrorCode = {
  /** A flag or file key pier does not know (the message suggests the nearest one). */
  UNKNOWN_KEY: 'CONFIG_UNKNOWN_KEY',
  /** A Traefik option pier knows of but does not implement. */
  UNSUPPORTED: 'CONFIG_UNSUPPORTED',
  /** A value that does not parse or is out of range. */
  BAD_VALUE: 'CONFIG_BAD_VALUE',
  /** A flag that needs a value was given none. */
  MISSING_VALUE: 'CONFIG_MISSING_VALUE',
  /** A command-line word that is not a flag. */
  UNEXPECTED_ARGUMENT: 'CONFIG_UNEXPECTED_ARGUMENT',
  /** The file named by --configFile cannot be read or parsed. */
  FILE: 'CONFIG_FILE',
  /** Options that contradict each other. */
  CONFLICT: 'CONFIG_CONFLICT',
} as const
export type ConfigErrorCodeValue = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode]

export class ConfigError extends Error {
  readonly code: ConfigErrorCodeValue

  constructor(code: ConfigErrorCodeValue, message: string) {
    super(message)
    this.name = 'ConfigError'
    this.code = code
  }
}
