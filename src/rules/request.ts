// The request view a compiled rule reads. The worker fills one reusable object
// per request from what uWS hands over, so reading it allocates nothing.

export interface MatchRequest {
  /** Host header as received (may carry :port, any case). */
  host: string
  /** Path without query string (as uWS getUrl() returns it). */
  path: string
  /** Raw query string without '?' ('' if none). */
  query: string
  /** Upper-case method as received. */
  method: string
  /** Header value by lower-case name, '' when absent (uWS req.getHeader semantics). */
  header(name: string): string
  /** Client IP as text (called lazily, only by ClientIP matchers). */
  clientIP(): string
}
