/** EMOS (NGR) options and coefficients, IMPROVER parameterisation: μ = α + β·mean, σ² = γ² + δ²·var(ddof 1). */
import type { Grid } from '../ensemble/types.js';

export type EmosDistribution = 'norm' | 'truncnorm';
export type EmosPredictor = 'mean' | 'realizations';

export interface EmosOptions {
  distribution: EmosDistribution;
  /** `mean`: μ = α + β·mean; `realizations`: μ = α + Σ_i β_i²·x_i (IMPROVER squares the member weights). */
  predictor?: EmosPredictor;
  /** One set of coefficients per grid point instead of one for the whole domain. */
  pointByPoint?: boolean;
  /** Land–sea mask [y, x] (1 land, 0 sea): only land points are fitted; sea points get NaN coefficients. */
  landMask?: Float32Array;
  /** Optimiser stop: max |∂CRPS/∂θ| in the scaled parameters. Default 1e-7. */
  tolerance?: number;
  /** Optimiser iteration cap per fit. Default 1000. */
  maxIterations?: number;
}

/** Fitted coefficients. Global fits have length-1 alpha/gamma/delta; point-by-point fits one value per point. */
export interface EmosCoefficients {
  distribution: EmosDistribution;
  predictor: EmosPredictor;
  pointByPoint: boolean;
  /** [point] (length 1 for a global fit). */
  alpha: Float32Array;
  /** [predictor, point]: 1 predictor for `mean`, m for `realizations`. */
  beta: Float32Array;
  gamma: Float32Array;
  delta: Float32Array;
  /** Number of beta predictors. */
  predictors: number;
  /** Diagnostic the coefficients calibrate (e.g. air_temperature), and its units (units of α and γ). */
  diagnostic: string;
  units: string;
  ny: number;
  nx: number;
  grid: Grid;
  /** Lead time of the training forecasts (hours) and the latest training initialisation (epoch s), if known. */
  leadHours?: number;
  initTime?: number;
  /** Mean CRPS of the training data at the solution (global fits; mean over points otherwise). */
  crps: number;
  iterations: number;
  converged: boolean;
  /** Points fitted, and points skipped (sea, NaN). */
  samples: number;
}
