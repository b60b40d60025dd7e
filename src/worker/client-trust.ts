// Whom an entrypoint believes about the client, as Traefik's
// forwardedHeaders and proxyProtocol say. A peer in trustedIPs (or any peer,
// with insecure) may tell the client's address (a PROXY v2 header, which uWS
// 20.30 parses on every connection and pier ignores unless trusted) and keep
// its X-Forwarded-* headers; anyone else's are dropped. Decisions are cached
// per peer text: keep-alive clients repeat it request after request.
import type { HttpResponse } from 'uWebSockets.js'
import type { ClientTrust } from '../config/static.js'
import { ipInNets, parseNet, type IPNet } from '../rules/ip.js'
import { addressText, clientAddress } from './client-address.js'

/** One trust list: insecure, or these networks. */
class Believes {
  private readonly nets: IPNet[]
  private lastPeer = ''
  private lastAnswer = false

  constructor(
    private readonly insecure: boolean,
    trustedIPs: string[],
  ) {
    this.nets = trustedIPs.map((s) => parseNet(s)!)
  }

  peer(ip: string): boolean {
    if (this.insecure) return true
    if (ip !== this.lastPeer) {
      this.lastPeer = ip
      this.lastAnswer = this.nets.length > 0 && ipInNets(ip, this.nets)
    }
    return this.lastAnswer
  }
}

export class ClientTrustRules {
  private readonly forwarded: Believes
  private readonly proxy: Believes | null
  readonly appendForwardedFor: boolean

  constructor(t: ClientTrust) {
    this.forwarded = new Believes(t.forwardedHeaders.insecure, t.forwardedHeaders.trustedIPs)
    this.proxy = t.proxyProtocol ? new Believes(t.proxyProtocol.insecure, t.proxyProtocol.trustedIPs) : null
    this.appendForwardedFor = !t.forwardedHeaders.notAppendXForwardedFor
  }

  /** The client's address: the peer's, or the source a trusted peer sent in a PROXY v2 header. */
  client(res: HttpResponse): string {
    const peer = clientAddress(res)
    if (this.proxy === null || !this.proxy.peer(peer)) return peer
    const proxied = addressText(new Uint8Array(res.getProxiedRemoteAddress()))
    return proxied === '' ? peer : proxied
  }

  /** May this client's X-Forwarded-* headers be kept? (The client after PROXY protocol, as Traefik decides.) */
  forwardedFrom(client: string): boolean {
    return this.forwarded.peer(client)
  }
}

