/** A horizontal colour bar with nice ticks and a units label, drawn under a map. */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { colorAt, type Colormap } from './colormaps.js';
import { formatTick, niceTicks } from './scale.js';
import { FONT } from './style.js';

const BAR_HEIGHT = 12;

export function drawColorBar(
  ctx: SKRSContext2D,
  cmap: Colormap,
  range: [number, number],
  units: string,
  x: number,
  y: number,
  width: number,
): void {
  const unitsWidth = Math.min(70, Math.max(24, units.length * 7 + 8));
  const bw = Math.max(60, width - unitsWidth);
  for (let i = 0; i < bw; i++) {
    const c = colorAt(cmap, (i + 0.5) / bw) ?? [200, 200, 200];
    ctx.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
    ctx.fillRect(x + i, y, 1, BAR_HEIGHT);
  }
  ctx.strokeStyle = '#000000';
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.strokeRect(x + 0.5, y + 0.5, bw - 1, BAR_HEIGHT - 1);
  ctx.fillStyle = '#000000';
  ctx.font = FONT;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const [lo, hi] = range;
  for (const t of niceTicks(lo, hi, 5)) {
    const tx = x + ((t - lo) / (hi - lo)) * bw;
    ctx.beginPath();
    ctx.moveTo(tx + 0.5, y + BAR_HEIGHT);
    ctx.lineTo(tx + 0.5, y + BAR_HEIGHT + 4);
    ctx.stroke();
    ctx.fillText(formatTick(t), tx, y + BAR_HEIGHT + 5);
  }
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.fillText(units || '1', x + bw + 6, y + BAR_HEIGHT / 2, unitsWidth - 6);
}
