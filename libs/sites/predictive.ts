/**
 * The predictive distribution of one pair of a model's SiteParameters: the family's closed forms
 * (distributions.ts) at (μ, σ, δ), or, for a Bernstein quantile network, its quantile function (bernstein.ts).
 * What predict, evaluate and the validation harness score.
 */
import {
  bernsteinCdf,
  bernsteinCrps,
  bernsteinMeanStd,
  bernsteinPit,
  bernsteinQuantile,
  type BernsteinForecast,
} from './bernstein.js';
import { cdf, crps, meanStd, pit, quantile } from './distributions.js';
import type { SiteParameters } from './emos.js';
import type { SiteFamily } from './types.js';

function bq(par: SiteParameters, i: number): BernsteinForecast {
  const b = par.bernstein!;
  return { a: b.coefficients, off: i * (b.degree + 1), d: b.degree, censored: b.censored };
}

/** CRPS of pair i at y: closed form (family), or exact for the Bernstein quantile function (bernsteinCrps). */
export function pairCrps(family: SiteFamily, par: SiteParameters, i: number, y: number): number {
  if (par.bernstein) return bernsteinCrps(bq(par, i), y);
  return crps(family, par.mu[i], par.sigma[i], y, par.shift[i]);
}

/** P(Y ≤ x) of pair i. */
export function pairCdf(family: SiteFamily, par: SiteParameters, i: number, x: number): number {
  if (par.bernstein) return bernsteinCdf(bq(par, i), x);
  return cdf(family, par.mu[i], par.sigma[i], x, par.shift[i]);
}

/** The p-quantile of pair i. */
export function pairQuantile(family: SiteFamily, par: SiteParameters, i: number, p: number): number {
  if (par.bernstein) return bernsteinQuantile(bq(par, i), p);
  return quantile(family, par.mu[i], par.sigma[i], p, par.shift[i]);
}

/** Mean and standard deviation of pair i. */
export function pairMeanStd(family: SiteFamily, par: SiteParameters, i: number): [number, number] {
  if (par.bernstein) return bernsteinMeanStd(bq(par, i));
  return meanStd(family, par.mu[i], par.sigma[i], par.shift[i]);
}

/** Randomised PIT of pair i at y (u ∈ [0, 1) spreads the point mass at 0). */
export function pairPit(family: SiteFamily, par: SiteParameters, i: number, y: number, u: number): number {
  if (par.bernstein) return bernsteinPit(bq(par, i), y, u);
  return pit(family, par.mu[i], par.sigma[i], y, u, par.shift[i]);
}
