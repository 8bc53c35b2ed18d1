/**
 * EstimateEmos.processRows on rows that are not resident (read again at every use, one chunk per time, point
 * blocks copied out) gives bitwise the coefficients of process() on the same fields in memory: the streamed
 * evaluation (libs/pipeline/evaluate/trainingStats) relies on it.
 */
import { EstimateEmos } from '../../../libs/emos/estimate.js';
import type { EmosRow, EmosRows } from '../../../libs/emos/rows.js';
import { memberMean, memberVariance } from '../../../libs/ensemble/stats.js';
import { synthetic } from './synthetic.js';

/** The fields as a non-resident source that copies every read (so no view outlives its call). */
function streamedRows(
  forecasts: ReturnType<typeof synthetic>['forecasts'],
  truths: ReturnType<typeof synthetic>['truths'],
  reads: { count: number },
): EmosRows {
  const n = forecasts[0].ny * forecasts[0].nx;
  const mean = forecasts.map((f) => memberMean(f));
  const variance = forecasts.map((f, t) => memberVariance(f, 1, mean[t]));
  return {
    times: forecasts.length,
    n,
    k: 1,
    resident: false,
    read(p0, p1, fn) {
      reads.count++;
      for (let t = 0; t < forecasts.length; t++) {
        const row: EmosRow = {
          preds: mean[t].slice(p0, p1),
          stride: p1 - p0,
          variance: variance[t].slice(p0, p1),
          truth: Float64Array.from(truths[t].data.subarray(p0, p1)),
        };
        fn(t, row);
      }
    },
  };
}

describe('EstimateEmos.processRows (streamed rows)', () => {
  const { forecasts, truths } = synthetic([5, 0.98, 0.4, 1.3], { days: 4, n: 700, m: 5, seed: 11 });
  // Some unusable samples: NaN truth at a few (time, point), one point NaN at every time.
  truths[1].data[3] = NaN;
  truths[2].data[400] = NaN;
  for (const t of truths) t.data[650] = NaN;
  const meta = {
    label: 'synthetic',
    diagnostic: forecasts[0].variable,
    units: forecasts[0].units,
    ny: 1,
    nx: 700,
    grid: forecasts[0].grid,
    leadHours: 12,
    initTime: Math.max(...forecasts.map((f) => f.initTime!)),
  };

  test.each([false, true])('pointByPoint %s: bitwise the coefficients of process()', (pointByPoint) => {
    const est = new EstimateEmos({ distribution: 'norm', pointByPoint });
    const ref = est.process(forecasts, truths);
    const reads = { count: 0 };
    const got = est.processRows(streamedRows(forecasts, truths, reads), meta);
    // Re-read at every objective evaluation, and (point by point) once per block of points.
    expect(reads.count).toBeGreaterThan(10);
    for (const f of ['alpha', 'beta', 'gamma', 'delta'] as const) expect(got[f]).toEqual(ref[f]);
    expect(got.crps).toBe(ref.crps);
    expect(got.samples).toBe(ref.samples);
    expect(got.samples).toBe(4 * 700 - 2 - 4);
    expect(got.iterations).toBe(ref.iterations);
    expect(got.initTime).toBe(ref.initTime);
    if (pointByPoint) expect(Number.isNaN(got.alpha[650])).toBe(true);
  });

  test('a different sample changes the fit (the comparison can fail)', () => {
    const est = new EstimateEmos({ distribution: 'norm' });
    const ref = est.process(forecasts, truths);
    const shifted = truths.map((t) => ({ ...t, data: Float32Array.from(t.data) }));
    shifted[0].data[10] += 0.5;
    const got = est.processRows(streamedRows(forecasts, shifted, { count: 0 }), meta);
    expect(got.alpha[0]).not.toBe(ref.alpha[0]);
  });
});
