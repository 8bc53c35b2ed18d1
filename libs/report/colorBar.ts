/**
 * A horizontal colour bar with nice ticks and a units label, drawn under a map; for a difference map, words
 * under its two ends say what each colour means ("← EMOS better", "raw better →").
 */
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { colorAt, type Colormap } from './colormaps.js';
import { formatTick, niceTicks } from './scale.js';
import { FIGURE_WIDTH, FONT, LABEL_PX, LINE_PX, PIXEL_RATIO } from './style.js';

export const BAR_HEIGHT = 12;

/** Height the bar takes below its top edge (CSS px), with or without the words under its ends. */
export function colorBarHeight(withEnds: boolean): number {
  return BAR_HEIGHT + 5 + LINE_PX + (withEnds ? LINE_PX : 0);
}

export function drawColorBar(
  ctx: SKRSContext2D,
  cmap: Colormap,
  range: [number, number],
  units: string,
  x: number,
  y: number,
  width: number,
  ends?: { low: string; high: string },
): void {
  ctx.font = FONT;
  const label = units || '1';
  const unitsWidth = Math.min(90, Math.ceil(ctx.measureText(label).width) + 10);
  const bw = Math.max(60, width - unitsWidth);
  const steps = Math.ceil(bw * 2);
  for (let i = 0; i < steps; i++) {
    const c = colorAt(cmap, (i + 0.5) / steps) ?? [200, 200, 200];
    ctx.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
    ctx.fillRect(x + (i * bw) / steps, y, bw / steps + 0.05, BAR_HEIGHT);
  }
  ctx.strokeStyle = '#000000';
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.strokeRect(x + 0.5, y + 0.5, bw - 1, BAR_HEIGHT - 1);
  ctx.fillStyle = '#000000';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const [lo, hi] = range;
  // At most one tick label per 58 px so that 16 px labels never overlap.
  const ticks = niceTicks(lo, hi, Math.max(2, Math.min(5, Math.floor(bw / 58))));
  for (const t of ticks) {
    const tx = x + ((t - lo) / (hi - lo)) * bw;
    ctx.beginPath();
    ctx.moveTo(tx + 0.5, y + BAR_HEIGHT);
    ctx.lineTo(tx + 0.5, y + BAR_HEIGHT + 4);
    ctx.stroke();
    const text = formatTick(t);
    const half = ctx.measureText(text).width / 2;
    ctx.fillText(text, Math.min(Math.max(tx, x + half), x + bw - half), y + BAR_HEIGHT + 5);
  }
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.fillText(label, x + bw + 6, y + BAR_HEIGHT / 2);
  if (ends) {
    const ey = y + BAR_HEIGHT + 5 + LINE_PX + (LINE_PX - LABEL_PX) / 2;
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    ctx.fillText(ends.low, x, ey);
    ctx.textAlign = 'right';
    ctx.fillText(ends.high, x + bw, ey);
  }
}

/** Layout width of a colour bar shared by a row of two figures (the print column: 2 × 352 + 14 px). */
export const ROW_WIDTH = 2 * FIGURE_WIDTH + 14;

/** A colour bar on its own, as a PNG (rendered at PIXEL_RATIO), for a group of maps sharing one scale. */
export function renderColorBar(spec: {
  cmap: Colormap;
  range: [number, number];
  units: string;
  ends?: { low: string; high: string };
  width?: number;
}): Buffer {
  const width = spec.width ?? ROW_WIDTH;
  const height = 6 + colorBarHeight(!!spec.ends) + 4;
  const canvas = createCanvas(width * PIXEL_RATIO, height * PIXEL_RATIO);
  const ctx = canvas.getContext('2d');
  ctx.scale(PIXEL_RATIO, PIXEL_RATIO);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  drawColorBar(ctx, spec.cmap, spec.range, spec.units, 62, 6, width - 62 - 12, spec.ends);
  return canvas.toBuffer('image/png');
}
