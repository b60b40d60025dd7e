// A worker's middlewares, bound to each route table as it arrives (as the
// WRR state and the upstream pools are). A middleware whose name and compiled
// options are unchanged keeps its instance across the swap, and with it what
// it keeps (caches, breaker windows, its own pools); one that left the table
// is closed. Chains are built once per table, not per request. A table's
// kinds are imported (load) before it is bound, so that bind stays synchronous.
import type { RouteTable } from '../table/reader.js'
import type { Routing } from '../worker/handler.js'
import type { Middleware, WorkerEnv } from './kind.js'
import { loadKinds, loadedKind } from './kind-modules.js'

/** The routers' chains of one table: Middleware lists by (router, entrypoint). */
export class Chains {
  constructor(
    private readonly lists: readonly (readonly Middleware[])[],
    private readonly epCount: number,
  ) {}

  of(router: number, ep: number): readonly Middleware[] {
    return this.lists[router * this.epCount + ep]!
  }
}

const EMPTY: readonly Middleware[] = []

export class MiddlewareSet {
  /** Instances by name + options JSON, from the last table. */
  private byKey = new Map<string, Middleware>()

  constructor(private readonly env: WorkerEnv) {}

  /** Imports the kinds the table names that this thread has not loaded yet; bind(table) needs them. */
  load(table: RouteTable): Promise<void> {
    return loadKinds(table.middlewareTypes)
  }

  bind(table: RouteTable): Chains {
    const next = new Map<string, Middleware>()
    const instances: Middleware[] = []
    for (let m = 0; m < table.middlewareCount; m++) {
      const name = table.middlewareNames[m]!
      const key = `${name}\0${table.middlewareOptions[m]}`
      let inst = next.get(key) ?? this.byKey.get(key)
      if (inst === undefined) {
        const k = loadedKind(table.middlewareTypes[m]!)
        if (!k) throw new Error(`middleware type ${table.middlewareTypes[m]} was not loaded before the table was bound`)
        inst = k.create(JSON.parse(table.middlewareOptions[m]!), this.env, name, table.middlewareHash(m))
      }
      next.set(key, inst)
      instances.push(inst)
    }
    for (const [key, inst] of this.byKey) if (!next.has(key)) inst.close?.()
    this.byKey = next
    const lists: (readonly Middleware[])[] = []
    const shared = new Map<string, readonly Middleware[]>()
    const eps = table.entryPoints.length
    for (let r = 0; r < table.routerCount; r++) {
      for (let e = 0; e < eps; e++) {
        if (table.chainPhases(r, e) === 0) {
          lists.push(EMPTY)
          continue
        }
        const idx = table.chain(r, e)
        const key = idx.join(',')
        let list = shared.get(key)
        if (list === undefined) shared.set(key, (list = idx.map((i) => instances[i]!)))
        lists.push(list)
      }
    }
    return new Chains(lists, eps)
  }

  /** The new routing is in force: middlewares that call services look them up in it. */
  attach(routing: Routing): void {
    for (const inst of this.byKey.values()) inst.bind?.(routing)
  }

  close(): void {
    for (const inst of this.byKey.values()) inst.close?.()
    this.byKey.clear()
  }
}
