/**
 * A small framework-free x–y chart drawn on a server-side canvas to PNG: lines, points, steps and bars,
 * nice axis ticks, an optional 1:1 diagonal and reference line, and a legend row under the title.
 */
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { InvalidArgumentError } from '../../contracts/errors.js';
import { formatTick, niceTicks } from '../scale.js';
import { FIGURE_WIDTH, FONT, FONT_BOLD, LINE_PX, PIXEL_RATIO } from '../style.js';
import { wrapText } from '../text.js';

export interface Series {
  label: string;
  color: string;
  /**
   * `line` (with point markers), `points`, `step` (histogram outline over bins [x_i, x_i+1)), `bars`,
   * `band` (the area between `y` and `y2`, e.g. a predictive quantile range in a fan chart), `plain`
   * (a line without markers).
   */
  kind: 'line' | 'points' | 'step' | 'bars' | 'band' | 'plain';
  x: number[];
  y: number[];
  /** Upper edge of a `band`. */
  y2?: number[];
  /** Fill opacity of a `band` (default 0.3). */
  alpha?: number;
  /** For `step`/`bars`: the right edge of the last bin (default x_last + (x_last − x_prev)). */
  xEnd?: number;
  dash?: number[];
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  xRange?: [number, number];
  yRange?: [number, number];
  /** Draw y = x (reliability, spread–skill). */
  diagonal?: boolean;
  /** Draw a dashed horizontal reference line (e.g. 1 for a flat rank histogram). */
  hline?: number;
  /** Explicit x tick labels (e.g. dates) instead of numeric ticks. */
  xTicks?: { value: number; label: string }[];
  /** Layout size in CSS px (default FIGURE_WIDTH × 0.8 of it); the PNG is PIXEL_RATIO times larger. */
  width?: number;
  height?: number;
}

/** Margins in CSS px; the top one grows with the title and legend lines. */
interface Margins {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Render a chart to PNG bytes. Non-finite points are skipped (a gap in a line). */
export function renderChart(spec: ChartSpec): Buffer {
  const width = spec.width ?? FIGURE_WIDTH;
  const height = spec.height ?? Math.round(FIGURE_WIDTH * 0.8);
  if (spec.series.length === 0) throw new InvalidArgumentError(`chart "${spec.title}" has no series`);
  for (const s of spec.series)
    if (s.x.length !== s.y.length)
      throw new InvalidArgumentError(
        `chart "${spec.title}": series "${s.label}" has ${s.x.length} x and ${s.y.length} y`,
      );
  const xr =
    spec.xRange ??
    extent(
      spec.series.flatMap((s) => [...s.x, ...(s.xEnd === undefined ? [] : [s.xEnd])]),
      0,
    );
  const yr =
    spec.yRange ??
    extent(
      spec.series.flatMap((s) => [...s.y, ...(s.y2 ?? [])]).concat(spec.hline ?? []),
      0.08,
      spec.series.some((s) => s.kind === 'bars' || s.kind === 'step'),
    );
  const canvas = createCanvas(width * PIXEL_RATIO, height * PIXEL_RATIO);
  const ctx = canvas.getContext('2d');
  ctx.scale(PIXEL_RATIO, PIXEL_RATIO);
  ctx.font = FONT_BOLD;
  const title = wrapText(ctx, spec.title, width - 8, 2);
  const legend = legendLayout(ctx, spec.series, width);
  const M: Margins = {
    left: 66,
    right: 14,
    top: 8 + title.length * LINE_PX + legend.rows * LINE_PX + 8,
    bottom: 5 + LINE_PX + LINE_PX + 6,
  };
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  const pw = width - M.left - M.right;
  const ph = height - M.top - M.bottom;
  const sx = (v: number): number => M.left + ((v - xr[0]) / (xr[1] - xr[0] || 1)) * pw;
  const sy = (v: number): number => M.top + ph - ((v - yr[0]) / (yr[1] - yr[0] || 1)) * ph;

  drawAxes(ctx, spec, M, xr, yr, sx, sy, pw, ph);
  ctx.save();
  ctx.beginPath();
  ctx.rect(M.left, M.top, pw, ph);
  ctx.clip();
  ctx.strokeStyle = '#888888';
  ctx.lineWidth = 1;
  ctx.setLineDash([4, 3]);
  if (spec.diagonal) {
    const lo = Math.max(xr[0], yr[0]);
    const hi = Math.min(xr[1], yr[1]);
    line(ctx, sx(lo), sy(lo), sx(hi), sy(hi));
  }
  if (spec.hline !== undefined) line(ctx, M.left, sy(spec.hline), M.left + pw, sy(spec.hline));
  const bars = spec.series.filter((s) => s.kind === 'bars');
  spec.series.forEach((s) => drawSeries(ctx, s, sx, sy, bars.indexOf(s), bars.length));
  ctx.restore();
  drawLegend(ctx, spec.series, legend.items, 8 + title.length * LINE_PX);
  ctx.fillStyle = '#000000';
  ctx.font = FONT_BOLD;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  title.forEach((line, i) => ctx.fillText(line, 4, 8 + i * LINE_PX));
  return canvas.toBuffer('image/png');
}

function extent(values: number[], pad: number, fromZero = false): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values)
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  if (!Number.isFinite(lo)) return [0, 1];
  if (fromZero) lo = Math.min(0, lo);
  if (hi === lo) return [lo - 0.5, hi + 0.5];
  const p = (hi - lo) * pad;
  return [fromZero && lo === 0 ? 0 : lo - p, hi + p];
}

