// The image's HEALTHCHECK: exits 0 when pier answers 200 on /ping, 1 otherwise.
// Official Node slim images carry no curl or wget, so Node itself asks.
// PIER_HEALTHCHECK_URL overrides the default (ping on the traefik entrypoint, :8080).
const url = process.env.PIER_HEALTHCHECK_URL || 'http://127.0.0.1:8080/ping'
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(2500) })
  if (res.status !== 200) {
    console.error(`healthcheck: ${url} answered ${res.status}`)
    process.exit(1)
  }
} catch (err) {
  console.error(`healthcheck: ${url}: ${err.cause?.code ?? err.name}`)
  process.exit(1)
}
