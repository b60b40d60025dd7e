// What a provider says about its routers and services besides its config:
// the ones it left out and why (the API shows them disabled), and problems
// with ones it kept (shown as warnings). Traefik's API shows both; the route
// table never sees them.

export interface Annotation {
  kind: 'router' | 'service'
  /** The provider's own name; the aggregator qualifies it as name@provider. */
  name: string
  /** true: the provider left it out of its config; false: it is in the config and works. */
  drop: boolean
  message: string
}
