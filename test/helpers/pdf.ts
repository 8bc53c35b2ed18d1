/**
 * A PDF read as a reader would see it, with Debian's poppler-utils: page count and size (pdfinfo), every
 * word with its box (pdftotext -bbox), every image with its resolution on the page (pdfimages -list), and
 * the pages rendered to PNG (pdftoppm). Test-only: the project itself never needs poppler.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function popplerAvailable(): boolean {
  return ['/usr/bin/pdftoppm', '/usr/bin/pdftotext', '/usr/bin/pdfimages', '/usr/bin/pdfinfo'].every((p) =>
    existsSync(p),
  );
}

export interface PdfWord {
  page: number;
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

export interface PdfImage {
  page: number;
  width: number;
  height: number;
  /** Image pixels per inch as placed on the page. */
  xPpi: number;
}

export interface PdfView {
  pages: number;
  pageWidth: number;
  pageHeight: number;
  words: PdfWord[];
  images: PdfImage[];
  /** PNG files of the pages (pdftoppm at `dpi`), in page order. */
  pngs: string[];
  fonts: string[];
}

/**
 * Text height in a PDF word box over the font size for DejaVu Sans (ascent 0.928 + descent 0.236 em, the
 * font Chromium uses here; pdftotext boxes span the font's ascent to descent).
 */
export const DEJAVU_BOX_PER_EM = 1.164;

export function viewPdf(file: string, dpi = 50): PdfView {
  const run = (cmd: string, args: string[]): string =>
    execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const info = run('pdfinfo', [file]);
  const pages = Number(/Pages:\s+(\d+)/.exec(info)?.[1]);
  const size = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info);
  const words: PdfWord[] = [];
  let page = 0;
  for (const line of run('pdftotext', ['-bbox', file, '-']).split('\n')) {
    if (line.includes('<page ')) page++;
    const m = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)<\/word>/.exec(line);
    if (m) words.push({ page, xMin: +m[1], yMin: +m[2], xMax: +m[3], yMax: +m[4], text: m[5] });
  }
  const images: PdfImage[] = [];
  for (const line of run('pdfimages', ['-list', file]).split('\n').slice(2)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14 || f[2] === 'smask') continue;
    images.push({ page: +f[0], width: +f[3], height: +f[4], xPpi: +f[12] });
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'epp-pdf-'));
  run('pdftoppm', ['-r', String(dpi), '-png', file, path.join(dir, 'page')]);
  const pngs = readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort()
    .map((f) => path.join(dir, f));
  const fonts = run('pdffonts', [file])
    .split('\n')
    .slice(2)
    .map((l) => l.trim().split(/\s+/)[0])
    .filter(Boolean);
  return { pages, pageWidth: Number(size?.[1]), pageHeight: Number(size?.[2]), words, images, pngs, fonts };
}

/** Font size (pt) of a word of DejaVu Sans from its box height. */
export function wordPt(w: PdfWord): number {
  return (w.yMax - w.yMin) / DEJAVU_BOX_PER_EM;
}
