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
  // 1.3.0: a point-by-point EMOS on the 10 raw members closed 55 % (T850) and 51 % (Z500) of 1.2.0's
  // raw10 → perfect50 gap (> 50 %: too much of the error was static or linear in the local state). Now the
  // output errors follow the lower-layer vorticity ζ₂ (nearly uncorrelated with the local T850 and Z500
  // anomalies, so EMOS's α + β·mean cannot remove them; a CNN sees ζ₂ as the Laplacian of Z850), the T850
  // offset is 0.15 K, warm advection runs slightly cold, and the members' jet is no longer displaced (its
  // static bias was EMOS-correctable). `bench/testbed --preset year --emos` measured the alternatives.
  // 1.2.0 had the jet at 47°, T850 + 0.45 K + 0.04 K per m s⁻¹ poleward wind, Z500 160 per ζ₁.
  member: { ...MEMBER_PARAMS, jetLatDeg: TRUTH_PARAMS.jetLatDeg },
  memberBias: {
    t850: 0.15,
    t850PerPolewardWind: -0.05,
    t850PerVorticity: 0.5,
    z500PerVorticity: 0,
    z500PerLowerVorticity: 220,
  },
  analysisErrorPsi: 1.0e6,
  rawPerturbationScale: 0.8,
  dtHours: 2,
  climate: { trendKPerYear: 0.04, zScale: 0.5, tScale: 0.5 },
};
