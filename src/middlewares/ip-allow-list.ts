// ipAllowList (and its Traefik v2 name ipWhiteList): only client addresses
// in sourceRange pass; the others get rejectStatusCode (403).
import { kind, MiddlewareError, NEXT, PHASE_REQUEST, type Kind, type Middleware, type Step } from './kind.js'
import { ipAllowListSchema, ipWhiteListSchema } from './schemas.js'
import type { Schema } from './schema.js'
import type { Flow } from './flow.js'
import { compileIPStrategy, IPPicker, parseNets, type IPStrategy } from './source.js'
import { ipInNets, type IPNet } from '../rules/ip.js'
import { statusText } from './status-text.js'

interface Compiled {
  sourceRange: string[]
  ipStrategy: IPStrategy
  rejectStatusCode: number
}

/** An address as Traefik's checker takes it: a host:port is cut to its host. */
function hostOf(addr: string): string {
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']')
    return close > 0 ? addr.slice(1, close) : addr
  }
  const colon = addr.indexOf(':')
  return colon >= 0 && colon === addr.lastIndexOf(':') ? addr.slice(0, colon) : addr
}

class IPAllowList implements Middleware {
  private readonly nets: IPNet[]
  private readonly picker: IPPicker

  constructor(private readonly c: Compiled) {
    this.nets = parseNets(c.sourceRange, 'sourceRange')
    this.picker = new IPPicker(c.ipStrategy)
  }

  request(flow: Flow): Step {
    const ip = this.picker.ip(flow)
    if (ip !== '' && ipInNets(hostOf(ip), this.nets)) return NEXT
    const status = this.c.rejectStatusCode
    return flow.answer(status, [], statusText(status) || String(status))
  }
}

function define(schema: Schema): Kind {
  return kind<Compiled>({
    schema,
    phases: () => PHASE_REQUEST,
    compile(o) {
      const sourceRange = (o.sourceRange as string[] | undefined) ?? []
      if (sourceRange.length === 0) throw new MiddlewareError('sourceRange is empty')
      parseNets(sourceRange, 'sourceRange')
      const rejectStatusCode = typeof o.rejectStatusCode === 'number' && o.rejectStatusCode !== 0 ? o.rejectStatusCode : 403
      if (rejectStatusCode < 100 || rejectStatusCode > 599) throw new MiddlewareError(`invalid HTTP status code ${rejectStatusCode}`)
      return { sourceRange, ipStrategy: compileIPStrategy(o.ipStrategy as Record<string, unknown> | undefined), rejectStatusCode }
    },
    create: (c) => new IPAllowList(c),
  })
}

export const ipAllowList = define(ipAllowListSchema)
export const ipWhiteList = define(ipWhiteListSchema)
