/**
 * Headless Chromium through playwright-core (Debian's /usr/bin/chromium, no browser download): print a
 * report page to PDF, take a screenshot, and check that a page loads every image without console errors.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { FileAccessError } from '../contracts/errors.js';

/** Chromium binaries tried in order (EPP_CHROMIUM overrides). */
export function findChromium(): string | null {
  const candidates = [process.env.EPP_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p): p is string => !!p && existsSync(p)) ?? null;
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why a browser cannot run here, or null when it can. */
export async function browserUnavailableReason(): Promise<string | null> {
  if (!findChromium())
    return 'no Chromium found (looked for $EPP_CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser)';
  try {
    await import('playwright-core');
  } catch {
    return 'the npm package playwright-core is not installed';
  }
  return null;
}

async function withBrowser<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const executablePath = findChromium();
  if (!executablePath)
    throw new FileAccessError('no Chromium found: install Debian chromium or set EPP_CHROMIUM');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: ARGS });
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

export interface PageCheck {
  images: number;
  /** Images whose naturalWidth is 0 (failed to decode or load), by alt text. */
  brokenImages: string[];
  consoleErrors: string[];
  /** Requests to anything but file: and data: URLs (a self-contained page makes none). */
  externalRequests: string[];
}

/**
 * Open an HTML file; optionally write a PDF (A4) and a full-page PNG screenshot; report what loaded.
 */
export async function openReportPage(
  htmlPath: string,
  out: { pdf?: string; screenshot?: string } = {},
): Promise<PageCheck> {
  return withBrowser(async (browser) => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const consoleErrors: string[] = [];
    const externalRequests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith('file:') && !u.startsWith('data:')) externalRequests.push(u);
    });
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    // A string expression: this library is compiled without the DOM lib.
    const imgs = await page.evaluate<{ alt: string; w: number }[]>(
      'Array.from(document.images, (i) => ({ alt: i.alt, w: i.naturalWidth }))',
    );
    if (out.screenshot) await page.screenshot({ path: out.screenshot, fullPage: true });
    if (out.pdf) {
      await page.emulateMedia({ media: 'print' });
      await page.pdf({
        path: out.pdf,
        format: 'A4',
        printBackground: true,
        margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' },
      });
    }
    await page.close();
    return {
      images: imgs.length,
      brokenImages: imgs.filter((i) => !(i.w > 0)).map((i) => i.alt),
      consoleErrors,
      externalRequests,
    };
  });
}