function line(ctx: SKRSContext2D, x0: number, y0: number, x1: number, y1: number): void {
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
}

function drawAxes(
  ctx: SKRSContext2D,
  spec: ChartSpec,
  M: Margins,
  xr: [number, number],
  yr: [number, number],
  sx: (v: number) => number,
  sy: (v: number) => number,
  pw: number,
  ph: number,
): void {
  ctx.font = FONT;
  ctx.fillStyle = '#000000';
  ctx.strokeStyle = '#e3e3e3';
  ctx.lineWidth = 1;
  const xticks =
    spec.xTicks ??
    niceTicks(xr[0], xr[1], Math.max(2, Math.min(5, Math.floor(pw / 55)))).map((v) => ({
      value: v,
      label: formatTick(v),
    }));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  // Labels that would overlap the previous one are left out (their grid line stays).
  let lastRight = -Infinity;
  for (const t of xticks) {
    if (t.value < xr[0] - 1e-12 || t.value > xr[1] + 1e-12) continue;
    const x = Math.round(sx(t.value)) + 0.5;
    line(ctx, x, M.top, x, M.top + ph);
    const w = ctx.measureText(t.label).width;
    if (x - w / 2 < lastRight + 6) continue;
    ctx.fillText(t.label, x, M.top + ph + 5);
    lastRight = x + w / 2;
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const v of niceTicks(yr[0], yr[1], Math.max(2, Math.min(5, Math.floor(ph / 40))))) {
    const y = Math.round(sy(v)) + 0.5;
    line(ctx, M.left, y, M.left + pw, y);
    ctx.fillText(formatTick(v), M.left - 5, y);
  }
  ctx.strokeStyle = '#000000';
  ctx.strokeRect(M.left + 0.5, M.top + 0.5, pw, ph);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText(spec.xLabel, M.left + pw / 2, M.top + ph + M.bottom - 4);
  ctx.save();
  ctx.translate(12, M.top + ph / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  // A y label longer than the plot is cut, never drawn over the legend above it.
  ctx.fillText(wrapText(ctx, spec.yLabel, ph, 1)[0] ?? '', 0, 0);
  ctx.restore();
}

function drawSeries(
  ctx: SKRSContext2D,
  s: Series,
  sx: (v: number) => number,
  sy: (v: number) => number,
  barIndex: number,
  barCount: number,
): void {
  ctx.strokeStyle = s.color;
  ctx.fillStyle = s.color;
  ctx.lineWidth = 2;
  ctx.setLineDash(s.dash ?? []);
  const n = s.x.length;
  if (s.kind === 'band') {
    const y2 = s.y2 ?? s.y;
    ctx.globalAlpha = s.alpha ?? 0.3;
    // One polygon per run of finite points (a gap in the data is a gap in the band).
    let i = 0;
    while (i < n) {
      while (i < n && !(Number.isFinite(s.y[i]) && Number.isFinite(y2[i]))) i++;
      const start = i;
      while (i < n && Number.isFinite(s.y[i]) && Number.isFinite(y2[i])) i++;
      if (i - start < 1) continue;
      ctx.beginPath();
      for (let k = start; k < i; k++) ctx[k === start ? 'moveTo' : 'lineTo'](sx(s.x[k]), sy(y2[k]));
      for (let k = i - 1; k >= start; k--) ctx.lineTo(sx(s.x[k]), sy(s.y[k]));
      ctx.closePath();
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    return;
  }
  const right = (i: number): number =>
    i + 1 < n ? s.x[i + 1] : (s.xEnd ?? s.x[i] + (n > 1 ? s.x[i] - s.x[i - 1] : 1));
  if (s.kind === 'bars') {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(s.y[i])) continue;
      const x0 = sx(s.x[i]);
      const w = (sx(right(i)) - x0) / barCount;
      ctx.fillRect(x0 + w * barIndex + 0.5, sy(s.y[i]), Math.max(1, w - 1), sy(0) - sy(s.y[i]));
    }
    return;
  }
  if (s.kind === 'step') {
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(s.y[i])) continue;
      const y = sy(s.y[i]);
      if (i === 0) ctx.moveTo(sx(s.x[i]), y);
      else ctx.lineTo(sx(s.x[i]), y);
      ctx.lineTo(sx(right(i)), y);
    }
    ctx.stroke();
    return;
  }
  if (s.kind === 'line' || s.kind === 'plain') {
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(s.y[i]) || !Number.isFinite(s.x[i])) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(sx(s.x[i]), sy(s.y[i]));
      else ctx.moveTo(sx(s.x[i]), sy(s.y[i]));
      pen = true;
    }
    ctx.stroke();
    if (s.kind === 'plain') return;
  }
  ctx.setLineDash([]);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(s.y[i]) || !Number.isFinite(s.x[i])) continue;
    ctx.beginPath();
    ctx.arc(sx(s.x[i]), sy(s.y[i]), 3, 0, 2 * Math.PI);
    ctx.fill();
  }
}

