/**
 * Extreme-event scores for site forecasts: the threshold-weighted CRPS (Gneiting & Ranjan 2011, JBES 29,
 * eq. 6, weight 1{z > t} for a heavy-precipitation event, 1{z < t} for a cold night) and the Brier score of
 * the event, for raw ensembles and for the predictive distributions of libs/sites; and the ranking of the
 * most extreme observed days of an archive (for case studies — conditioning on the observation is fine for
 * a case study, never for a skill claim: Lerch et al. 2017, Stat. Sci. 32).
 */
import { twCrpsEnsembleSorted } from '../scoring/crps.js';
import { cdf, isCensored, quantile } from './distributions.js';
import type { SiteFamily } from './types.js';

/** Which tail an event lies in: `upper` (y > t, e.g. heavy rain) or `lower` (y < t, e.g. a cold night). */
export type Tail = 'upper' | 'lower';

/**
 * twCRPS of an ensemble, chaining-function form (Allen, Ginsbourger & Ziegel 2023, SIAM/ASA JUQ 11): the
 * standard CRPS of the members and the observation mapped by v(z) = max(z, t) (upper) or min(z, t) (lower).
 */
export function twCrpsEnsemble(members: ArrayLike<number>, y: number, t: number, tail: Tail): number {
  const m = members.length;
  const s = new Float64Array(m);
  // The lower tail is the upper tail of −z at −t.
  for (let i = 0; i < m; i++) s[i] = tail === 'upper' ? members[i] : -members[i];
  s.sort();
  return tail === 'upper' ? twCrpsEnsembleSorted(s, m, y, t) : twCrpsEnsembleSorted(s, m, -y, -t);
}

/**
 * twCRPS of a predictive distribution `family`(μ, σ): ∫ w(z) (F(z) − 1{y ≤ z})² dz with w = 1{z > t} (upper)
 * or 1{z < t} (lower) (Gneiting & Ranjan 2011, eq. 6), by composite Simpson's rule between t and the
 * 1e-7 / 1 − 1e-7 quantile (or y, if beyond), split where the integrand jumps.
 */
export function twCrpsParametric(
  family: SiteFamily,
  mu: number,
  sigma: number,
  y: number,
  t: number,
  tail: Tail,
  shift = 0,
): number {
  const f = (z: number): number => {
    const d = cdf(family, mu, sigma, z, shift) - (y <= z ? 1 : 0);
    return d * d;
  };
  // Integrate piecewise between the jumps of the integrand: at y, and at 0 where a censored family has
  // its point mass.
  const [a, b] =
    tail === 'upper'
      ? [t, Math.max(quantile(family, mu, sigma, 1 - 1e-7, shift), y, t)]
      : [Math.min(quantile(family, mu, sigma, 1e-7, shift), y, t), t];
  const cuts = [a, b, ...[y, isCensored(family) ? 0 : NaN].filter((c) => c > a && c < b)];
  cuts.sort((p, q) => p - q);
  let sum = 0;
  for (let i = 0; i + 1 < cuts.length; i++) sum += simpson(f, cuts[i], cuts[i + 1]);
  return sum;
}

/** Composite Simpson's rule with 2n intervals (the integrand is smooth between its ends). */
function simpson(f: (z: number) => number, a: number, b: number, n = 400): number {
  if (!(b > a)) return 0;
  const h = (b - a) / (2 * n);
  let s = f(a + 1e-12 * (b - a)) + f(b - 1e-12 * (b - a));
  for (let k = 1; k < 2 * n; k++) s += (k % 2 ? 4 : 2) * f(a + k * h);
  return (s * h) / 3;
}

/** P(event) of an ensemble: the fraction of finite members beyond t. */
export function ensembleEventProbability(members: ArrayLike<number>, t: number, tail: Tail): number {
  let k = 0;
  let n = 0;
  for (let i = 0; i < members.length; i++) {
    const v = members[i];
    if (!Number.isFinite(v)) continue;
    n++;
    if (tail === 'upper' ? v > t : v < t) k++;
  }
  return n ? k / n : NaN;
}

/** P(event) of `family`(μ, σ[, δ]). */
export function parametricEventProbability(
  family: SiteFamily,
  mu: number,
  sigma: number,
  t: number,
  tail: Tail,
  shift = 0,
): number {
  const F = cdf(family, mu, sigma, t, shift);
  return tail === 'upper' ? 1 - F : F;
}

export interface ExtremeDay {
  /** Forecast time and station indices. */
  time: number;
  station: number;
  value: number;
}

/**
 * The `n` most extreme observed days (largest for `upper`, smallest for `lower`), at least `separationDays`
 * apart at the same station so that one spell counts once. Input: parallel arrays of pairs.
 */
export function rankExtremes(
  times: ArrayLike<number>,
  time: ArrayLike<number>,
  station: ArrayLike<number>,
  value: ArrayLike<number>,
  n: number,
  tail: Tail,
  separationDays: number,
): ExtremeDay[] {
  const order = Array.from({ length: value.length }, (_, i) => i)
    .filter((i) => Number.isFinite(value[i]))
    .sort((a, b) => (tail === 'upper' ? value[b] - value[a] : value[a] - value[b]));
  const picked: ExtremeDay[] = [];
  for (const i of order) {
    if (picked.length >= n) break;
    const clash = picked.some(
      (p) =>
        p.station === station[i] && Math.abs(times[p.time] - times[time[i]]) < separationDays * 86400 - 1,
    );
    if (!clash) picked.push({ time: time[i], station: station[i], value: value[i] });
  }
  return picked;
}
