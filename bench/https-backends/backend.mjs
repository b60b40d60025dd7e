// The backend of the HTTPS-backend benches: one uWS thread serving the same
// small body on a plain port (App) and on a TLS port (SSLApp, ECDSA P-256,
// a certificate for NAME made with openssl into dir).
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, start } from '../lib/procs.mjs'

export const NAME = 'backend.bench'

/** Starts the backend on cpus; resolves once both ports listen. */
export async function startBackend(dir, cpus) {
  const crt = join(dir, 'backend.crt')
  const key = join(dir, 'backend.key')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', `/CN=${NAME}`, '-addext', `subjectAltName=DNS:${NAME}`], { stdio: 'ignore' })
  const [plainPort, tlsPort] = [await freePort(), await freePort()]
  const js = join(dir, 'backend.mjs')
  const uws = fileURLToPath(import.meta.resolve('uWebSockets.js'))
  writeFileSync(
    js,
    `import uWS from ${JSON.stringify(uws)}
const body = 'hello from pier bench\\n'
let n = 2
const up = (s) => { if (!s) process.exit(1); if (--n === 0) console.log('backend ready') }
uWS.App().any('/*', (res) => res.end(body)).listen('127.0.0.1', ${plainPort}, up)
uWS.SSLApp({ cert_file_name: ${JSON.stringify(crt)}, key_file_name: ${JSON.stringify(key)} }).any('/*', (res) => res.end(body)).listen('127.0.0.1', ${tlsPort}, up)
`,
  )
  const proc = start('backend', process.execPath, [js], { cpus })
  await proc.waitForOutput(/backend ready/)
  return { proc, plainPort, tlsPort, crt }
}
