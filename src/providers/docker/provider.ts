// The Docker provider: lists running containers, then follows the engine's
// events and re-inspects only the container an event names. When the engine
// goes away the last configuration stays in force; it reconnects with backoff
// and resyncs fully on return.
import type { Readable } from 'node:stream'
import { Docker } from './dockerode.js'
import type { DynamicConfig } from '../../config/dynamic.js'
import type { DockerProviderConfig } from '../../config/static.js'
import type { Logger } from '../../log.js'
import type { Annotation } from '../annotation.js'
import type { Provider } from '../provider.js'
import { buildConfig, type BuildOptions } from './builder.js'
import { clientSettings, type ClientSettings } from './client.js'
import { fromInspect, type ContainerInfo } from './container.js'
import { ConfigEmitter } from './emitter.js'
import { affectedContainer, readEvents, type EngineEvent } from './events.js'
import { Reconnect } from './reconnect.js'
import { engineBuildOptions } from './settings.js'

const INSPECT_CONCURRENCY = 32

export class DockerProvider implements Provider {
  readonly name = 'docker'
  readonly #config: DockerProviderConfig
  readonly #client: ClientSettings
  readonly #docker: Docker
  readonly #build: BuildOptions
  readonly #containers = new Map<string, ContainerInfo>()
  /** Containers being inspected, and those with an event since their inspect began. */
  readonly #inflight = new Set<string>()
  readonly #again = new Set<string>()
  #emitter?: ConfigEmitter
  #log?: Logger
  #events?: Readable
  #stopped = false
  #reconnect?: Reconnect
  #publishQueued = false

  /** Validates every setting eagerly; throws an error with a `code` naming the bad one. */
  constructor(config: DockerProviderConfig) {
    this.#config = config
    this.#client = clientSettings(config.endpoint, config.tls)
    this.#docker = new Docker(this.#client.options)
    this.#build = { ...engineBuildOptions(config, 'providers.docker'), useBindPortIP: config.useBindPortIP, localEngine: this.#client.local }
  }

  /** Resolves after the first attempt to reach the engine; keeps retrying in the background when it failed. */
  async start(emit: (config: DynamicConfig, annotations: readonly Annotation[]) => void, log: Logger): Promise<void> {
    this.#log = log.with({ providerName: 'docker' })
    this.#emitter = new ConfigEmitter(emit, this.#log)
    this.#reconnect = new Reconnect(
      () => void this.#connect(),
      (why) => this.#log!.error('Docker engine unreachable; routing stays on the last configuration while reconnecting', { error: why.message }),
      (why, retryMs) => this.#log!.debug('Docker engine still unreachable', { error: why.message, retryMs }),
    )
    this.#log.info('Docker provider starting', { endpoint: this.#client.endpoint, watch: this.#config.watch })
    await this.#connect()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#reconnect?.stop()
    this.#events?.destroy()
    this.#events = undefined
  }

  /** One full sync: version, events (buffered until the list is read), list, inspect all, publish. */
  async #connect(): Promise<void> {
    const log = this.#log!
    let stream: Readable | undefined
    try {
      const v = await this.#docker.version()
      const pending: EngineEvent[] = []
      let listed = false
      if (this.#config.watch) {
        stream = (await this.#docker.getEvents({ filters: { type: ['container', 'network'] } })) as Readable
        if (this.#stopped) return void stream.destroy()
        this.#events = stream
        readEvents(
          stream,
          (e) => (listed ? this.#onEvent(e) : pending.push(e)),
          (line) => log.warn('Unparsable Docker event', { line: line.slice(0, 200) }),
        )
        stream.once('close', () => this.#onLost(stream!, 'event stream closed'))
        stream.on('error', (err: Error) => this.#onLost(stream!, err.message))
      }
      const list = await this.#docker.listContainers()
      const infos = await mapLimit(list, INSPECT_CONCURRENCY, (c) => this.#inspect(c.Id, true))
      this.#containers.clear()
      for (const info of infos) if (info && info.state !== 'stopped') this.#containers.set(info.id, info)
      if (this.#stopped) return
      const wasLost = this.#reconnect!.succeeded()
      log.info(wasLost ? 'Docker engine is back; resynced' : 'Docker engine reached', {
        version: v.Version,
        apiVersion: v.ApiVersion,
        containers: this.#containers.size,
      })
      this.#publish()
      listed = true
      for (const e of pending) this.#onEvent(e)
    } catch (err) {
      if (stream && this.#events === stream) this.#events = undefined
      stream?.destroy()
      this.#reconnect!.later(err as Error)
    }
  }

  #onEvent(e: EngineEvent): void {
    const id = affectedContainer(e)
    if (id) void this.#refresh(id)
  }

  /** Re-inspects one container; events that arrive meanwhile cause one more inspect. */
  async #refresh(id: string): Promise<void> {
    if (this.#inflight.has(id)) {
      this.#again.add(id)
      return
    }
    this.#inflight.add(id)
    try {
      do {
        this.#again.delete(id)
        const info = await this.#inspect(id)
        if (info === null) continue // engine trouble: keep what we had
        if (info === undefined || info.state === 'stopped') this.#containers.delete(id)
        else this.#containers.set(id, info)
      } while (this.#again.has(id) && !this.#stopped)
    } finally {
      this.#inflight.delete(id)
    }
    this.#queuePublish()
  }

  /**
   * ContainerInfo, or undefined when the container is gone. When the engine
   * does not answer: throws in a full sync (strict), else null.
   */
  async #inspect(id: string, strict = false): Promise<ContainerInfo | undefined | null> {
    try {
      return fromInspect(await this.#docker.getContainer(id).inspect())
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined
      if (strict) throw err
      this.#log!.debug('Docker inspect failed', { container: id.slice(0, 12), error: (err as Error).message })
      return null
    }
  }

  // Events that land in one turn of the event loop become one configuration.
  #queuePublish(): void {
    if (this.#publishQueued || this.#stopped) return
    this.#publishQueued = true
    setImmediate(() => {
      this.#publishQueued = false
      this.#publish()
    })
  }

  #publish(): void {
    if (this.#stopped) return
    const { config, warnings, annotations } = buildConfig([...this.#containers.values()], this.#build)
    this.#emitter!.publish(config, annotations, warnings.map((w) => ({ code: w.code, message: w.message, fields: { container: w.container, label: w.label } })))
  }

  /** The current event stream ended: the engine went away. Streams replaced meanwhile are ignored. */
  #onLost(stream: Readable, why: string): void {
    if (this.#stopped || stream !== this.#events) return
    this.#events = undefined
    this.#reconnect!.later(new Error(why))
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
