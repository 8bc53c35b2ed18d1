/** Axis and colour-scale helpers: "nice" tick values and value ranges robust to outliers. */

/** Round tick values covering [min, max] with about `count` intervals (steps 1, 2, 2.5 or 5 × 10^k). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const lo = Math.min(min, max);
  const hi = Math.max(min, max);
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.ceil(lo / step - 1e-9);
  const ticks: number[] = [];
  for (let k = first; k * step <= hi + step * 1e-9; k++) ticks.push(roundTo(k * step, step));
  return ticks;
}

function roundTo(v: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(decimals));
}

/** Short label for a tick: no trailing zeros, at most 4 significant digits for small steps. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/** The p-th percentile (0..100) of the finite values (linear interpolation between order statistics). */
export function percentile(values: ArrayLike<number>, p: number): number {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite.push(values[i]);
  if (finite.length === 0) return NaN;
  finite.sort((a, b) => a - b);
  const pos = (p / 100) * (finite.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return finite[lo] + (pos - lo) * (finite[hi] - finite[lo]);
}

/** A colour range shared by several fields: [1st, 99th] percentile of all of them (outliers saturate). */
export function robustRange(fields: ArrayLike<number>[], lowPct = 1, highPct = 99): [number, number] {
  const all: number[] = [];
  for (const f of fields) for (let i = 0; i < f.length; i++) if (Number.isFinite(f[i])) all.push(f[i]);
  if (all.length === 0) return [0, 1];
  let lo = percentile(all, lowPct);
  let hi = percentile(all, highPct);
  if (hi <= lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  return [lo, hi];
}

/** A range symmetric about 0 (for diverging maps of differences): ±(99th percentile of |value|). */
export function symmetricRange(fields: ArrayLike<number>[], pct = 99): [number, number] {
  const abs: number[] = [];
  for (const f of fields)
    for (let i = 0; i < f.length; i++) if (Number.isFinite(f[i])) abs.push(Math.abs(f[i]));
  const m = abs.length ? percentile(abs, pct) : 1;
  const r = m > 0 ? m : 1;
  return [-r, r];
}
