// The Swarm provider: services and their tasks, read from a manager's API.
// Service, node and network events (and this node's task containers) say
// what to re-read; tasks have no events, so while anything is still moving
// (an update rolls, replicas are short, a task starts) tasks are re-read every
// FOLLOW_MS until it settles. A full resync every refreshSeconds is the safety
// net. When the manager goes away the last configuration stays in force.
import type { Readable } from 'node:stream'
import type { DynamicConfig } from '../../config/dynamic.js'
import type { SwarmProviderConfig } from '../../config/static.js'
import type { Logger } from '../../log.js'
import type { Annotation } from '../annotation.js'
import { buildConfig, type BuildOptions } from '../docker/builder.js'
import { clientSettings, type ClientSettings } from '../docker/client.js'
import { Docker } from '../docker/dockerode.js'
import { ConfigEmitter } from '../docker/emitter.js'
import { readEvents } from '../docker/events.js'
import { Reconnect } from '../docker/reconnect.js'
import { engineBuildOptions } from '../docker/settings.js'
import type { Provider } from '../provider.js'
import { describeSwarm, inMotion } from './describe.js'
import { affectedParts, EVENT_TYPES, type SwarmPart } from './events.js'
import { fromApiNetwork, fromApiService, fromApiTask, nodeReady, type SwarmState } from './model.js'
import { requireManager, SwarmRoleError, type EngineInfo } from './role.js'

/** Tasks re-read this often while something moves: well inside the 2 s Swarm waits before stopping an overlay task's container. */
const FOLLOW_MS = 200
/** Following stops this long after the last event or the start of the motion, even if something still moves (a task failing over and over). */
const FOLLOW_MAX_MS = 60_000
const ALL: SwarmPart[] = ['services', 'tasks', 'nodes', 'networks']

export class SwarmProvider implements Provider {
  readonly name: string
  readonly #config: SwarmProviderConfig
  readonly #client: ClientSettings
  readonly #docker: Docker
  readonly #build: BuildOptions
  readonly #flags: string
  #state: SwarmState = { services: [], tasks: [], nodes: new Map(), networks: new Map() }
  #emitter?: ConfigEmitter
  #log?: Logger
  #reconnect?: Reconnect
  #events?: Readable
  #stopped = false
  /** A full sync succeeded since the manager was last lost. */
  #synced = false
  #dirty = new Set<SwarmPart>()
  #refreshing = false
  /** When the current following began (0: nothing moves); an event restarts it. */
  #followFrom = 0
  #follow?: NodeJS.Timeout
  #resync?: NodeJS.Timeout

  /** Validates every setting eagerly; throws an error with a `code` naming the bad one. */
  constructor(config: SwarmProviderConfig) {
    this.name = config.name
    this.#config = config
    this.#flags = config.name === 'swarm' ? 'providers.swarm' : 'providers.docker'
    this.#client = clientSettings(config.endpoint, config.tls)
    this.#docker = new Docker(this.#client.options)
    this.#build = { ...engineBuildOptions(config, this.#flags), useBindPortIP: false, localEngine: false, provider: config.name }
  }

