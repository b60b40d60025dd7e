// Writes a request head straight to a socket's stream handle (TCP, Unix, or
// the TLSWrap that encrypts onto one), past net.Socket's Writable (per write:
// a WriteWrap, the stream's bookkeeping and a nextTick for its callback).
// Taken only when the stream has nothing queued, so bytes still leave in
// order; the handle queues whatever the kernel does not take at once behind
// any write in flight. Node's own stream_wrap binding (Node 20); without it,
// net.Socket's write is used.
import type { Socket } from 'node:net'
import { getSystemErrorName } from 'node:util'

interface StreamWrap {
  WriteWrap: new () => WriteReq
  streamBaseState: Int32Array
  kLastWriteWasAsync: number
}
interface WriteReq {
  handle: unknown
  oncomplete: (status: number) => void
}
interface TcpHandle {
  writeUtf8String(req: WriteReq, s: string): number
}

const binding: StreamWrap | null = (() => {
  try {
    const b = (process as unknown as { binding(name: string): StreamWrap }).binding('stream_wrap')
    return typeof b.WriteWrap === 'function' && b.streamBaseState instanceof Int32Array ? b : null
  } catch {
    return null
  }
})()

/** A write the kernel did not take at once finished: a failure ends the socket, as net.Socket would. */
function completed(this: WriteReq & { socket: Socket }, status: number): void {
  if (status < 0 && !this.socket.destroyed) this.socket.destroy(systemError(status))
}

function systemError(status: number): NodeJS.ErrnoException {
  const code = getSystemErrorName(status)
  return Object.assign(new Error(`write ${code}`), { code, errno: status, syscall: 'write' })
}

/** The request of the last write that completed at once, reused; a write left pending keeps its own. */
let spare: (WriteReq & { socket: Socket }) | null = null

/** Writes s (as UTF-8) to socket, in order after anything written before. */
export function writeHead(socket: Socket, s: string): void {
  const handle = (socket as unknown as { _handle: TcpHandle | null })._handle
  if (binding === null || handle === null || socket.writableLength !== 0 || socket.connecting || socket.destroyed || typeof handle.writeUtf8String !== 'function') {
    socket.write(s, 'utf8')
    return
  }
  const req = spare ?? Object.assign(new binding.WriteWrap(), { socket, oncomplete: completed })
  spare = null
  req.handle = handle
  req.socket = socket
  const err = handle.writeUtf8String(req, s)
  if (err !== 0) return void socket.destroy(systemError(err))
  if (binding.streamBaseState[binding.kLastWriteWasAsync] === 0) spare = req
}
