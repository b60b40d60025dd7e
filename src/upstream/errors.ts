// Errors of the backend client. Every failure carries a stable `code` (what
// the proxy maps to a status: 502, 504, ...) and, for malformed responses, a
// stable `reason` naming the exact defect so tests and logs can tell them apart.

/** Failure codes passed to ResponseHandler.onError (err.code). */
export const ErrorCode = {
  /** The backend refused the TCP connection (ECONNREFUSED). */
  CONNECT_REFUSED: 'UPSTREAM_CONNECT_REFUSED',
  /** The TCP connection was not established within dialTimeoutMs. */
  CONNECT_TIMEOUT: 'UPSTREAM_CONNECT_TIMEOUT',
  /** Any other dial failure (unreachable host, bad address, ...). */
  CONNECT_FAILED: 'UPSTREAM_CONNECT_FAILED',
  /** The connection was reset or closed before the response was complete. */
  RESET: 'UPSTREAM_RESET',
  /** No complete response head within headersTimeoutMs. */
  HEADERS_TIMEOUT: 'UPSTREAM_HEADERS_TIMEOUT',
  /** The backend sent something that is not valid HTTP/1.x; see err.reason. */
  BAD_RESPONSE: 'UPSTREAM_BAD_RESPONSE',
  /** The pool was destroyed while the request was pending. */
  CLOSED: 'UPSTREAM_CLOSED',
  /** Reserved for callers that abandon a request on their side (abort() itself never reports). */
  ABORTED: 'ABORTED',
} as const
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode]

/** err.reason values for UPSTREAM_BAD_RESPONSE. */
export const BadResponse = {
  STATUS_LINE: 'BAD_STATUS_LINE',
  HEADER: 'BAD_HEADER',
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  CONTENT_LENGTH: 'BAD_CONTENT_LENGTH',
  DUPLICATE_CONTENT_LENGTH: 'DUPLICATE_CONTENT_LENGTH',
  CL_TE_CONFLICT: 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING',
  TRANSFER_ENCODING: 'UNSUPPORTED_TRANSFER_ENCODING',
  CHUNK_SIZE: 'BAD_CHUNK_SIZE',
  CHUNK_EXTENSION: 'BAD_CHUNK_EXTENSION',
  CHUNK_DATA: 'BAD_CHUNK_DATA',
  TRAILER: 'BAD_TRAILER',
  UPGRADE: 'UNEXPECTED_UPGRADE',
  UNSOLICITED: 'UNSOLICITED_RESPONSE',
} as const
export type BadResponseReason = (typeof BadResponse)[keyof typeof BadResponse]

/**
 * How far a failed request got, for deciding whether another server may take
 * it (RFC 9110 section 9.2.2): `unsent`, no byte of it reached a backend
 * (the dial failed, or it never left the queue); `unread`, it was written
 * but the backend reset the connection without answering (a reset means it
 * closed with bytes of ours unread); `unanswered`, the backend closed the
 * connection cleanly without answering, so it may have acted on it.
 * Undefined once any byte of a response arrived, or for a timeout.
 */
export type Delivery = 'unsent' | 'unread' | 'unanswered'

export class UpstreamError extends Error {
  readonly code: string
  delivery: Delivery | undefined
  /** For UPSTREAM_BAD_RESPONSE: which defect (a BadResponse value). */
  readonly reason: string | undefined
  /** The system error code underneath (ECONNRESET, EPIPE, ...), when there is one. */
  readonly syscallCode: string | undefined

  constructor(code: ErrorCodeValue, message: string, reason?: BadResponseReason, syscallCode?: string) {
    super(message)
    this.name = 'UpstreamError'
    this.code = code
    this.reason = reason
    this.syscallCode = syscallCode
  }
}

export function badResponse(reason: BadResponseReason, message: string): UpstreamError {
  return new UpstreamError(ErrorCode.BAD_RESPONSE, `malformed response from backend: ${message}`, reason)
}
