// A real ACME server for the tests: Debian's pebble, with
// pebble-challtestsrv as its DNS server answering 127.0.0.1 for every name.
// Pebble's own HTTPS listener gets a certificate from a test CA; its
// management port hands out the issuing root to verify against.
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Agent, request } from 'node:https'
import { freePort, waitFor } from './net.js'
import { makeCA } from './tls.js'
import { reapOnExit } from './children.js'

export interface Pebble {
  /** ACME directory URL */
  directory: string
  /** PEM of the CA pebble's own HTTPS certificate chains to (trust it: LEGO_CA_CERTIFICATES) */
  serverCA: string
  serverCAFile: string
  /** PEM of the root pebble issues certificates under */
  issuingRoot(): Promise<string>
  logs(): string
  stop(): Promise<void>
}

export async function startPebble(dir: string, opts: { httpPort: number; tlsPort: number; validitySeconds?: number; eab?: Record<string, string>; blocklist?: string[] }): Promise<Pebble> {
  const ca = await makeCA('pebble listener test CA')
  const leaf = await ca.issue(['localhost'])
  writeFileSync(join(dir, 'pebble.crt'), leaf.cert)
  writeFileSync(join(dir, 'pebble.key'), leaf.key)
  const serverCAFile = join(dir, 'pebble-listener-ca.pem')
  writeFileSync(serverCAFile, ca.cert)
  const [acmePort, mgmtPort, dnsPort, dnsMgmtPort] = [await freePort(), await freePort(), await freePort(), await freePort()]
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${acmePort}`,
      managementListenAddress: `127.0.0.1:${mgmtPort}`,
      certificate: join(dir, 'pebble.crt'),
      privateKey: join(dir, 'pebble.key'),
      httpPort: opts.httpPort,
      tlsPort: opts.tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: opts.eab !== undefined,
      ...(opts.eab ? { externalAccountMACKeys: opts.eab } : {}),
      ...(opts.blocklist ? { domainBlocklist: opts.blocklist } : {}),
      ...(opts.validitySeconds ? { certificateValidityPeriod: opts.validitySeconds } : {}),
    },
  }
  writeFileSync(join(dir, 'pebble.json'), JSON.stringify(config))
  let out = ''
  const started: ChildProcess[] = []
  const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess => {
    const p = reapOnExit(spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }))
    p.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
    p.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d))
    started.push(p)
    return p
  }
  run('pebble-challtestsrv', ['-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${dnsMgmtPort}`])
  run('pebble', ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`], { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' })
  const agent = new Agent({ ca: ca.cert })
  const fetchText = (url: string): Promise<string> =>
    new Promise((resolve, reject) => {
      request(url, { agent }, (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (d: string) => (body += d))
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`))))
      })
        .on('error', reject)
        .end()
    })
  const directory = `https://localhost:${acmePort}/dir`
  await waitFor(() => fetchText(directory).then(() => true, () => false), 10000, 'pebble answering')
  return {
    directory,
    serverCA: ca.cert,
    serverCAFile,
    issuingRoot: () => fetchText(`https://localhost:${mgmtPort}/roots/0`),
    logs: () => out,
    async stop() {
      agent.destroy()
      await Promise.all(
        started.map(
          (p) =>
            new Promise<void>((resolve) => {
              if (p.exitCode !== null || p.signalCode !== null) return resolve()
              p.once('exit', () => resolve())
              p.kill('SIGTERM')
            }),
        ),
      )
    },
  }
}
