// uWS 20.30 closes an idle HTTP connection after its fixed 10 s timeout,
// checked on a 4 s tick: up to about 14 s after the last byte. Code that must
// outlast every client connection (a retiring thread, the final drain) waits
// this long.
export const UWS_IDLE_CLOSE_MS = 15_000
