/**
 * A self-contained HTML page for a case-study report: every image is a `data:` URI and the CSS is inline,
 * so the page makes no external request and can be mailed, archived or printed to PDF as one file.
 */
import type { CaseStudyReport, FigureGroup, ReportImage, ReportSection, ReportTable } from './model.js';
import { LABEL_PX, PIXEL_RATIO } from './style.js';

// Screen: figures at most 480 px wide, two per row, one per row under 760 px; print (A4): two per row in
// the 190 mm column (352 px each), body text 15 px = 11.25 pt. Clicking a figure enlarges it (a CSS-only
// checkbox toggle: the page's CSP allows no script).
const CSS = `
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#111;font-size:15px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #ccc;padding-bottom:3px}
.sub{color:#444;margin-bottom:14px}.warn{background:#fff4e5;border:1px solid #f0b46c;padding:6px 10px;margin:8px 0}
table{border-collapse:collapse;margin:8px 0 14px;font-size:15px}th,td{border:1px solid #bbb;padding:3px 8px;text-align:right}
th{background:#f2f2f2}table.run td{text-align:left;overflow-wrap:anywhere}td:first-child,th:first-child{text-align:left}
caption{caption-side:top;text-align:left;color:#333;padding:2px 0}
.grid{display:grid;gap:12px 14px;align-items:start;grid-template-columns:repeat(2,minmax(0,480px))}
.grid.one{grid-template-columns:minmax(0,480px)}
figure{margin:0;break-inside:avoid;page-break-inside:avoid}
figure img{width:100%;height:auto;display:block;cursor:zoom-in}figcaption{font-size:15px;color:#333;margin-top:2px}
.bar{max-width:974px;margin:2px 0 16px}.bar img{width:100%;height:auto;display:block}.bar p{margin:2px 0;font-size:15px;color:#333}
.zoom{display:none}
.zoom:checked+label{position:fixed;inset:0;z-index:10;background:rgba(0,0,0,.85);display:flex;align-items:center;justify-content:center;cursor:zoom-out}
.zoom:checked+label img{width:auto;height:auto;max-width:96vw;max-height:96vh;background:#fff;cursor:zoom-out}
@media (max-width:760px){.grid{grid-template-columns:minmax(0,1fr)}}
@media print{body{margin:0;max-width:none;font-size:15px;padding:0}h2{break-after:avoid}
.grid{grid-template-columns:repeat(2,minmax(0,1fr))}.grid.one{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}
.bar{max-width:none}th,td{padding:2px 4px}}
`;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function table(t: ReportTable): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = t.rows
    .map(
      (r) =>
        `<tr>${r.map((v) => `<td>${escapeHtml(typeof v === 'number' ? formatNumber(v) : v)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table><caption>${escapeHtml(t.caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Numbers in tables: 4 significant digits, plain notation for everyday magnitudes. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

let figureId = 0;

function figure(img: ReportImage): string {
  const id = `z${++figureId}`;
  const ratio = img.pixelRatio ?? PIXEL_RATIO;
  const labelPx = img.labelPx ?? LABEL_PX;
  return (
    `<figure><input type="checkbox" class="zoom" id="${id}"><label for="${id}" title="click to enlarge">` +
    `<img alt="${escapeHtml(img.caption)}" data-pixel-ratio="${ratio}" data-label-px="${labelPx}" ` +
    `src="data:image/png;base64,${img.png.toString('base64')}"></label>` +
    `<figcaption>${escapeHtml(img.caption)}</figcaption></figure>`
  );
}

function grid(images: ReportImage[], columns: number): string {
  const cls = Math.min(2, columns) === 1 || images.length === 1 ? 'grid one' : 'grid';
  return `<div class="${cls}">${images.map(figure).join('\n')}</div>`;
}

function group(g: FigureGroup): string {
  const parts = [grid(g.images, 2)];
  if (g.colorBar || g.note) {
    parts.push('<div class="bar">');
    if (g.colorBar) {
      const ratio = g.colorBar.pixelRatio ?? PIXEL_RATIO;
      const labelPx = g.colorBar.labelPx ?? LABEL_PX;
      parts.push(
        `<img alt="${escapeHtml(g.colorBar.caption)}" data-pixel-ratio="${ratio}" data-label-px="${labelPx}" ` +
          `src="data:image/png;base64,${g.colorBar.png.toString('base64')}">`,
      );
    }
    if (g.note) parts.push(`<p>${escapeHtml(g.note)}</p>`);
    parts.push('</div>');
  }
  return parts.join('\n');
}

function section(s: ReportSection): string {
  const parts = [`<section><h2>${escapeHtml(s.heading)}</h2>`];
  for (const p of s.text ?? []) parts.push(`<p>${escapeHtml(p)}</p>`);
  for (const t of s.tables ?? []) parts.push(table(t));
  if (s.images?.length) parts.push(grid(s.images, s.columns ?? 2));
  for (const g of s.groups ?? []) parts.push(group(g));
  parts.push('</section>');
  return parts.join('\n');
}

/** The whole report as one HTML document. */
export function renderHtml(report: CaseStudyReport): string {
  figureId = 0;
  const run: ReportTable = {
    caption: 'What was run',
    columns: ['item', 'value'],
    rows: Object.entries(report.run),
  };
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(report.title)}</title><style>${CSS}</style></head><body>`,
    `<h1>${escapeHtml(report.title)}</h1>`,
    `<div class="sub">${escapeHtml(report.subtitle)} · generated ${escapeHtml(report.generatedAt)}</div>`,
    ...report.warnings.map((w) => `<div class="warn">${escapeHtml(w)}</div>`),
    table(run).replace('<table>', '<table class="run">'),
    ...report.sections.map(section),
    '</body></html>',
  ].join('\n');
}
