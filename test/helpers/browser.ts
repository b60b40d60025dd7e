// Headless Chromium from Debian (never a downloaded browser), driven by
// playwright-core, for the dashboard tests.
import { mkdirSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
}

/** A new page whose console errors and page errors are collected in `problems`. */
export async function watchedPage(browser: Browser, height: number): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height } })
  const problems: string[] = []
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
  page.on('pageerror', (e) => problems.push(e.message))
  return { page, problems }
}

/** Keeps a full-page screenshot under test-output/ (not committed). */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync('test-output', { recursive: true })
  await page.screenshot({ path: `test-output/${name}.png`, fullPage: true })
}
