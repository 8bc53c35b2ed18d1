/**
 * Parameters of the two-layer quasi-geostrophic model (docs/testbed.md §2). The truth and the members share
 * the grid; the members' ("imperfect") model differs in drag, relaxation, diffusion, jet position and has a
 * too-weak stochastic sub-grid forcing.
 */

export interface QgParams {
  /** Layer coupling F = 1/(2 L_d²) where L_d is the baroclinic deformation radius (m). */
  deformationRadiusKm: number;
  /** Newtonian relaxation time of the interface (thermal forcing), days. */
  radiativeDays: number;
  /** Peak equilibrium vertical shear u₁ − u₂ (m s⁻¹) at the jet latitude (annual mean). */
  shearMs: number;
  /** Fractional seasonal modulation of the shear (winter hemisphere stronger). */
  seasonalShear: number;
  /** Latitude of the equilibrium jet (degrees). */
  jetLatDeg: number;
  /** Ekman (linear) drag on lower-layer relative vorticity, days. */
  ekmanDays: number;
  /** ∇⁴ hyperdiffusion e-folding time of the grid-scale wave, hours. */
  hyperHours: number;
  /** Height of the idealised mountains as f₀h/H scale (s⁻¹) in lower-layer PV. */
  topography: number;
  /** Stochastic PV forcing std of its stationary AR(1) field (s⁻¹ per day of accumulation). 0 = none. */
  stochasticAmp: number;
  /** Decorrelation time of the stochastic forcing, hours. */
  stochasticHours: number;
}

/** The truth model. */
export const TRUTH_PARAMS: QgParams = {
  deformationRadiusKm: 520,
  radiativeDays: 7,
  shearMs: 32,
  seasonalShear: 0.3,
  jetLatDeg: 45,
  ekmanDays: 4,
  hyperHours: 12,
  topography: 2.5e-5,
  stochasticAmp: 4e-6,
  stochasticHours: 12,
};

/** The members' model: wrong drag, diffusion, relaxation and jet position, slightly too little sub-grid noise. */
export const MEMBER_PARAMS: QgParams = {
  ...TRUTH_PARAMS,
  radiativeDays: 6,
  shearMs: 33,
  jetLatDeg: 47,
  ekmanDays: 5,
  hyperHours: 8,
  stochasticAmp: 3.9e-6,
};
