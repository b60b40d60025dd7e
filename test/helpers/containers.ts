// Plain container descriptions and build options for the label builder, without an engine.
import type { BuildOptions } from '../../src/providers/docker/builder.js'
import type { ContainerInfo } from '../../src/providers/docker/container.js'
import { compileRuleTemplate } from '../../src/providers/docker/default-rule.js'

/** A running container on the default bridge exposing port 80, overridable field by field. */
export function ctr(name: string, over: Partial<ContainerInfo> = {}): ContainerInfo {
  return {
    id: `id-${name}`,
    name,
    labels: {},
    state: 'running',
    health: 'none',
    networkMode: 'bridge',
    networks: [{ name: 'bridge', ip: '172.17.0.2' }],
    exposedPorts: [80],
    portBindings: {},
    ...over,
  }
}

/** The provider's defaults (v2 labels, local engine); checkRule refuses `Bad(` unless given. */
export function buildOptions(over: Partial<BuildOptions> = {}): BuildOptions {
  return {
    exposedByDefault: true,
    defaultRule: compileRuleTemplate('Host(`{{ normalize .Name }}`)'),
    allowEmptyServices: false,
    useBindPortIP: false,
    v1: false,
    localEngine: true,
    checkRule: (rule) => (rule.includes('Bad(') ? 'unknown matcher Bad' : undefined),
    ...over,
  }
}
