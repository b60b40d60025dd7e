// Sets the architecture (and variant) recorded in a local image's config:
// `docker save`, edit the config JSON, `docker load` under the same tag.
// Needed because engines before Docker 23 ignore `docker import --platform`,
// and `docker run --platform linux/arm/v7` refuses an image that says amd64.
//   usage: node scripts/image-platform.mjs TAG ARCH [VARIANT]
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync, renameSync, rmSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const [tag, arch, variant] = process.argv.slice(2)
if (!tag || !arch) {
  console.error('usage: node scripts/image-platform.mjs TAG ARCH [VARIANT]')
  process.exit(2)
}

const dir = mkdtempSync(join(tmpdir(), 'pier-platform-'))
try {
  execFileSync('sh', ['-c', `docker save "$0" | tar -x -C "$1"`, tag, dir], { stdio: ['ignore', 'inherit', 'inherit'] })
  const manifestPath = join(dir, 'manifest.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  if (manifest.length !== 1) throw new Error(`image-platform: expected one image in the save of ${tag}, got ${manifest.length}`)
  const config = JSON.parse(readFileSync(join(dir, manifest[0].Config), 'utf8'))
  config.architecture = arch
  if (variant) config.variant = variant
  else delete config.variant
  // The loaded image's id is the digest of its config: name the file after it.
  const body = JSON.stringify(config)
  const name = `${createHash('sha256').update(body).digest('hex')}.json`
  writeFileSync(join(dir, name), body)
  if (name !== manifest[0].Config) rmSync(join(dir, manifest[0].Config))
  manifest[0].Config = name
  writeFileSync(manifestPath + '.new', JSON.stringify(manifest))
  renameSync(manifestPath + '.new', manifestPath)
  // Drop the old image so the tag is not left on two ids, then load the new one.
  execFileSync('docker', ['rmi', tag], { stdio: 'ignore' })
  execFileSync('sh', ['-c', `tar -C "$0" -cf - . | docker load`, dir], { stdio: ['ignore', 'ignore', 'inherit'] })
} finally {
  rmSync(dir, { recursive: true, force: true })
}