  /** Resolves after the first attempt to reach the manager; keeps retrying in the background when it failed. */
  async start(emit: (config: DynamicConfig, annotations: readonly Annotation[]) => void, log: Logger): Promise<void> {
    this.#log = log.with({ providerName: this.name })
    this.#emitter = new ConfigEmitter(emit, this.#log)
    this.#reconnect = new Reconnect(
      () => void this.#connect(),
      (why) => {
        if (why instanceof SwarmRoleError) this.#log!.error(why.message, { code: why.code })
        else this.#log!.error('Swarm manager unreachable; routing stays on the last configuration while reconnecting', { error: why.message })
      },
      (why, retryMs) => this.#log!.debug('Swarm manager still unreachable', { error: why.message, retryMs }),
    )
    this.#log.info('Swarm provider starting', { endpoint: this.#client.endpoint, watch: this.#config.watch, refreshSeconds: this.#config.refreshMs / 1000 })
    await this.#connect()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#reconnect?.stop()
    clearTimeout(this.#follow)
    clearInterval(this.#resync)
    this.#events?.destroy()
    this.#events = undefined
  }

  /** Role check, events (when watching), a full read, publish. */
  async #connect(): Promise<void> {
    let stream: Readable | undefined
    try {
      requireManager((await this.#docker.info()) as EngineInfo, this.#client.endpoint, `--${this.#flags}.endpoint`)
      if (this.#config.watch) {
        // Opened before the read: what happens meanwhile is re-read after it.
        stream = (await this.#docker.getEvents({ filters: { type: EVENT_TYPES } })) as Readable
        if (this.#stopped) return void stream.destroy()
        this.#events = stream
        readEvents(stream, (e) => this.#changed(affectedParts(e)), (line) => this.#log!.warn('Unparsable Docker event', { line: line.slice(0, 200) }))
        stream.once('close', () => this.#lost(stream!, new Error('event stream closed')))
        stream.on('error', (err: Error) => this.#lost(stream!, err))
      }
      this.#refreshing = true
      await this.#read(ALL)
      if (this.#stopped) return
      if (stream?.destroyed) throw new Error('event stream closed')
      this.#synced = true
      this.#log!.info(this.#reconnect!.succeeded() ? 'Swarm manager is back; resynced' : 'Swarm manager reached', {
        services: this.#state.services.length,
        tasks: this.#state.tasks.length,
        nodes: this.#state.nodes.size,
      })
      this.#publish()
      if (this.#config.watch) this.#resync ??= setInterval(() => this.#changed(ALL, false), this.#config.refreshMs).unref()
    } catch (err) {
      if (stream && this.#events === stream) this.#events = undefined
      stream?.destroy()
      this.#refreshing = false
      this.#reconnect!.later(err as Error)
      return
    }
    this.#refreshing = false
    this.#drain()
  }

  /** Marks parts to re-read; an event (not the resync) also restarts the following window. */
  #changed(parts: readonly SwarmPart[], event = true): void {
    if (parts.length === 0 || this.#stopped) return
    for (const p of parts) this.#dirty.add(p)
    if (event) this.#followFrom = Date.now()
    if (this.#synced && !this.#refreshing) this.#drain()
  }

  /** Re-reads what is marked until nothing is, publishing after each read; then follows tasks while they move. */
  #drain(): void {
    if (this.#dirty.size === 0) return this.#followIfMoving()
    this.#refreshing = true
    clearTimeout(this.#follow)
    this.#follow = undefined
    const parts = [...this.#dirty]
    this.#dirty.clear()
    this.#read(parts).then(
      () => {
        this.#refreshing = false
        if (this.#stopped || !this.#synced) return
        this.#publish()
        this.#drain()
      },
      (err: Error) => {
        this.#refreshing = false
        for (const p of parts) this.#dirty.add(p)
        this.#lost(this.#events, err)
      },
    )
  }

  #followIfMoving(): void {
    if (this.#stopped || !this.#config.watch || this.#follow) return
    if (!inMotion(this.#state)) {
      this.#followFrom = 0
      return
    }
    if (this.#followFrom === 0) this.#followFrom = Date.now()
    if (Date.now() - this.#followFrom > FOLLOW_MAX_MS) return
    this.#follow = setTimeout(() => {
      this.#follow = undefined
      this.#changed(['tasks'], false)
    }, FOLLOW_MS)
  }

  /** Reads the given parts from the manager into the state (all or nothing). */
  async #read(parts: Iterable<SwarmPart>): Promise<void> {
    const want = new Set(parts)
    const d = this.#docker
    const [services, tasks, nodes, networks] = await Promise.all([
      want.has('services') ? d.listServices() : undefined,
      // Only tasks Swarm wants running can serve; the others are leaving.
      want.has('tasks') ? d.listTasks({ filters: { 'desired-state': ['running'] } }) : undefined,
      want.has('nodes') ? d.listNodes() : undefined,
      want.has('networks') ? d.listNetworks({ filters: { scope: ['swarm'] } }) : undefined,
    ])
    const s = this.#state
    this.#state = {
      services: services ? services.map((x) => fromApiService(x as Parameters<typeof fromApiService>[0])) : s.services,
      tasks: tasks ? tasks.map(fromApiTask) : s.tasks,
      nodes: nodes ? new Map(nodes.map(nodeReady)) : s.nodes,
      networks: networks ? new Map(networks.map((n) => [n.Id, fromApiNetwork(n)])) : s.networks,
    }
  }

  #publish(): void {
    if (this.#stopped) return
    const { instances, warnings: notes } = describeSwarm(this.#state)
    const { config, warnings, annotations } = buildConfig(instances, this.#build)
    const all = [...notes, ...warnings.map((w) => ({ code: w.code, message: w.message, fields: { service: w.container, label: w.label } }))]
    this.#emitter!.publish(config, annotations, all)
  }

  /** The manager went away (event stream ended, a read failed): keep the configuration, reconnect. */
  #lost(stream: Readable | undefined, why: Error): void {
    if (this.#stopped || stream !== this.#events || !this.#synced) return
    this.#synced = false
    this.#events?.destroy()
    this.#events = undefined
    clearTimeout(this.#follow)
    this.#follow = undefined
    this.#reconnect!.later(why)
  }
}
