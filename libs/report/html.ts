/**
 * A self-contained HTML page for a case-study report: every image is a `data:` URI and the CSS is inline,
 * so the page makes no external request and can be mailed, archived or printed to PDF as one file.
 */
import type { CaseStudyReport, ReportSection, ReportTable } from './model.js';

const CSS = `
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px auto;max-width:1440px;padding:0 16px;color:#111;font-size:14px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ccc;padding-bottom:3px}
.sub{color:#555;margin-bottom:14px}.warn{background:#fff4e5;border:1px solid #f0b46c;padding:6px 10px;margin:8px 0}
table{border-collapse:collapse;margin:8px 0 14px;font-size:13px}th,td{border:1px solid #bbb;padding:3px 8px;text-align:right}
th{background:#f2f2f2}table.run td{text-align:left}td:first-child,th:first-child{text-align:left}caption{caption-side:top;text-align:left;color:#444;padding:2px 0}
.grid{display:grid;gap:10px 14px;align-items:start}figure{margin:0;break-inside:avoid;page-break-inside:avoid}
figure img{width:100%;height:auto;display:block}figcaption{font-size:12px;color:#444;margin-top:2px}
section{break-inside:auto}@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}}
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

function section(s: ReportSection): string {
  const parts = [`<section><h2>${escapeHtml(s.heading)}</h2>`];
  for (const p of s.text ?? []) parts.push(`<p>${escapeHtml(p)}</p>`);
  for (const t of s.tables ?? []) parts.push(table(t));
  if (s.images?.length) {
    const cols = s.columns ?? 3;
    parts.push(`<div class="grid" style="grid-template-columns:repeat(${cols},minmax(0,1fr))">`);
    for (const img of s.images)
      parts.push(
        `<figure><img alt="${escapeHtml(img.caption)}" src="data:image/png;base64,${img.png.toString('base64')}">` +
          `<figcaption>${escapeHtml(img.caption)}</figcaption></figure>`,
      );
    parts.push('</div>');
  }
  parts.push('</section>');
  return parts.join('\n');
}

/** The whole report as one HTML document. */
export function renderHtml(report: CaseStudyReport): string {
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
