// A child process for the "backend killed mid-stream" test: a ws server on a
// free loopback port that streams a message every 10 ms to each client; it
// reports its port over IPC and is then killed with SIGKILL by the test.
import { WebSocketServer } from 'ws'

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
wss.on('listening', () => process.send(String(wss.address().port)))
wss.on('connection', (ws) => {
  let i = 0
  const timer = setInterval(() => ws.send(`tick ${i++}`), 10)
  ws.on('close', () => clearInterval(timer))
})
