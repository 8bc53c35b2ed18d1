/**
 * Colour maps as small tables of stops, linearly interpolated in sRGB. Sequential maps for values and
 * spreads, a diverging map for differences (centred on 0 by the caller's symmetric range).
 */

export type Rgb = [number, number, number];

export interface Colormap {
  name: string;
  /** Colours from the low end (t = 0) to the high end (t = 1), evenly spaced unless `positions` is set. */
  stops: string[];
  /** Positions of the stops in [0, 1] when they are not evenly spaced. */
  positions?: number[];
  /** Where the table comes from. */
  source: string;
}

/** matplotlib's viridis (van der Walt & Smith 2015, CC0), entries 0,16,…,240,255 of its 256-colour table. */
export const VIRIDIS: Colormap = {
  name: 'viridis',
  stops: [
    '#440154',
    '#48186a',
    '#472d7b',
    '#424086',
    '#3b528b',
    '#33638d',
    '#2c728e',
    '#26828e',
    '#21918c',
    '#1fa088',
    '#28ae80',
    '#3fbc73',
    '#5ec962',
    '#84d44b',
    '#addc30',
    '#d8e219',
    '#fde725',
  ],
  positions: [...Array.from({ length: 16 }, (_, i) => (i * 16) / 255), 1],
  source: 'matplotlib viridis (BIDS, CC0)',
};

/** ColorBrewer YlGnBu, 9 classes (Cynthia Brewer, colorbrewer2.org, Apache-2.0): spreads, σ, CRPS. */
export const YLGNBU: Colormap = {
  name: 'YlGnBu',
  stops: ['#ffffd9', '#edf8b1', '#c7e9b4', '#7fcdbb', '#41b6c4', '#1d91c0', '#225ea8', '#253494', '#081d58'],
  source: 'ColorBrewer YlGnBu-9',
};

/** ColorBrewer YlOrRd, 9 classes: probabilities of exceeding a threshold. */
export const YLORRD: Colormap = {
  name: 'YlOrRd',
  stops: ['#ffffcc', '#ffeda0', '#fed976', '#feb24c', '#fd8d3c', '#fc4e2a', '#e31a1c', '#bd0026', '#800026'],
  source: 'ColorBrewer YlOrRd-9',
};

/**
 * ColorBrewer RdBu, 11 classes, reversed so that negative (an improvement when plotting new − old CRPS)
 * is blue and positive is red; the middle stop (#f7f7f7) is 0 when the range is symmetric.
 */
export const RDBU_R: Colormap = {
  name: 'RdBu_r',
  stops: [
    '#053061',
    '#2166ac',
    '#4393c3',
    '#92c5de',
    '#d1e5f0',
    '#f7f7f7',
    '#fddbc7',
    '#f4a582',
    '#d6604d',
    '#b2182b',
    '#67001f',
  ],
  source: 'ColorBrewer RdBu-11 (reversed)',
};

export const COLORMAPS: Record<string, Colormap> = {
  viridis: VIRIDIS,
  YlGnBu: YLGNBU,
  YlOrRd: YLORRD,
  RdBu_r: RDBU_R,
};

function hexToRgb(hex: string): Rgb {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

const parsed = new WeakMap<Colormap, { rgb: Rgb[]; pos: number[] }>();

/** The colour at t ∈ [0, 1] (clamped); NaN t gives null so callers can leave the cell transparent. */
export function colorAt(cmap: Colormap, t: number): Rgb | null {
  if (Number.isNaN(t)) return null;
  let p = parsed.get(cmap);
  if (!p) {
    const n = cmap.stops.length;
    p = {
      rgb: cmap.stops.map(hexToRgb),
      pos: cmap.positions ?? cmap.stops.map((_, i) => i / (n - 1)),
    };
    parsed.set(cmap, p);
  }
  const x = Math.min(1, Math.max(0, t));
  let k = 1;
  while (k < p.pos.length - 1 && p.pos[k] < x) k++;
  const f = (x - p.pos[k - 1]) / (p.pos[k] - p.pos[k - 1] || 1);
  const a = p.rgb[k - 1];
  const b = p.rgb[k];
  return [
    Math.round(a[0] + f * (b[0] - a[0])),
    Math.round(a[1] + f * (b[1] - a[1])),
    Math.round(a[2] + f * (b[2] - a[2])),
  ];
}

/** A CSS colour string for t (used by colour bars and legends). */
export function cssColorAt(cmap: Colormap, t: number): string {
  const c = colorAt(cmap, t) ?? [200, 200, 200];
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
