import { twCrpsGaussian } from '../../../libs/scoring/crps.js';
import { crps } from '../../../libs/sites/distributions.js';
import {
  ensembleEventProbability,
  parametricEventProbability,
  rankExtremes,
  twCrpsEnsemble,
  twCrpsParametric,
} from '../../../libs/sites/extremes.js';

describe('threshold-weighted CRPS for site forecasts', () => {
  test('the numerical integral equals the closed-form Gaussian twCRPS (upper tail)', () => {
    for (const [mu, sigma, y, t] of [
      [0, 1, 0.3, -0.5],
      [2, 0.7, 4.1, 3],
      [-1, 2, -6, 1.5],
    ])
      expect(twCrpsParametric('normal', mu, sigma, y, t, 'upper')).toBeCloseTo(
        twCrpsGaussian(mu, sigma, y, t),
        6,
      );
  });
  test('lower tail: the twCRPS of N(μ,σ) below t is the upper twCRPS of N(−μ,σ) above −t', () => {
    expect(twCrpsParametric('normal', 1, 1.3, -2, 0.5, 'lower')).toBeCloseTo(
      twCrpsGaussian(-1, 1.3, 2, -0.5),
      6,
    );
  });
  test('a threshold below all the mass gives back the whole CRPS (censored logistic)', () => {
    const full = crps('censored-logistic', 3, 2, 7.5);
    // The censored distribution has no mass below 0: weighting z > −1 covers it all.
    expect(twCrpsParametric('censored-logistic', 3, 2, 7.5, -1, 'upper')).toBeCloseTo(full, 5);
    expect(twCrpsParametric('censored-logistic', 3, 2, 0, -1, 'upper')).toBeCloseTo(
      crps('censored-logistic', 3, 2, 0),
      5,
    );
  });
  test('ensemble twCRPS with chaining: zero when members and observation lie beyond the other side', () => {
    expect(twCrpsEnsemble([1, 2, 3], 0, 5, 'upper')).toBe(0);
    expect(twCrpsEnsemble([1, 2, 3], 10, 5, 'upper')).toBeCloseTo(5, 12);
    // Lower tail mirrors the upper one.
    expect(twCrpsEnsemble([-1, -2, -3], -10, -5, 'lower')).toBeCloseTo(5, 12);
  });
  test('event probabilities', () => {
    expect(ensembleEventProbability([1, 5, NaN, 9], 4, 'upper')).toBeCloseTo(2 / 3, 12);
    expect(ensembleEventProbability([1, 5, 9], 4, 'lower')).toBeCloseTo(1 / 3, 12);
    expect(parametricEventProbability('normal', 0, 1, 0, 'upper')).toBeCloseTo(0.5, 12);
  });
});

describe('rankExtremes', () => {
  test('largest first, one per spell at a station, other stations independent', () => {
    const day = 86400;
    const times = [0, 1, 2, 3, 10, 11].map((d) => d * day);
    // pairs: (time index, station, value)
    const time = [0, 1, 2, 3, 4, 5, 1];
    const station = [0, 0, 0, 0, 0, 0, 1];
    const value = [5, 40, 38, 7, 30, 2, 39];
    const top = rankExtremes(times, time, station, value, 3, 'upper', 3);
    expect(top.map((e) => e.value)).toEqual([40, 39, 30]);
    const low = rankExtremes(times, time, station, value, 2, 'lower', 3);
    expect(low.map((e) => e.value)).toEqual([2, 5]);
  });
});
