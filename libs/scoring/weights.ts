/** Area weights for aggregating scores over a grid. */
import type { Grid } from '../ensemble/types.js';

export type WeightKind = 'none' | 'coslat';

/**
 * Per-point weights ([y, x]): 1, or cos(latitude) (area of a regular lat–lon cell ∝ cos φ; DESIGN §2).
 * Callers divide by the sum of the weights of the points they use, so the weights are normalised there.
 */
export function pointWeights(grid: Grid, n: number, kind: WeightKind): Float64Array {
  const w = new Float64Array(n);
  if (kind === 'none') return w.fill(1);
  for (let p = 0; p < n; p++) w[p] = Math.max(0, Math.cos((grid.latitude[p] * Math.PI) / 180));
  return w;
}
