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
  /** Smallest text drawn inside a figure at 100 % zoom (CSS px), from each image's data-label-px. */
  minFigureLabelPx: number;
  /** Smallest HTML text at 100 % zoom (CSS px, computed font size of any element with text). */
  minTextPx: number;
  /** The same two in the print layout (A4 with the PDF's margins), in points. */
  print: { minFigureLabelPt: number; minTextPt: number };
  /** How far the print layout is wider than the A4 column (CSS px; Chromium would shrink the whole page). */
  printOverflowPx: number;
}

/** Measured in the page: figure label sizes (from data-label-px, the image's natural and shown widths). */
const MEASURE = `(() => {
  const imgs = Array.from(document.images);
  let fig = Infinity, right = 0;
  for (const i of imgs) {
    const r = i.getBoundingClientRect();
    right = Math.max(right, r.right);
    const px = Number(i.dataset.labelPx), ratio = Number(i.dataset.pixelRatio);
    if (!(px > 0 && ratio > 0 && i.naturalWidth > 0) || r.width === 0) continue;
    fig = Math.min(fig, px * r.width / (i.naturalWidth / ratio));
  }
  let text = Infinity;
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!own || el.getBoundingClientRect().width === 0) continue;
    text = Math.min(text, parseFloat(getComputedStyle(el).fontSize));
  }
  const d = document.documentElement;
  return { fig, text, right: Math.max(right, d.scrollWidth), width: d.clientWidth };
})()`;

/** A4 (210 mm) less the PDF's 10 mm side margins, in CSS px at 96 dpi. */
const PRINT_WIDTH_PX = Math.round(((210 - 20) / 25.4) * 96);

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
    const screen = await page.evaluate<{ fig: number; text: number }>(MEASURE);
    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize({ width: PRINT_WIDTH_PX, height: 1000 });
    const printed = await page.evaluate<{ fig: number; text: number; right: number; width: number }>(MEASURE);
    if (out.pdf) {
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
      minFigureLabelPx: screen.fig,
      minTextPx: screen.text,
      // CSS px to points: 72 / 96.
      print: { minFigureLabelPt: printed.fig * 0.75, minTextPt: printed.text * 0.75 },
      printOverflowPx: Math.max(0, printed.right - printed.width),
    };
  });
}
