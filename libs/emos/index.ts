/** EMOS / NGR calibration (IMPROVER parameterisation): fit, apply, coefficient and product files. */
export * from './apply.js';
export * from './coefficientsFile.js';
export * from './estimate.js';
export * from './types.js';
export * from './evaluate.js';
