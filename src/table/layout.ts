// The RouteTable's binary layout: every slot of the SharedArrayBuffer, named.
//
// The buffer is one Int32Array of records followed by a Uint16Array string
// pool (UTF-16 code units, so a JS string compares against it with charCodeAt
// and no decoding). All offsets below are in Int32 slots unless named *_CHAR.
//
//   [header][routers][services][servers][host buckets][host entries][host routes][generic routes]
//   [host hash positions]
//   [entrypoint names][middlewares][chain entries][chain slots] | [string pool]
//
// Every *_CHAR slot is followed by its *_LEN slot.
//
// Routers are stored in match order: priority descending, then name
// ascending, so "the better router" is always "the lower router index".

/** Header slots. */
export const H_MAGIC = 0
export const H_VERSION = 1
export const H_ROUTER_COUNT = 2
export const H_SERVICE_COUNT = 3
export const H_SERVER_COUNT = 4
export const H_BUCKET_COUNT = 5 // power of two
export const H_HOST_COUNT = 6
export const H_GENERIC_COUNT = 7
export const H_ROUTERS_OFF = 8
export const H_SERVICES_OFF = 9
export const H_SERVERS_OFF = 10
export const H_BUCKETS_OFF = 11
export const H_HOSTS_OFF = 12
export const H_HOST_ROUTES_OFF = 13
export const H_GENERIC_OFF = 14
/** Byte offset of the string pool (Int32-aligned) and its length in chars. */
export const H_STRINGS_BYTE_OFF = 15
export const H_STRINGS_CHARS = 16
export const H_ENTRYPOINT_COUNT = 17
/** Entrypoint names: a string per entrypoint, (off, len) pairs from here. */
export const H_ENTRYPOINTS_OFF = 18
export const H_MIDDLEWARE_COUNT = 19
export const H_MIDDLEWARES_OFF = 20
/** Middleware indices, the routers' flattened chains one after another. */
export const H_CHAIN_ENTRIES_OFF = 21
/** One chain slot per (router, entrypoint): router * entrypoint count + entrypoint. */
export const H_CHAINS_OFF = 22
/** The host hash's positions (table/hash.ts): where they start, how many (WHOLE_KEY: none, every unit is hashed). */
export const H_HASH_POSITIONS_OFF = 23
export const H_HASH_POSITION_COUNT = 24
export const HEADER_SLOTS = 26

export const MAGIC = 0x50494552 // "PIER"

/** Router record. */
export const R_PRIORITY = 0
export const R_SERVICE = 1 // service index
export const R_ENTRYPOINTS = 2 // bit mask over entrypoint indices; 0 = all
export const R_FLAGS = 3
export const R_RULE_CHAR = 4
export const R_RULE_LEN = 5
export const R_NAME_CHAR = 6
export const R_NAME_LEN = 7
export const ROUTER_SLOTS = 8
/** The rule is nothing but Host(...): a host-index hit needs no predicate. */
export const RF_HOST_ONLY = 1

/** Service record. */
export const S_FIRST_SERVER = 0
export const S_SERVER_COUNT = 1
export const S_FLAGS = 2
export const S_NAME_CHAR = 3
export const S_NAME_LEN = 4
/** Passive health: failures within this many ms take a server out for as long. */
export const S_FAILURE_WINDOW = 5
export const S_MAX_FAILURES = 6
/** Sticky services: the cookie's name, and what follows `name=value` in its Set-Cookie header. */
export const S_COOKIE_NAME_CHAR = 7
export const S_COOKIE_NAME_LEN = 8
export const S_COOKIE_ATTRS_CHAR = 9
export const S_COOKIE_ATTRS_LEN = 10
export const SERVICE_SLOTS = 11
export const SF_PASS_HOST = 1
/** The service has an active health check: it alone brings a server back. */
export const SF_ACTIVE_HEALTH = 2
/** passiveHealthCheck is configured: 5xx responses count as failures too (Traefik), not only connection failures. */
export const SF_PASSIVE_HEALTH = 4
/** loadBalancer.sticky.cookie: a request's cookie picks its server; only these services read the Cookie header. */
export const SF_STICKY = 8

/** Server record. */
export const V_WEIGHT = 0
export const V_PORT = 1
export const V_HOST_CHAR = 2 // address host (IP or name), no brackets
export const V_HOST_LEN = 3
export const V_URL_CHAR = 4 // the configured URL: the key state survives swaps by
export const V_URL_LEN = 5
/** The server's slot on the health board (balancer/health-board.ts). */
export const V_HEALTH = 6
/** JSON of the server's transport (table/transports.ts); empty: plain http with the static serversTransport. */
export const V_TRANSPORT_CHAR = 7
export const V_TRANSPORT_LEN = 8
/** The sticky cookie value naming this server (derived from its URL; empty unless the service is sticky). */
export const V_COOKIE_CHAR = 9
export const V_COOKIE_LEN = 10
export const SERVER_SLOTS = 11

/** Middleware record; its options are canonical JSON in the string pool. */
export const M_TYPE_CHAR = 0
export const M_TYPE_LEN = 1
export const M_NAME_CHAR = 2
export const M_NAME_LEN = 3
export const M_OPTIONS_CHAR = 4
export const M_OPTIONS_LEN = 5
export const M_HASH = 6 // FNV-1a of the options JSON
export const M_PHASES = 7
export const MIDDLEWARE_SLOTS = 8

/** Chain slot: where a router's chain on one entrypoint starts in the chain entries, its length, its phases (0: no middleware). */
export const C_START = 0
export const C_COUNT = 1
export const C_PHASES = 2
export const CHAIN_SLOTS = 3

/**
 * Host bucket: the key's hash and its host entry index + 1, 0 when empty
 * (open addressing, linear probe); a probe reads one cache line. Most hosts
 * have one router, Host(...) alone: on the entrypoints of B_DIRECT (a bit
 * each) the host's first router, B_ROUTER, is the answer without reading
 * the host entry, its route list or any router record. A bit is set only
 * where that router's rule is host-only, it serves the entrypoint and no
 * generic router before it does.
 */
export const B_HASH = 0
export const B_ENTRY = 1
export const B_ROUTER = 2
export const B_DIRECT = 3
export const BUCKET_SLOTS = 4
/** Host entry. */
export const E_HOST_CHAR = 0 // lower-case host, no port
export const E_HOST_LEN = 1
export const E_ROUTES_START = 2 // index into host routes
export const E_ROUTES_COUNT = 3
export const HOST_SLOTS = 4

/** Most entrypoints a router mask can name. */
export const MAX_ENTRYPOINTS = 31

/** FNV-1a, over host keys and Host headers as table/hash.ts folds them, and over middleware options. */
export const FNV_OFFSET = 0x811c9dc5
export const FNV_PRIME = 0x01000193
