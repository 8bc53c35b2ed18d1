/**
 * Mean CRPS of EMOS coefficients on forecast/truth pairs in the coefficients' own distribution (normal
 * closed form, or truncated normal, Thorarinsdottir & Gneiting 2010): the objective EstimateEmos minimises,
 * for comparing coefficient sets (e.g. epp's against IMPROVER's kgo.nc) on the same data.
 */
import type { EnsembleField, Field2D } from '../ensemble/types.js';
import { crpsGaussian, crpsTruncNormal } from '../scoring/crps.js';
import { checkPairs, pairByValidTime } from '../scoring/pairing.js';
import { ApplyEmos } from './apply.js';
import type { EmosCoefficients } from './types.js';

/** Mean CRPS over all finite points and times (float64 accumulation), and the number of points used. */
export function emosCrps(
  forecasts: EnsembleField[],
  truths: Field2D[],
  coeffs: EmosCoefficients,
): { crps: number; n: number } {
  const pairs = pairByValidTime(forecasts, truths);
  checkPairs(pairs);
  const apply = new ApplyEmos();
  const crps = coeffs.distribution === 'norm' ? crpsGaussian : crpsTruncNormal;
  let sum = 0;
  let n = 0;
  for (const { forecast, truth } of pairs) {
    const cal = apply.process(forecast as EnsembleField, coeffs);
    for (let p = 0; p < truth.data.length; p++) {
      const y = truth.data[p];
      const mu = cal.location[p];
      if (Number.isNaN(y) || !Number.isFinite(mu)) continue;
      sum += crps(mu, cal.scale[p], y);
      n++;
    }
  }
  return { crps: sum / n, n };
}
