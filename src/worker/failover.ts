// Sends a failed request to another server of its service when that cannot
// make it happen twice (RFC 9110 section 9.2.2): a request that reached no
// backend (the dial failed) goes, whatever its method and with its body; one
// the backend reset without reading goes too, when its body (if any) is
// still kept; one the backend closed on without answering goes only if it is
// idempotent and bodyless. Never once a byte of a response reached the
// client (the exchange checks that). Each server is tried at most once.
// A retry middleware (middlewares/retry.ts) adds tries after that: the same
// server again, after a backoff, and on listed response statuses.
import { ErrorCode, UpstreamError, type Delivery } from '../upstream/errors.js'
import { SF_PASSIVE_HEALTH } from '../table/layout.js'
import type { PassiveHealth } from '../balancer/passive.js'
import type { Exchange } from './exchange.js'
import type { Routing } from './handler.js'
import type { RetryPolicy } from '../middlewares/retry.js'

/** What an exchange learns of a failure: an UpstreamError, or pier's own. */
export interface Failure {
  code: string
  delivery?: Delivery
}

/** Most servers one request is tried on (bits of the tried mask). */
const MAX_ATTEMPTS = 31

export class Failover {
  constructor(
    private readonly routing: () => Routing,
    private readonly passive: PassiveHealth,
  ) {}

  /**
   * The exchange's request failed before any response byte reached its
   * client: true when another try took it. First pier's own failover
   * (another server, when that cannot apply the request twice); then a retry
   * middleware's policy, if the router has one.
   */
  retry(x: Exchange, err: Failure, policy: RetryPolicy | null = null): boolean {
    this.noteFailure(x, err)
    if (this.another(x, err, policy)) return true
    return policy !== null && policy.afterError(x.attempts + 1, x.startedAt, err.delivery) && this.again(x, policy, x.upstream()?.replayableBody() ?? null)
  }

  /** A retry middleware with `status`: a response of a listed status is dropped unsent and the request tried again. */
  retryStatus(x: Exchange, status: number, policy: RetryPolicy): boolean {
    if (!policy.afterStatus(x.attempts + 1, x.startedAt, status, x.idempotent)) return false
    const ctl = x.upstream()
    const body = ctl?.replayableBody() ?? null
    // The body must be whole: what the client still sends would have nowhere to go while waiting.
    if (ctl === null || body === null || !body.ended) return false
    ctl.abort()
    return this.again(x, policy, body)
  }

  /** pier's own failover: another server of the service, each tried once, for a request that cannot happen twice there. */
  private another(x: Exchange, err: Failure, policy: RetryPolicy | null): boolean {
    if (err.delivery === undefined || (err.delivery === 'unanswered' && !x.idempotent)) return false
    const body = x.upstream()?.replayableBody()
    if (!body) return false
    const r = this.routing()
    let service = x.service
    if (r.table !== x.table) {
      service = r.table.serviceIndex(x.table.serviceNames[x.service]!)
      if (service < 0) return false
      x.tried = 0
    } else x.tried |= 1 << (x.server - r.table.firstServer(service))
    if (x.attempts + 1 >= Math.min(MAX_ATTEMPTS, r.table.serverCountOf(service))) return false
    const next = r.wrr.pick(service, x.tried)
    if (next < 0 || (r.table === x.table && next === x.server)) return false
    this.sendTo(x, r, service, next, body, policy)
    return true
  }

  /** A retry middleware's next try, after its backoff, on any server of the service (the same one too). */
  private again(x: Exchange, policy: RetryPolicy, body: { chunks: Buffer[]; ended: boolean } | null): boolean {
    if (body === null) return false
    const go = (): void => {
      if (x.aborted || x.finished) return
      const r = this.routing()
      const service = r.table === x.table ? x.service : r.table.serviceIndex(x.table.serviceNames[x.service]!)
      const next = service < 0 ? -1 : r.wrr.pick(service)
      if (next < 0) {
        // Nowhere to send it: this try is spent, and the failure goes on as if it had been made.
        x.attempts++
        const err = new UpstreamError(ErrorCode.CONNECT_FAILED, 'no server of the service to retry on')
        err.delivery = 'unsent'
        return void x.handler().onError(err)
      }
      x.tried = 0
      this.sendTo(x, r, service, next, body, policy)
    }
    // An upload still coming in must find the new request at once.
    const wait = body.ended ? policy.wait(x.attempts + 1) : 0
    if (wait <= 0) go()
    else setTimeout(go, wait)
    return true
  }

  private sendTo(x: Exchange, r: Routing, service: number, next: number, body: { chunks: Buffer[]; ended: boolean }, policy: RetryPolicy | null): void {
    const head = r.table.passHostHeader(service) ? x.head : withHost(x.head, serverHost(r, next))
    const ctl = r.pools[next]!.request(head, x.bodyMode, x.handler(), x.options!)
    if (policy !== null && policy.keepBody !== 0) ctl.keepBody(policy.keepBody)
    let flowing = true
    for (const chunk of body.chunks) flowing = ctl.write(chunk) && flowing
    if (body.ended) ctl.end()
    x.moveTo(r.table, service, next, ctl, head)
    // A sticky client is told of the server that now answers it.
    x.setCookie = r.table.sticky(service) ? r.table.setCookies[next]! : ''
    // The first attempt may have paused the client's upload; if this one took the body at once, no drain will come to resume it.
    if (flowing && x.bodyMode !== 0) x.onRequestDrain()
  }

  /** Passive health bookkeeping for a failure of the exchange's server. */
  noteFailure(x: Exchange, err: Failure): void {
    const t = x.table
    const counts = err.delivery === 'unsent' || err.delivery === 'unread' || (t.serviceFlags(x.service) & SF_PASSIVE_HEALTH) !== 0
    if (counts && err.code.startsWith('UPSTREAM_') && err.code !== ErrorCode.CLOSED && x.server >= 0) this.passive.failed(t, x.service, x.server)
  }

  /** A response head arrived: with passiveHealthCheck, 5xx counts as a failure and anything else as a success. */
  noteResponse(x: Exchange, status: number): void {
    const t = x.table
    if ((t.serviceFlags(x.service) & SF_PASSIVE_HEALTH) === 0) return
    if (status >= 500) this.passive.failed(t, x.service, x.server)
    else this.passive.succeeded(t, x.server)
  }
}

function serverHost(r: Routing, server: number): string {
  const host = r.table.serverHosts[server]!
  return `${host.includes(':') ? `[${host}]` : host}:${r.table.port(server)}`
}

/** head with its Host header's value replaced (pier writes it second, lower-case). */
function withHost(head: string, host: string): string {
  const at = head.indexOf('\r\nhost: ') + 8
  return head.slice(0, at) + host + head.slice(head.indexOf('\r\n', at))
}
