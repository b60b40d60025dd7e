// Bytes read but not parsed yet, kept across a pause. Reads land in one
// buffer shared by the thread's connections, so what is kept is a copy. A TLS
// socket may deliver more after it was paused (the records it had already
// decrypted), so later bytes are appended behind the ones kept before.

/** kept followed by buf[start, end), as a buffer of its own. */
export function keepBytes(kept: Buffer | null, buf: Buffer, start: number, end: number): Buffer {
  const more = buf.subarray(start, end)
  return kept === null ? Buffer.from(more) : Buffer.concat([kept, more])
}
