// Which close codes may appear in a close frame (RFC 6455 section 7.4 and
// IANA's registry): 1004, 1005, 1006 and 1015 are reserved for reporting
// and are never sent; 1016-2999 are unassigned; 3000-4999 belong to
// libraries and applications.
export function isSendableCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006
}

/** Sent both ways when pier shuts down or retires a thread. */
export const CLOSE_GOING_AWAY = 1001
/** Sent to the client when the backend cannot take its messages as fast as they come (IANA: Try Again Later). */
export const CLOSE_TRY_AGAIN_LATER = 1013
