/**
 * Everything that sets the archive's statistics, in one place: the two models, the members' output bias,
 * the analysis-error size and the members' (too small) initial perturbations. docs/testbed.md §5 explains
 * how these were tuned against the acceptance targets.
 */
import type { ClimateOptions, OutputBias } from './diagnostics.js';
import { MEMBER_PARAMS, TRUTH_PARAMS, type QgParams } from './qgParams.js';

export interface TestbedTuning {
  truth: QgParams;
  member: QgParams;
  memberBias: OutputBias;
  /** rms of the analysis error in the streamfunction (m² s⁻¹), per layer. */
  analysisErrorPsi: number;
  /** Raw members' initial perturbations as a fraction of the analysis error (< 1: under-dispersive). */
  rawPerturbationScale: number;
  /** Model time step, hours (24 must be a multiple). */
  dtHours: number;
  climate: ClimateOptions;
}

export const DEFAULT_TUNING: TestbedTuning = {
  truth: TRUTH_PARAMS,
  member: MEMBER_PARAMS,
  memberBias: { t850: 0.3, t850PerPolewardWind: 0.04, z500PerVorticity: 25 },
  analysisErrorPsi: 1.0e6,
  rawPerturbationScale: 0.7,
  dtHours: 2,
  climate: { trendKPerYear: 0.04, zScale: 0.5, tScale: 0.5 },
};
