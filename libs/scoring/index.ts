/** Verification scores (DESIGN §2): CRPS family, spread–skill, rank histogram, Brier, reliability, PIT. */
export * from './crps.js';
export * from './maps.js';
export * from './pairing.js';
export * from './scoreSet.js';
export * from './types.js';
export * from './weights.js';
export * from './skill.js';
