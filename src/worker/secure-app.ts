// A TLS entrypoint of one worker: a uWS SSLApp whose base context holds the
// default certificate (none with sniStrict: the handshake fails), and one
// server name per certificate name, each with the same routes (requests and
// WebSocket upgrades) on its own domain router (uWS routes requests of an SNI
// context through that router only). Names are only ever added: removing one while connections
// use it frees the router they still point to, so certificate changes are
// made by fresh worker threads instead.
import uWS from 'uWebSockets.js'
import type { SniEntry, TlsSnapshot } from '../tls/snapshot.js'

/** Registers pier's routes on the app's current router. */
type Routes = (app: uWS.TemplatedApp) => uWS.TemplatedApp

const options = (e: { cert: string; key: string; ciphers?: string }): uWS.AppOptions =>
  e.ciphers ? { cert_file_name: e.cert, key_file_name: e.key, ssl_ciphers: e.ciphers } : { cert_file_name: e.cert, key_file_name: e.key }

export class SecureApp {
  readonly app: uWS.TemplatedApp
  private readonly names = new Set<string>()

  constructor(
    tls: TlsSnapshot,
    private readonly routes: Routes,
  ) {
    this.app = routes(uWS.SSLApp(tls.fallback ? options(tls.fallback) : {}))
    this.add(tls.names)
  }

  /** Adds names not yet served; the primary checked every file, so uWS loads them. */
  add(entries: readonly SniEntry[]): void {
    for (const e of entries) {
      if (this.names.has(e.name)) continue
      this.names.add(e.name)
      this.routes(this.app.addServerName(e.name, options(e)).domain(e.name))
    }
  }
}
