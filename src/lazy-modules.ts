// Modules a proxy with plain HTTP routers never needs in most of its threads,
// loaded on first use: each takes room in the heap of every thread that
// imports it (node:tls 0.4-0.6 MB with what it pulls in). node:tls serves
// HTTPS backends and health checks, node:http the primary's health checks,
// node:crypto WebSocket keys and sticky cookies in the workers, node:zlib
// compress, bcryptjs basicAuth's bcrypt hashes. require, not import(), keeps the callers synchronous; after the
// first call each is one variable read.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

let tls: typeof import('node:tls') | undefined
let http: typeof import('node:http') | undefined
let https: typeof import('node:https') | undefined
let crypto: typeof import('node:crypto') | undefined
let zlib: typeof import('node:zlib') | undefined
let bcrypt: typeof import('bcryptjs') | undefined

export const nodeTls = (): typeof import('node:tls') => (tls ??= require('node:tls') as typeof import('node:tls'))
export const nodeHttp = (): typeof import('node:http') => (http ??= require('node:http') as typeof import('node:http'))
export const nodeHttps = (): typeof import('node:https') => (https ??= require('node:https') as typeof import('node:https'))
export const nodeCrypto = (): typeof import('node:crypto') => (crypto ??= require('node:crypto') as typeof import('node:crypto'))
export const nodeZlib = (): typeof import('node:zlib') => (zlib ??= require('node:zlib') as typeof import('node:zlib'))
export const bcryptjs = (): typeof import('bcryptjs') => (bcrypt ??= require('bcryptjs') as typeof import('bcryptjs'))
