/** Text layout on a canvas: greedy word wrapping to a width, so long titles wrap instead of shrinking. */
import type { SKRSContext2D } from '@napi-rs/canvas';

/**
 * Split `text` into at most `maxLines` lines no wider than `width` in the context's current font. Words are
 * broken at spaces; a last line that still does not fit is cut with an ellipsis (never squeezed).
 */
export function wrapText(ctx: SKRSContext2D, text: string, width: number, maxLines = 2): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const next = line ? `${line} ${w}` : w;
    if (ctx.measureText(next).width <= width || !line) line = next;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line) lines.push(line);
  if (lines.length <= maxLines) return lines.map((l) => fit(ctx, l, width));
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = fit(ctx, lines.slice(maxLines - 1).join(' '), width);
  return kept;
}

/** `s`, or its longest prefix that fits with an ellipsis. */
function fit(ctx: SKRSContext2D, s: string, width: number): string {
  if (ctx.measureText(s).width <= width) return s;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(`${s.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${s.slice(0, lo)}…`;
}