interface LegendItem {
  x: number;
  row: number;
}

/** Legend entries laid out in rows across the figure. */
function legendLayout(
  ctx: SKRSContext2D,
  series: Series[],
  width: number,
): { items: LegendItem[]; rows: number } {
  ctx.font = FONT;
  let x = 4;
  let row = 0;
  const items = series.map((s) => {
    const w = ctx.measureText(s.label).width + 34;
    if (x + w > width - 4 && x > 4) {
      x = 4;
      row++;
    }
    const item = { x, row };
    x += w;
    return item;
  });
  return { items, rows: series.length ? row + 1 : 0 };
}

function drawLegend(ctx: SKRSContext2D, series: Series[], items: LegendItem[], top: number): void {
  ctx.font = FONT;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  series.forEach((s, i) => {
    const { x, row } = items[i];
    const y = top + row * LINE_PX + LINE_PX / 2;
    ctx.fillStyle = s.color;
    if (s.kind === 'band') {
      ctx.globalAlpha = s.alpha ?? 0.3;
      ctx.fillRect(x, y - 7, 18, 14);
      ctx.globalAlpha = 1;
    } else if (s.kind === 'points') {
      ctx.beginPath();
      ctx.arc(x + 9, y, 4, 0, 2 * Math.PI);
      ctx.fill();
    } else ctx.fillRect(x, y - 2, 18, 4);
    ctx.fillStyle = '#000000';
    ctx.fillText(s.label, x + 22, y);
  });
}
