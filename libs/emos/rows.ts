/**
 * EMOS training statistics by time, read row by row (one time's points) or by blocks of points, so that a
 * fit can read them from memory (EstimateEmos.process) or from a scratch file (libs/pipeline/evaluate reads
 * the training years once and spills them, so memory does not grow with the number of years).
 */
import type { EmosCoefficients } from './types.js';

/** One time's statistics at the points [p0, p1) of a read: index i is point p0 + i. */
export interface EmosRow {
  /** Location predictors: predictor j of point p0 + i at preds[j·stride + i]. */
  preds: ArrayLike<number>;
  stride: number;
  /** Ensemble variance (ddof 1) and truth. */
  variance: ArrayLike<number>;
  truth: ArrayLike<number>;
}

export interface EmosRows {
  /** Times T, points n, location predictors k per point (1 for the mean, m for the realizations). */
  readonly times: number;
  readonly n: number;
  readonly k: number;
  /** True when rows are already in memory: the global fit then gathers its samples once. */
  readonly resident: boolean;
  /** fn(t, row) for t = 0 … T−1 in order, restricted to the points [p0, p1); a row is valid during its call. */
  read(p0: number, p1: number, fn: (t: number, row: EmosRow) => void): void;
}

/** What the coefficients carry beside the fit (EstimateEmos.process takes it from the first forecast). */
export type EmosRowsMeta = Pick<
  EmosCoefficients,
  'diagnostic' | 'units' | 'ny' | 'nx' | 'grid' | 'leadHours' | 'initTime'
> & {
  /** Names the training data in error messages (e.g. the forecasts' sources). */
  label: string;
};

/** Rows held in memory: per time predictors [k·n] (predictor-major), variance [n], truth [n]. */
export function residentRows(
  k: number,
  n: number,
  preds: ArrayLike<number>[],
  variance: ArrayLike<number>[],
  truth: ArrayLike<number>[],
): EmosRows {
  const view = (a: ArrayLike<number>, p0: number): ArrayLike<number> =>
    p0 === 0 ? a : (a as Float64Array).subarray(p0);
  return {
    times: preds.length,
    n,
    k,
    resident: true,
    read(p0, _p1, fn) {
      for (let t = 0; t < preds.length; t++)
        fn(t, {
          preds: view(preds[t], p0),
          stride: n,
          variance: view(variance[t], p0),
          truth: view(truth[t], p0),
        });
    },
  };
}
