/**
 * A case-study report checked as a reader would: the HTML in headless Chromium (every image loads, no console
 * error, no external request, label and text sizes at 100 % zoom and in the print layout) and the PDF through
 * poppler (page count, no word outside its page, smallest font, resolution of the figures' labels on paper),
 * plus the texts a forecaster must find and the absolute paths that must not be there.
 */
import { readFileSync } from 'node:fs';
import { openReportPage, type PageCheck } from '../../libs/report/browser.js';
import { LABEL_PX, PIXEL_RATIO } from '../../libs/report/style.js';
import { popplerAvailable, viewPdf, wordPt, type PdfView } from './pdf.js';

/** Absolute server paths: a slash-rooted path with two or more components. */
export const ABSOLUTE_PATH = /(?:^|[\s"'(=:,])\/(?:[\w.@+-]+\/)+[\w.@+-]*/;

/** The page without its data: URIs (base64 is full of slashes). */
export function withoutImages(html: string): string {
  return html.replace(/data:image\/png;base64,[A-Za-z0-9+/=]+/g, 'data:');
}

export interface ReportReading {
  page: PageCheck;
  pdf?: PdfView;
  html: string;
  pdfText: string;
  json: string;
  /** Smallest font of the PDF's text (pt) and of the figures' labels on paper (pt). */
  pdfMinTextPt?: number;
  pdfMinFigureLabelPt?: number;
  /** Words whose box leaves the page. */
  clippedWords: string[];
}

export async function readReport(files: {
  html: string;
  json: string;
  pdf: string | null;
}): Promise<ReportReading> {
  const page = await openReportPage(files.html);
  const html = readFileSync(files.html, 'utf8');
  const json = readFileSync(files.json, 'utf8');
  if (!files.pdf || !popplerAvailable()) return { page, html, json, pdfText: '', clippedWords: [] };
  const pdf = viewPdf(files.pdf);
  const clippedWords = pdf.words
    .filter((w) => w.xMin < 0 || w.yMin < 0 || w.xMax > pdf.pageWidth || w.yMax > pdf.pageHeight)
    .map((w) => `p${w.page}: ${w.text}`);
  return {
    page,
    pdf,
    html,
    json,
    pdfText: pdf.words.map((w) => w.text).join(' '),
    pdfMinTextPt: Math.min(...pdf.words.map(wordPt)),
    // Every figure's smallest label is LABEL_PX CSS px = LABEL_PX × PIXEL_RATIO image pixels; on paper an
    // image pixel is 72 / ppi points.
    pdfMinFigureLabelPt: Math.min(...pdf.images.map((i) => ((LABEL_PX * PIXEL_RATIO) / i.xPpi) * 72)),
    clippedWords,
  };
}
