/** Inputs and outputs of the verification scores (DESIGN §2). */
import type { EnsembleField, Field2D, Grid } from '../ensemble/types.js';

/** A forecast given as a Gaussian N(mean, std²) per grid point ([y, x] each), e.g. EMOS or the deep model. */
export interface GaussianForecast {
  kind: 'gaussian';
  variable: string;
  units: string;
  mean: Float32Array;
  std: Float32Array;
  ny: number;
  nx: number;
  grid: Grid;
  validTime: number;
  level?: number;
  source: string;
}

export type Forecast = EnsembleField | GaussianForecast;

export interface ScorePair {
  forecast: Forecast;
  truth: Field2D;
}

export function isGaussian(f: Forecast): f is GaussianForecast {
  return (f as GaussianForecast).kind === 'gaussian';
}

/** One reliability-diagram bin (IMPROVER reliability-table rows): forecast probability in [lower, upper). */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  forecast_count: number;
  sum_forecast_probability: number;
  observation_count: number;
}

/** Aggregated scores over all points and times (weighted means when weights are on). */
export interface Scores {
  kind: 'ensemble' | 'gaussian';
  crps: number;
  crps_fair: number;
  crps_gaussian: number;
  rmse: number;
  bias: number;
  spread: number;
  ssr: number;
  /** m+1 counts of rank = #members < truth; null for Gaussian forecasts. */
  rank_histogram: number[] | null;
  /** PIT histogram (equal-width bins of Φ((y−μ)/σ)) for Gaussian forecasts; null for ensembles. */
  pit_histogram: number[] | null;
  brier: Record<string, number>;
  twcrps: Record<string, number>;
  reliability: Record<string, ReliabilityBin[]>;
  n: number;
  n_missing: number;
  members: number | null;
  /** The area weights applied: cos(latitude) or none (equal weights). */
  weights: 'none' | 'coslat';
}
