// A worker thread's entry: runs the serve task with what the primary gave it,
// then says so (the primary ends the thread: a MessagePort left open would
// keep it alive).
import { parentPort, workerData } from 'node:worker_threads'
import serve from './serve.js'
import type { ServeInput } from './messages.js'

await serve(workerData as ServeInput)
parentPort!.postMessage('served')
