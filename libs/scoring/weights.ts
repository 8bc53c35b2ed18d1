/** Area weights for aggregating scores over a grid. */
import { InvalidArgumentError } from '../contracts/errors.js';
import type { Grid } from '../ensemble/types.js';

/**
 * `area` (the default): the cell area of the grid — cos(latitude) on a regular lat–lon grid, equal weights on
 * a projected grid (MOGREPS-UK's is Lambert azimuthal equal-area); `coslat` forces cos(latitude) (lat–lon
 * grids only); `none`: every point counts the same.
 */
export type WeightKind = 'none' | 'coslat' | 'area';

/** The weights actually applied to a grid (what a score reports): `area` resolved by the grid's kind. */
export type AppliedWeights = 'none' | 'coslat';

export const WEIGHT_KINDS: readonly WeightKind[] = ['area', 'coslat', 'none'];

/** Resolve `kind` for `grid`; cos(latitude) on a projected grid is refused (its cells are not lat–lon cells). */
export function appliedWeights(grid: Grid, kind: WeightKind): AppliedWeights {
  if (kind === 'none') return 'none';
  if (kind === 'area') return grid.kind === 'latlon' ? 'coslat' : 'none';
  if (kind === 'coslat' && grid.kind !== 'latlon')
    throw new InvalidArgumentError(
      'weights "coslat" need a regular latitude–longitude grid; this grid is projected (use "area" or "none")',
    );
  if (kind !== 'coslat')
    throw new InvalidArgumentError(`weights must be "area", "coslat" or "none", got "${String(kind)}"`);
  return 'coslat';
}

/**
 * Per-point weights ([y, x]): 1, or cos(latitude) (area of a regular lat–lon cell ∝ cos φ; DESIGN §2;
 * WeatherBench 2, Rasp et al. 2024, eq. 1). Callers divide by the sum of the weights of the points they use,
 * so the weights are normalised there.
 */
export function pointWeights(grid: Grid, n: number, kind: WeightKind): Float64Array {
  const w = new Float64Array(n);
  if (appliedWeights(grid, kind) === 'none') return w.fill(1);
  for (let p = 0; p < n; p++) w[p] = Math.max(0, Math.cos((grid.latitude[p] * Math.PI) / 180));
  return w;
}
