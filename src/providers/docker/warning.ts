// What the label builder reports instead of throwing: one bad label skips only
// what it concerns, and the provider logs each warning once.

export type WarningCode =
  | 'DOCKER_BAD_RULE'
  | 'DOCKER_BAD_LABEL'
  | 'DOCKER_UNSUPPORTED_LABEL'
  | 'DOCKER_NO_PORT'
  | 'DOCKER_NETWORK_NOT_FOUND'
  | 'DOCKER_NETWORK_AMBIGUOUS'
  | 'DOCKER_NO_ADDRESS'
  | 'DOCKER_CONFLICT'
  | 'DOCKER_ROUTER_NO_SERVICE'
  | 'DOCKER_NO_ROUTER'

export interface BuildWarning {
  code: WarningCode
  /** Container name(s) the warning is about. */
  container: string
  /** The label concerned, when there is one. */
  label?: string
  message: string
}
