// The dashboard's files, read once from src/dashboard/ (shipped with pier; no
// build step). The URL resolves from both src/dashboard and dist/dashboard.
import { readFileSync } from 'node:fs'

export interface Asset {
  type: string
  body: Buffer
}

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
}

let cache: Map<string, Asset> | undefined

/** The asset for a file name under /dashboard/ ('' is index.html), or undefined. */
export function dashboardAsset(file: string): Asset | undefined {
  cache ??= new Map(Object.entries(FILES).map(([name, type]) => [name, { type, body: readFileSync(new URL(`../../src/dashboard/${name}`, import.meta.url)) }]))
  return cache.get(file === '' ? 'index.html' : file)
}
